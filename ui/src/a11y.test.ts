// @vitest-environment jsdom
// Accessibility of every view, checked by axe-core (the engine behind most accessibility audits)
// on the rendered page: Connections, each step of the New connection wizard and its
// discard question, Settings (with a refused custom endpoint and the demo tenant's section), and
// the demo banner. jsdom has no layout, so axe cannot judge colour contrast here; everything else
// it checks must pass with no serious or critical violation.
import { afterEach, describe, expect, test } from "vitest";
import { flushSync, mount } from "svelte";
import axe from "axe-core";
import App from "./App.svelte";
import { ADMIN_ACCOUNT, CLOUD_ADMIN_ACCOUNT, DEMO_INFO, DRAFT, PENDING, connectionFor, deferred, fakeBackend, progressTo, settle } from "./ipc/fake";
import type { SignedInView } from "./ipc";
import { cleanUp, track } from "./testing";

afterEach(cleanUp);

function el(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is not on the page`);
  return found;
}

/** The serious and critical violations axe finds on the page, as readable lines. */
async function violations(): Promise<string[]> {
  const results = await axe.run(document.body, { resultTypes: ["violations"] });
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

async function expectAccessible(view: string): Promise<void> {
  expect(await violations(), view).toEqual([]);
}

describe("accessibility (axe-core)", () => {
  test("every view has no serious or critical violation", async () => {
    const finishing = deferred<SignedInView>();
    fakeBackend({
      app_info: () => DEMO_INFO,
      list_accounts: () => ({ accounts: [ADMIN_ACCOUNT, { ...CLOUD_ADMIN_ACCOUNT, signInAgain: "Please sign in again: the sign-in has expired." }], notice: null }),
      finish_device_code: () => finishing.promise,
    });
    track(mount(App, { target: document.body }));
    await settle();
    expect(document.getElementById("demo-badge")).not.toBeNull();
    await expectAccessible("Connections, with the demo banner");

    el("new-connection").click();
    await settle();
    for (const step of ["account", "browse", "connection", "test"]) {
      expect(document.querySelector('li[aria-current="step"]')?.getAttribute("data-step")).toBe(step);
      await expectAccessible(`wizard step ${step}`);
      if (step === "browse") {
        // Open a site and a list, so the tree and the details are checked too, and tick the list.
        [...document.querySelectorAll<HTMLButtonElement>(".tree button")]
          .find((b) => b.textContent?.includes("Human Resources"))
          ?.click();
        await settle();
        [...document.querySelectorAll<HTMLButtonElement>(".tree button")]
          .find((b) => b.textContent?.includes("Employees"))
          ?.click();
        await settle();
        document.querySelector<HTMLInputElement>('input[aria-label="Use Employees"]')?.click();
        await settle();
        await expectAccessible("the Browse step with a list open");
        // With work to lose, Cancel asks first.
        el("wizard-cancel").click();
        await settle();
        expect(document.querySelector('[role="alertdialog"]')).not.toBeNull();
        await expectAccessible("the wizard's discard question");
        el("wizard-keep").click();
        await settle();
      }
      if (step === "connection") {
        const input = document.getElementById("connection-name") as HTMLInputElement;
        input.value = "HR sync";
        input.dispatchEvent(new Event("input", { bubbles: true }));
        await settle();
        el("plan-connection").click();
        await settle();
        await expectAccessible("the Connection step with its plan");
        el("apply-connection").click();
        await settle();
        await expectAccessible("the Connection step applied");
      }
      if (step !== "test") {
        el("wizard-next").click();
        await settle();
      }
    }

    el("nav-accounts").click();
    await settle();
    await expectAccessible("Accounts, with one account to sign in again");
    el("accounts-sign-in-device").click();
    await settle();
    expect(document.getElementById("accounts-sign-in-code")?.textContent).toBe("FJKQ-7TXM");
    await expectAccessible("Accounts, waiting for a device code");
    finishing.resolve({ account: ADMIN_ACCOUNT, notice: null });
    await settle();
    const signOut = [...document.querySelectorAll<HTMLButtonElement>(".account button")].find(
      (b) => b.textContent?.trim() === "Sign out",
    );
    signOut?.click();
    await settle();
    expect(document.getElementById("confirm-sign-out")).not.toBeNull();
    await expectAccessible("Accounts, asking before signing out");

    el("nav-settings").click();
    await settle();
    await expectAccessible("Settings");
    (document.querySelector('input[value="custom"]') as HTMLInputElement).click();
    flushSync();
    await expectAccessible("Settings with custom endpoints");
  });

  test("Connections with connections, an expiry banner, an unfinished apply and a problem", async () => {
    const soon = new Date(Date.now() + 5 * 24 * 3600 * 1000).toISOString();
    fakeBackend({
      list_accounts: () => ({ accounts: [ADMIN_ACCOUNT], notice: null }),
      list_connections: () => ({
        connections: [
          connectionFor({ ...DRAFT, id: "a".repeat(32) }),
          connectionFor({ ...DRAFT, id: "b".repeat(32), name: "Payroll", model: { kind: "tenantWide", permission: "readAll" } }, soon),
        ],
        pending: [
          { ...PENDING, id: "c".repeat(32) },
          {
            id: "d".repeat(32),
            name: "Other tenant",
            tenantId: "11111111-2222-3333-4444-555555555555",
            createdBy: "admin@fabrikam.onmicrosoft.com",
            startedAt: "2026-12-04T10:00:00Z",
            state: "applying",
            message: null,
            done: [],
            report: null,
            running: false,
          },
        ],
        problems: ["The connection record connection-e cannot be read: it was changed outside spconnect. It was left as it is."],
      }),
    });
    track(mount(App, { target: document.body }));
    await settle();
    expect(document.getElementById("expiry-banner")).not.toBeNull();
    expect(document.getElementById("connections-table")).not.toBeNull();
    await expectAccessible("Connections with connections and unfinished applies");
    document.querySelector<HTMLButtonElement>('button[aria-label="Export PEM of HR sync"]')?.click();
    await settle();
    await expectAccessible("Connections after an export");
  });

  test("the Connection step with a tenant-wide permission, a refused field and a failed apply", async () => {
    fakeBackend({
      list_accounts: () => ({ accounts: [ADMIN_ACCOUNT], notice: null }),
      apply_connection: ({ onProgress }) => {
        const channel = { onmessage: progressTo(onProgress) };
        channel.onmessage({ step: "certificate", state: "done", detail: "RSA 2048", elapsedMs: 300, attempt: 0 });
        channel.onmessage({ step: "servicePrincipal", state: "failed", detail: "Still not replicated", elapsedMs: 90000, attempt: 40 });
        throw { code: "unavailable", message: "The service principal did not replicate in time. Resume in a few minutes.", field: null };
      },
    });
    track(mount(App, { target: document.body }));
    await settle();
    el("new-connection").click();
    await settle();
    el("wizard-next").click();
    await settle();
    [...document.querySelectorAll<HTMLButtonElement>(".tree button")].find((b) => b.textContent?.includes("Human Resources"))?.click();
    await settle();
    document.querySelector<HTMLInputElement>('input[aria-label="Use Employees"]')?.click();
    await settle();
    el("wizard-next").click();
    await settle();
    el("plan-connection").click();
    await settle();
    expect(document.getElementById("connection-error")).not.toBeNull();
    await expectAccessible("the Connection step with a field to fill in");
    const input = el("connection-name") as HTMLInputElement;
    input.value = "Everything";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    (el("model-tenant-wide") as HTMLInputElement).click();
    await settle();
    expect(document.getElementById("tenant-wide-warning")).not.toBeNull();
    await expectAccessible("the Connection step with a tenant-wide permission");
    el("plan-connection").click();
    await settle();
    el("apply-connection").click();
    await settle();
    expect(document.getElementById("apply-stopped")).not.toBeNull();
    await expectAccessible("the Connection step after a failed apply");
  });

  test("a refused custom endpoint is announced next to its field without violations", async () => {
    fakeBackend({
      save_settings: () => {
        throw { code: "invalidInput", message: "The Graph host must use https.", field: "graphHost" };
      },
    });
    track(mount(App, { target: document.body }));
    await settle();
    el("nav-settings").click();
    await settle();
    (document.querySelector('input[value="custom"]') as HTMLInputElement).click();
    flushSync();
    el("save-settings").click();
    await settle();
    expect(document.getElementById("custom-graph-error")?.textContent).toContain("https");
    await expectAccessible("Settings with a field error");
  });

  test("the check finds what it should: a button without a name is a violation", async () => {
    document.body.innerHTML = '<main><button id="nameless"></button></main>';
    expect((await violations()).join("\n")).toContain("button-name");
  });
});
