import { afterEach, describe, expect, test } from "vitest";
import { flushSync, mount } from "svelte";
import App from "./App.svelte";
import { ADMIN_ACCOUNT, DEMO_INFO, fakeBackend, settle } from "./ipc/fake";
import { cleanUp, track } from "./testing";

async function start(): Promise<void> {
  track(mount(App, { target: document.body }));
  await settle();
}

afterEach(cleanUp);

function el(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is not on the page`);
  return found;
}

/** The place whose panel is visible, checked against the navigation's aria-current. */
function shown(): string {
  const visible = [...document.querySelectorAll("main > section")].filter((s) => !s.hasAttribute("hidden"));
  expect(visible.length).toBe(1);
  const place = visible[0]?.id.replace("panel-", "") ?? "";
  const current = [...document.querySelectorAll('nav button[aria-current="page"]')].map((b) => b.id);
  expect(current).toEqual([`nav-${place}`]);
  return place;
}

function press(key: string, init: KeyboardEventInit = {}, target: EventTarget = document.activeElement ?? document.body) {
  target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init }));
  flushSync();
}

describe("App", () => {
  test("opens on Connections with the honest empty state and the version", async () => {
    fakeBackend();
    await start();
    expect(shown()).toBe("connections");
    expect(document.querySelector("h1")?.textContent).toBe("spconnect");
    expect(document.body.textContent).toContain("No connections on this machine yet.");
    expect(el("app-version").textContent).toBe("spconnect 0.1.0");
    // Settings are loaded only when that view is first shown.
    expect(document.getElementById("save-settings")).toBeNull();
  });

  test("on the demo tenant a badge says so plainly; otherwise there is none", async () => {
    fakeBackend({ app_info: () => DEMO_INFO });
    await start();
    const badge = el("demo-badge");
    expect(badge.textContent).toContain("Demo tenant");
    expect(badge.textContent).toContain("Contoso (contoso.onmicrosoft.com), not to Microsoft");
    cleanUp();
    fakeBackend();
    await start();
    expect(document.getElementById("demo-badge")).toBeNull();
  });

  test("New connection opens the wizard and focuses its heading", async () => {
    fakeBackend();
    await start();
    el("new-connection").click();
    await settle();
    expect(shown()).toBe("wizard");
    expect(document.activeElement?.id).toBe("wizard-heading");
    expect(document.querySelector('li[aria-current="step"]')?.getAttribute("data-step")).toBe("account");
  });

  test("Ctrl+1…4 jump to the four places", async () => {
    fakeBackend();
    await start();
    press("3", { ctrlKey: true, code: "Digit3" });
    await settle();
    expect(shown()).toBe("accounts");
    expect(document.activeElement?.id).toBe("accounts-heading");
    press("4", { ctrlKey: true, code: "Digit4" });
    await settle();
    expect(shown()).toBe("settings");
    expect(document.activeElement?.id).toBe("settings-heading");
    expect(el("endpoint-authority").textContent).toBe("https://login.microsoftonline.com");
    expect(el("config-dir").textContent).toBe("/home/admin/.config/spconnect");

    press("2", { ctrlKey: true, code: "Digit2" });
    await settle();
    expect(shown()).toBe("wizard");
    // A layout where the digit row gives other characters still works through `code`.
    press("&", { ctrlKey: true, code: "Digit1" });
    await settle();
    expect(shown()).toBe("connections");
    expect(document.activeElement?.id).toBe("connections-heading");
    // Without Ctrl nothing happens.
    press("2");
    await settle();
    expect(shown()).toBe("connections");
  });

  test("arrow keys move along the navigation and activating an item changes the view", async () => {
    fakeBackend();
    await start();
    const first = el("nav-connections");
    first.focus();
    press("ArrowDown");
    expect(document.activeElement?.id).toBe("nav-wizard");
    press("ArrowRight");
    expect(document.activeElement?.id).toBe("nav-accounts");
    press("ArrowDown");
    expect(document.activeElement?.id).toBe("nav-settings");
    press("ArrowDown");
    expect(document.activeElement?.id).toBe("nav-connections");
    press("ArrowUp");
    expect(document.activeElement?.id).toBe("nav-settings");
    press("Home");
    expect(document.activeElement?.id).toBe("nav-connections");
    press("End");
    expect(document.activeElement?.id).toBe("nav-settings");
    expect(shown()).toBe("connections");

    press("ArrowUp");
    (document.activeElement as HTMLElement).click();
    await settle();
    expect(shown()).toBe("accounts");
    el("nav-wizard").click();
    await settle();
    expect(shown()).toBe("wizard");
    expect(document.activeElement?.id).toBe("wizard-heading");
  });

  test("the wizard keeps its step across places; Escape asks, Discard cancels and the next one starts afresh", async () => {
    fakeBackend({ list_accounts: () => ({ accounts: [ADMIN_ACCOUNT], notice: null }) });
    await start();
    el("new-connection").click();
    await settle();
    el("wizard-next").click();
    await settle();
    el("nav-settings").click();
    await settle();
    el("nav-wizard").click();
    await settle();
    expect(document.querySelector('li[aria-current="step"]')?.getAttribute("data-step")).toBe("browse");

    press("Escape");
    await settle();
    expect(shown()).toBe("wizard");
    expect(document.activeElement?.id).toBe("wizard-keep");
    el("wizard-discard").click();
    await settle();
    expect(shown()).toBe("connections");
    el("new-connection").click();
    await settle();
    expect(document.querySelector('li[aria-current="step"]')?.getAttribute("data-step")).toBe("account");

    el("wizard-cancel").click();
    await settle();
    expect(shown()).toBe("connections");
  });

  test("what was typed in Settings survives a visit to another place", async () => {
    fakeBackend();
    await start();
    el("nav-settings").click();
    await settle();
    (document.querySelector('input[value="custom"]') as HTMLInputElement).click();
    flushSync();
    const input = el("custom-authority") as HTMLInputElement;
    input.value = "https://login.contoso.test";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    flushSync();

    el("nav-connections").click();
    await settle();
    el("nav-settings").click();
    await settle();
    expect((el("custom-authority") as HTMLInputElement).value).toBe("https://login.contoso.test");
  });

  test("a failing app_info is said, not hidden", async () => {
    fakeBackend({
      app_info: () => {
        throw { code: "internal", message: "The configuration folder is not known.", field: null };
      },
    });
    await start();
    expect(document.getElementById("app-version")).toBeNull();
    expect(document.body.textContent).toContain("Version not known: The configuration folder is not known.");
  });
});
