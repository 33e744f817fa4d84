import { afterEach, describe, expect, test, vi } from "vitest";
import { mount } from "svelte";
import BrowseStep, { type PickedList } from "./BrowseStep.svelte";
import { ADMIN_ACCOUNT, SITES, accessView, deferred, fakeBackend, settle } from "../ipc/fake";
import type { SitesView } from "../ipc";
import { cleanUp, track } from "../testing";

afterEach(cleanUp);

function nodeNamed(name: string): HTMLButtonElement {
  const found = [...document.querySelectorAll<HTMLButtonElement>(".tree button")].find((b) =>
    b.textContent?.includes(name),
  );
  if (!found) throw new Error(`no tree node "${name}"`);
  return found;
}

async function browse(handlers = {}) {
  const calls = fakeBackend(handlers);
  const props = $state({ account: ADMIN_ACCOUNT, picked: {} as Record<string, PickedList> });
  track(mount(BrowseStep, { target: document.body, props }));
  await settle();
  return { calls, props };
}

describe("Browse step", () => {
  test("lists every site the person can find, and strings from the tenant stay text", async () => {
    const { calls } = await browse();
    expect(calls.find((c) => c.cmd === "browse_sites")?.args).toEqual({
      tenantId: ADMIN_ACCOUNT.tenantId,
      objectId: ADMIN_ACCOUNT.objectId,
      clientId: ADMIN_ACCOUNT.clientId,
      query: "",
    });
    expect(document.getElementById("browse-status")?.textContent).toContain("Every site you can find: 3 sites.");
    expect(document.querySelector(".tree img")).toBeNull();
    expect(nodeNamed("Finance").textContent).toContain("<img src=x onerror=alert(1)>Finance");
  });

  test("a site opens on its subsites and visible lists; hidden ones behind the toggle", async () => {
    await browse();
    nodeNamed("Human Resources").click();
    await settle();
    expect(nodeNamed("Human Resources").getAttribute("aria-expanded")).toBe("true");
    nodeNamed("Benefits");
    nodeNamed("Employees");
    expect(() => nodeNamed("Workflow History")).toThrow();
    document.getElementById("browse-show-hidden")?.click();
    await settle();
    expect(nodeNamed("Workflow History").textContent).toContain("(hidden)");
  });

  test("a list shows its columns with type and settings, content types and first items as text", async () => {
    await browse();
    nodeNamed("Human Resources").click();
    await settle();
    nodeNamed("Employees").click();
    await settle();
    const details = document.querySelector(".details")?.textContent ?? "";
    expect(details).toContain("Choices: Active, Leaver · Indexed · Default: Active");
    expect(details).toContain("At most: 255 characters · Required");
    expect(details).not.toContain("Internal");
    expect(details).toContain("Item");
    expect(details).toContain("<script>alert(1)</script>Adele");
    expect(document.querySelector(".details script")).toBeNull();
  });

  test("ticking a list picks its visible columns; a column can be left out", async () => {
    const { props } = await browse();
    nodeNamed("Human Resources").click();
    await settle();
    document.querySelector<HTMLInputElement>('input[aria-label="Use Employees"]')?.click();
    await settle();
    const key = Object.keys(props.picked)[0] ?? "";
    expect(props.picked[key]?.columns).toEqual(["Title", "Status"]);
    nodeNamed("Employees").click();
    await settle();
    document.querySelector<HTMLInputElement>('input[aria-label="Use Status"]')?.click();
    await settle();
    expect(props.picked[key]?.columns).toEqual(["Title"]);
    expect(document.getElementById("browse-status")?.textContent).toContain("1 list ticked.");
  });

  test("search as you type keeps only the answer to the latest words", async () => {
    const slow = deferred<SitesView>();
    let n = 0;
    await browse({
      browse_sites: ({ query }: { query?: string }) => {
        n += 1;
        if (n === 2) return slow.promise;
        return { sites: SITES.filter((s) => s.displayName.includes(query ?? "")), how: `Sites matching “${query}”` };
      },
    });
    const input = document.getElementById("browse-query") as HTMLInputElement;
    for (const words of ["Hum", "Human"]) {
      input.value = words;
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
      await settle();
    }
    slow.resolve({ sites: SITES, how: "stale" });
    await settle();
    expect(document.getElementById("browse-status")?.textContent).toContain("Sites matching “Human”: 1 site.");
  });

  test("without browsing's permission, the reason is shown and Allow retries the search", async () => {
    let granted = false;
    const { calls } = await browse({
      browse_sites: () => {
        if (!granted) throw { code: "consentRequired", message: "Consent needed.", field: null };
        return { sites: SITES, how: "Every site you can find" };
      },
      check_access: ({ need }: { need: "browse" }) => accessView(need, granted),
      grant_access: ({ need }: { need: "browse" }) => {
        granted = true;
        return accessView(need, true);
      },
    });
    expect(document.body.textContent).toContain("spconnect reads SharePoint as you (Sites.Read.All)");
    expect(document.getElementById("browse-error")).toBeNull();
    [...document.querySelectorAll("button")].find((b) => b.textContent?.trim() === "Allow in the browser")?.click();
    await settle();
    await settle();
    expect(calls.filter((c) => c.cmd === "browse_sites")).toHaveLength(2);
    expect(document.getElementById("browse-status")?.textContent).toContain("3 sites");
  });

  test("an opened site says when it was read and Refresh reads it again", async () => {
    const { calls } = await browse();
    nodeNamed("Human Resources").click();
    await settle();
    expect(document.getElementById("browse-age")?.textContent).toBe("(read 3 minutes ago)");
    document.getElementById("browse-refresh")?.click();
    await settle();
    expect(calls.at(-1)).toEqual({
      cmd: "browse_site",
      args: expect.objectContaining({ siteId: "contoso.sharepoint.com,1111,2222", refresh: true }),
    });
  });

  test("load everything shows counts, rate and time left, then what was read", async () => {
    const loading = deferred<unknown>();
    const channel: { send?: (p: unknown) => void } = {};
    const { calls } = await browse({
      browse_load_all: ({ onProgress }: { onProgress: { onmessage: (p: unknown) => void } }) => {
        channel.send = onProgress.onmessage;
        return loading.promise;
      },
      cancel_browse_load: () => true,
    });
    nodeNamed("Human Resources").click();
    await settle();
    document.getElementById("browse-load-all")?.click();
    await settle();
    channel.send?.({ sitesFound: 40, sitesRead: 12, lists: 240, columns: 7200, sitesWithProblems: 0, elapsedMs: 800, sitesPerSecond: 15.2, secondsLeft: 1.8 });
    await settle();
    expect(document.getElementById("browse-load-text")?.textContent).toBe(
      "12 of 40 sites · 240 lists · 7,200 columns · 15.2 sites a second · about 2 s left",
    );
    expect((document.getElementById("browse-load-progress") as HTMLProgressElement).value).toBe(12);
    document.getElementById("browse-load-cancel")?.click();
    await settle();
    expect(calls.at(-1)?.cmd).toBe("cancel_browse_load");
    loading.resolve({
      sites: [],
      cancelled: true,
      progress: { sitesFound: 40, sitesRead: 16, lists: 320, columns: 9600, sitesWithProblems: 1, elapsedMs: 900, sitesPerSecond: 17.8, secondsLeft: 1.3 },
    });
    await settle();
    expect(document.getElementById("browse-load-status")?.textContent).toContain("Stopped: 16 of 40 sites");
    expect(document.getElementById("browse-load-status")?.textContent).toContain("1 site could not be read in full");
    expect(document.getElementById("browse-load-cancel")).toBeNull();
  });

  test("the selection is saved under a name with its OpenAPI document, which can be copied", async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    const { calls } = await browse();
    expect((document.getElementById("integration-save") as HTMLButtonElement).disabled).toBe(true);
    nodeNamed("Human Resources").click();
    await settle();
    document.querySelector<HTMLInputElement>('input[aria-label="Use Employees"]')?.click();
    await settle();
    document.getElementById("integration-save")?.click();
    await settle();
    expect(document.getElementById("integration-name-error")?.textContent).toBe("Give the integration a name.");
    expect(document.activeElement?.id).toBe("integration-name");
    const name = document.getElementById("integration-name") as HTMLInputElement;
    name.value = "HR sync";
    name.dispatchEvent(new Event("input", { bubbles: true }));
    document.getElementById("integration-save")?.click();
    await settle();
    expect(calls.at(-1)?.args).toEqual(
      expect.objectContaining({
        name: "HR sync",
        lists: [{ siteId: "contoso.sharepoint.com,1111,2222", listId: "list-employees", columns: ["Title", "Status"] }],
      }),
    );
    expect(document.getElementById("integration-saved")?.textContent).toContain("HR sync is saved");
    expect(document.getElementById("integration-name-error")).toBeNull();
    document.getElementById("integration-copy")?.click();
    await settle();
    expect(writeText).toHaveBeenCalledWith('{"openapi": "3.1.0"}');
  });

  test("after load everything, a list's columns are fetched from the app when it is opened", async () => {
    const { calls } = await browse();
    nodeNamed("Human Resources").click();
    await settle();
    document.getElementById("browse-load-all")?.click();
    await settle();
    expect(document.getElementById("browse-load-status")?.textContent).toContain("Loaded everything under the site");
    const before = calls.filter((c) => c.cmd === "browse_site").length;
    nodeNamed("Employees").click();
    await settle();
    expect(calls.filter((c) => c.cmd === "browse_site").length).toBe(before + 1);
    expect(document.querySelector(".details")?.textContent).toContain("Choices: Active, Leaver");
  });

  test("with thousands of sites only the rows in view are in the page, and scrolling brings the others", async () => {
    const many = Array.from({ length: 2000 }, (_, n) => ({
      id: `contoso.sharepoint.com,${n},0`,
      displayName: `Site ${String(n + 1).padStart(5, "0")}`,
      webUrl: `https://contoso.sharepoint.com/sites/site-${n + 1}`,
      description: null,
      isRoot: true,
    }));
    await browse({ browse_sites: () => ({ sites: many, how: "Every site you can find" }) });
    const tree = document.querySelector<HTMLElement>(".tree");
    expect(document.querySelectorAll(".tree .row").length).toBeLessThan(40);
    expect(document.querySelector<HTMLElement>(".rows")?.style.height).toBe(`${2000 * 30}px`);
    expect(() => nodeNamed("Site 01000")).toThrow();
    if (!tree) throw new Error("no tree");
    tree.scrollTop = 999 * 30;
    tree.dispatchEvent(new Event("scroll"));
    await settle();
    expect(nodeNamed("Site 01000").closest<HTMLElement>(".row")?.style.top).toBe(`${999 * 30}px`);
    expect(document.querySelectorAll(".tree .row").length).toBeLessThan(40);
  });
});

