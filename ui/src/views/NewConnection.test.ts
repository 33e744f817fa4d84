import { afterEach, describe, expect, test, vi } from "vitest";
import { flushSync, mount } from "svelte";
import NewConnection from "./NewConnection.svelte";
import { ADMIN_ACCOUNT, PASSING_TEST, deferred, fakeBackend, planFor, progressTo, settle } from "../ipc/fake";
import type { ConnectionView, DraftArgs, Progress } from "../ipc";
import { cleanUp, track } from "../testing";

afterEach(cleanUp);

/** The wizard with `accounts` signed in on this computer. */
async function wizard(props: { oncancel: () => void }, accounts = [ADMIN_ACCOUNT]) {
  const calls = fakeBackend({ list_accounts: () => ({ accounts, notice: null }) });
  track(mount(NewConnection, { target: document.body, props }));
  await settle();
  return calls;
}

function button(id: string): HTMLButtonElement {
  const el = document.getElementById(id);
  if (!(el instanceof HTMLButtonElement)) throw new Error(`#${id} is not a button`);
  return el;
}

/** On the Browse step: opens Human Resources and ticks its Employees list. */
async function tickEmployees() {
  const hr = [...document.querySelectorAll<HTMLButtonElement>(".tree button")].find((b) =>
    b.textContent?.includes("Human Resources"),
  );
  hr?.click();
  await settle();
  document.querySelector<HTMLInputElement>('input[aria-label="Use Employees"]')?.click();
  await settle();
}

/** On the Connection step: names the connection, reviews the plan and applies it. */
async function createConnection(name = "HR sync") {
  const input = document.getElementById("connection-name") as HTMLInputElement;
  input.value = name;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  await settle();
  button("plan-connection").click();
  await settle();
  button("apply-connection").click();
  await settle();
}

/** From the Account step: to Browse, ticks Employees, and on to the Connection step. */
async function toConnectionStep() {
  button("wizard-next").click();
  await settle();
  await tickEmployees();
  button("wizard-next").click();
  await settle();
}

async function typeName(name: string) {
  const input = document.getElementById("connection-name") as HTMLInputElement;
  input.value = name;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  await settle();
}

/** Picks `value` in the select `id`, as a person does. */
function choose(id: string, value: string) {
  const select = document.getElementById(id) as HTMLSelectElement;
  for (const option of select.options) option.selected = option.value === value;
  select.dispatchEvent(new Event("change", { bubbles: true }));
}

/** The progress rows: each step kind with its state, in order. */
function progressRows(): [string | null, string | null][] {
  return [...document.querySelectorAll("#apply-progress li[data-kind]")].map((li) => [
    li.getAttribute("data-kind"),
    li.getAttribute("data-state"),
  ]);
}

function currentStep(): string | null {
  const current = document.querySelectorAll('ol li[aria-current="step"]');
  expect(current.length).toBe(1);
  return current[0]?.getAttribute("data-step") ?? null;
}

describe("New connection wizard", () => {
  test("lists the four steps in order and starts at Account", async () => {
    await wizard({ oncancel: () => {} });
    const steps = [...document.querySelectorAll("ol li")].map((li) => li.getAttribute("data-step"));
    expect(steps).toEqual(["account", "browse", "connection", "test"]);
    expect(currentStep()).toBe("account");
    expect(document.getElementById("wizard-step-title")?.textContent).toBe("Sign in");
    expect(document.body.textContent).toContain("device code");
    expect(document.body.textContent).not.toContain("This step is not available in this build yet.");
    const picked = document.querySelector<HTMLInputElement>('input[name="wizard-account"]:checked');
    expect(picked?.closest("label")?.textContent).toContain(ADMIN_ACCOUNT.username);
    expect(button("wizard-back").disabled).toBe(true);
    expect(button("wizard-next").disabled).toBe(false);
  });

  test("Next and Back move one step, are disabled at the ends and move focus to the step title", async () => {
    await wizard({ oncancel: () => {} });
    const seen: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      button("wizard-next").click();
      await settle();
      seen.push(currentStep() ?? "");
      expect(document.activeElement?.id).toBe("wizard-step-title");
      if (currentStep() === "browse") {
        // Browse lets the wizard go on once a list is ticked.
        expect(button("wizard-next").disabled).toBe(true);
        await tickEmployees();
        expect(button("wizard-next").disabled).toBe(false);
      } else if (currentStep() === "connection") {
        // The Connection step lets it go on once the connection is created.
        expect(button("wizard-next").disabled).toBe(true);
        await createConnection();
        expect(button("wizard-next").disabled).toBe(false);
      }
    }
    expect(seen).toEqual(["browse", "connection", "test"]);
    expect(document.getElementById("wizard-step-title")?.textContent).toBe("Test the connection");
    expect(document.body.textContent).toContain("latency");
    expect(button("wizard-next").disabled).toBe(true);
    expect(button("wizard-back").disabled).toBe(false);

    button("wizard-back").click();
    await settle();
    expect(currentStep()).toBe("connection");
    expect(document.body.textContent).toContain("certificate");
    expect(button("wizard-next").disabled).toBe(false);
  });

  test("the Connection step plans, applies with each step's progress, and the Test step shows the checks", async () => {
    const calls = await wizard({ oncancel: () => {} });
    button("wizard-next").click();
    await settle();
    await tickEmployees();
    button("wizard-next").click();
    await settle();
    expect(document.getElementById("site-role-0")).not.toBeNull();
    expect(document.body.textContent).toContain("Human Resources");
    const input = document.getElementById("connection-name") as HTMLInputElement;
    input.value = "HR sync";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    await settle();
    expect((document.getElementById("cert-subject") as HTMLInputElement).value).toBe("spconnect HR sync");
    button("plan-connection").click();
    await settle();
    const planned = calls.find((c) => c.cmd === "plan_connection")?.args as { sites: { webUrl: string; role: string }[]; model: unknown; definitionPath?: string };
    // What was ticked is saved as the connection's integration definition, named as it.
    const saved = calls.find((c) => c.cmd === "save_integration")?.args as { name: string; lists: { listId: string }[] };
    expect(saved.name).toBe("HR sync");
    expect(saved.lists.map((l) => l.listId)).toEqual(["list-employees"]);
    expect(planned.definitionPath).toBe("/home/admin/.config/spconnect/integrations/hr-sync.json");
    expect(planned.sites).toEqual([{ siteId: "contoso.sharepoint.com,1111,2222", webUrl: "https://contoso.sharepoint.com/sites/hr", name: "Human Resources", role: "write" }]);
    expect(planned.model).toEqual({ kind: "sitesSelected" });
    expect(document.getElementById("plan")?.textContent).toContain("PATCH /applications(uniqueName=");
    expect(calls.map((c) => c.cmd)).not.toContain("apply_connection");
    button("apply-connection").click();
    await settle();
    const applied = calls.find((c) => c.cmd === "apply_connection")?.args as { draft: { id?: string } };
    expect(applied.draft.id).toBe("0123456789abcdef0123456789abcdef");
    const states = [...document.querySelectorAll("#plan li[data-kind]")].map((li) => li.getAttribute("data-state"));
    expect(states.every((s) => s === "done")).toBe(true);
    expect(document.getElementById("apply-done")?.textContent).toContain("created");
    button("wizard-next").click();
    await settle();
    expect(document.getElementById("test-results")?.textContent).toContain("Read Human Resources through Microsoft Graph");
    expect(document.getElementById("usage-client-id")?.textContent).toBe("5e1c2a7b-9d3f-4b8e-a0c6-2f7d1e9b3a54");
    button("test-again").click();
    await settle();
    expect(calls.map((c) => c.cmd)).toContain("test_connection");
  });

  test("a plan the person's roles do not allow disables Apply and says why", async () => {
    const calls = fakeBackend({
      list_accounts: () => ({ accounts: [ADMIN_ACCOUNT], notice: null }),
      plan_connection: (draft) => ({ ...planFor(draft), refusal: "Granting the Microsoft Graph application permission Sites.Selected needs Global Administrator or Privileged Role Administrator." }),
    });
    track(mount(NewConnection, { target: document.body, props: { oncancel: () => {} } }));
    await settle();
    await toConnectionStep();
    await typeName("HR sync");
    button("plan-connection").click();
    await settle();
    expect(document.getElementById("plan-refusal")?.textContent).toContain("Privileged Role Administrator");
    expect(button("apply-connection").disabled).toBe(true);
    expect(calls.map((c) => c.cmd)).not.toContain("apply_connection");
  });

  test("a failed apply says why and offers Resume and Roll back", async () => {
    const calls = fakeBackend({
      list_accounts: () => ({ accounts: [ADMIN_ACCOUNT], notice: null }),
      apply_connection: ({ onProgress }) => {
        const channel = { onmessage: progressTo(onProgress) };
        channel.onmessage({ step: "sites", state: "failed", detail: "Microsoft Graph is unavailable", elapsedMs: 1200, attempt: 0 });
        throw { code: "unavailable", message: "Granting site access: Microsoft Graph is unavailable. Resume later.", field: null };
      },
    });
    track(mount(NewConnection, { target: document.body, props: { oncancel: () => {} } }));
    await settle();
    button("wizard-next").click();
    await settle();
    await tickEmployees();
    button("wizard-next").click();
    await settle();
    await createConnection();
    expect(document.getElementById("apply-stopped")?.textContent).toContain("unavailable");
    expect(document.querySelector('#apply-progress li[data-kind="sites"]')?.getAttribute("data-state")).toBe("failed");
    expect(document.getElementById("resume-apply")).not.toBeNull();
    expect(button("wizard-next").disabled).toBe(true);
    button("rollback-apply").click();
    await settle();
    expect(calls.map((c) => c.cmd)).toContain("rollback_connection");
    expect(document.getElementById("rollback-result")?.textContent).toContain("Application HR sync");
    expect(document.getElementById("rollback-result")?.textContent).toContain("Site permission on Human Resources");
    expect(document.getElementById("apply-connection")).toBeNull();
    // The draft can be changed and planned again, as a new connection.
    expect(button("plan-connection").disabled).toBe(false);
    button("plan-connection").click();
    await settle();
    const again = calls.filter((c) => c.cmd === "plan_connection").at(-1)?.args as { id?: string };
    expect(again.id).toBeUndefined();
  });

  test("the plan is not asked for without a name or an API, and the field is pointed at", async () => {
    const calls = await wizard({ oncancel: () => {} });
    await toConnectionStep();
    button("plan-connection").click();
    await settle();
    expect(document.getElementById("connection-error")?.textContent).toContain("name");
    expect(document.getElementById("connection-name")?.getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement?.id).toBe("connection-name");
    await typeName("HR sync");
    (document.getElementById("api-graph") as HTMLInputElement).click();
    await settle();
    button("plan-connection").click();
    await settle();
    expect(document.getElementById("connection-error")?.textContent).toContain("at least one API");
    expect(calls.map((c) => c.cmd)).not.toContain("plan_connection");
  });

  test("roles per site and the APIs go into the draft; changing a field clears the plan", async () => {
    const calls = await wizard({ oncancel: () => {} });
    await toConnectionStep();
    await typeName("HR sync");
    const role = document.getElementById("site-role-0") as HTMLSelectElement;
    expect(role.value).toBe("write");
    expect(document.querySelector('label[for="site-role-0"]')?.textContent).toContain("Human Resources");
    choose("site-role-0", "read");
    choose("cert-key-bits", "3072");
    (document.getElementById("api-sharepoint") as HTMLInputElement).click();
    await settle();
    button("plan-connection").click();
    await settle();
    const planned = calls.filter((c) => c.cmd === "plan_connection").at(-1)?.args as DraftArgs;
    expect(planned.apis).toEqual(["graph", "sharePoint"]);
    expect(planned.sites[0]?.role).toBe("read");
    expect(planned.certificate).toEqual({ keyBits: 3072, validityDays: 365, subject: "spconnect HR sync" });
    expect(planned.id).toBeUndefined();
    expect(document.getElementById("plan")).not.toBeNull();
    expect(document.querySelector("#plan .calls code")?.textContent).toContain("PATCH /applications");
    await typeName("HR sync 2");
    expect(document.getElementById("plan")).toBeNull();
    expect(document.getElementById("apply-connection")).toBeNull();
  });

  test("a tenant-wide permission is warned of before planning, then by the plan's own warning", async () => {
    const calls = await wizard({ oncancel: () => {} });
    await toConnectionStep();
    await typeName("Everything");
    (document.getElementById("model-tenant-wide") as HTMLInputElement).click();
    await settle();
    expect(document.getElementById("site-role-0")).toBeNull();
    choose("tenant-wide-permission", "readWriteAll");
    await settle();
    expect(document.getElementById("tenant-wide-warning")?.textContent).toContain("Sites.ReadWrite.All is tenant-wide");
    button("plan-connection").click();
    await settle();
    const planned = calls.find((c) => c.cmd === "plan_connection")?.args as { model: unknown };
    expect(planned.model).toEqual({ kind: "tenantWide", permission: "readWriteAll" });
    expect(document.getElementById("tenant-wide-warning")).toBeNull();
    expect(document.getElementById("plan-warning")?.textContent).toContain("tenant-wide");
  });

  test("while applying, each step's row shows its state, check count and time; Cancel stops it, Resume finishes it", async () => {
    const applying = deferred<ConnectionView>();
    let send: (p: Progress) => void = () => {};
    const calls = fakeBackend({
      list_accounts: () => ({ accounts: [ADMIN_ACCOUNT], notice: null }),
      apply_connection: ({ onProgress }) => {
        send = progressTo(onProgress);
        return applying.promise;
      },
    });
    track(mount(NewConnection, { target: document.body, props: { oncancel: () => {} } }));
    await settle();
    await toConnectionStep();
    await createConnection();
    const kinds = planFor(calls.find((c) => c.cmd === "plan_connection")?.args as DraftArgs).plan.steps.map((s) => s.kind);
    expect(progressRows().map(([kind]) => kind)).toEqual(kinds);
    expect(progressRows().every(([, state]) => state === "pending")).toBe(true);

    send({ step: "certificate", state: "done", detail: "RSA 2048, valid until 4 December 2027", elapsedMs: 300, attempt: 0 });
    send({ step: "resources", state: "done", detail: "", elapsedMs: 200, attempt: 0 });
    send({ step: "application", state: "done", detail: "", elapsedMs: 700, attempt: 0 });
    send({ step: "servicePrincipal", state: "waiting", detail: "Waiting for the application to replicate", elapsedMs: 4500, attempt: 3 });
    await settle();
    expect(progressRows().slice(0, 5)).toEqual([
      ["certificate", "done"],
      ["resources", "done"],
      ["application", "done"],
      ["servicePrincipal", "waiting"],
      ["consent", "pending"],
    ]);
    const waiting = document.querySelector('#apply-progress li[data-kind="servicePrincipal"]')?.textContent ?? "";
    expect(waiting).toContain("check 3");
    expect(waiting).toContain("4.5 s");
    expect(waiting).toContain("Waiting for the application to replicate");
    expect(document.getElementById("apply-progress")?.querySelector('[aria-live="polite"]')).not.toBeNull();
    expect(button("wizard-next").disabled).toBe(true);
    expect((document.getElementById("connection-name") as HTMLInputElement).closest("fieldset")?.disabled).toBe(true);

    button("cancel-apply").click();
    await settle();
    expect(calls.find((c) => c.cmd === "cancel_apply")?.args).toEqual({ id: "0123456789abcdef0123456789abcdef" });
    applying.reject({ code: "cancelled", message: "Cancelled before creating the service principal. Resume it or roll it back.", field: null });
    await settle();
    expect(document.getElementById("cancel-apply")).toBeNull();
    expect(document.getElementById("apply-stopped")?.textContent).toContain("Resume it or roll it back");
    // The draft is the one started: resumed or rolled back as it is, not edited.
    expect(button("plan-connection").disabled).toBe(true);

    button("resume-apply").click();
    await settle();
    const resumed = calls.find((c) => c.cmd === "resume_connection")?.args as { id: string; objectId: string };
    expect(resumed.id).toBe("0123456789abcdef0123456789abcdef");
    expect(resumed.objectId).toBe(ADMIN_ACCOUNT.objectId);
    expect(progressRows().every(([, state]) => state === "done")).toBe(true);
    expect(document.getElementById("apply-progress")?.textContent).toContain("created and checked");
    expect(button("wizard-next").disabled).toBe(false);
  });

  test("the Test step shows a failed check with its latency and fix, and Test again shows the new result", async () => {
    const failing = {
      at: "2026-12-04T10:05:00Z",
      checks: [
        PASSING_TEST.checks[0]!,
        { name: "Read Human Resources through SharePoint REST", passed: false, latencyMs: 230, detail: "401 Unauthorized", fix: "Wait a few minutes for the grant to reach SharePoint, then Test again." },
      ],
    };
    const calls = fakeBackend({
      list_accounts: () => ({ accounts: [ADMIN_ACCOUNT], notice: null }),
      test_connection: () => failing,
    });
    track(mount(NewConnection, { target: document.body, props: { oncancel: () => {} } }));
    await settle();
    await toConnectionStep();
    await createConnection();
    button("wizard-next").click();
    await settle();
    expect(document.getElementById("test-summary")?.textContent).toContain("2 of 2 checks passed");
    for (const id of ["usage-tenant-id", "usage-client-id", "usage-thumbprint", "usage-x5t-s256", "usage-not-after"]) {
      expect(document.getElementById(id), id).not.toBeNull();
    }
    expect(document.getElementById("usage-tenant-id")?.textContent).toBe(ADMIN_ACCOUNT.tenantId);
    expect(document.querySelector('button[aria-label="Copy the client id"]')).not.toBeNull();
    button("test-again").click();
    await settle();
    expect(calls.find((c) => c.cmd === "test_connection")?.args).toMatchObject({ id: "0123456789abcdef0123456789abcdef" });
    const rows = [...document.querySelectorAll("#test-results tbody tr")].map((r) => r.textContent ?? "");
    expect(rows[1]).toContain("Failed");
    expect(rows[1]).toContain("230 ms");
    expect(rows[1]).toContain("Fix: Wait a few minutes");
    expect(document.getElementById("test-summary")?.textContent).toContain("1 of 2 checks passed, 1 failed");
  });

  test("with nothing to lose, Cancel and Escape leave at once", async () => {
    const oncancel = vi.fn();
    await wizard({ oncancel });
    button("wizard-cancel").click();
    await settle();
    expect(oncancel).toHaveBeenCalledOnce();
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", cancelable: true }));
    await settle();
    expect(oncancel).toHaveBeenCalledTimes(2);
    expect(document.querySelector('[role="alertdialog"]')).toBeNull();
  });

  test("with work done, Escape asks first: Escape again or Keep editing stays, Discard leaves", async () => {
    const oncancel = vi.fn();
    await wizard({ oncancel });
    button("wizard-next").click();
    await settle();
    const escape = () =>
      window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", cancelable: true }));

    escape();
    await settle();
    expect(oncancel).not.toHaveBeenCalled();
    expect(document.querySelector('[role="alertdialog"]')?.textContent).toContain("will be lost");
    expect(document.activeElement?.id).toBe("wizard-keep");
    escape();
    await settle();
    expect(document.querySelector('[role="alertdialog"]')).toBeNull();
    expect(currentStep()).toBe("browse");

    button("wizard-cancel").click();
    await settle();
    button("wizard-keep").click();
    await settle();
    expect(oncancel).not.toHaveBeenCalled();
    expect(currentStep()).toBe("browse");

    button("wizard-cancel").click();
    await settle();
    button("wizard-discard").click();
    await settle();
    expect(oncancel).toHaveBeenCalledOnce();
  });

  test("while another place is shown, Escape does nothing to the wizard", async () => {
    const oncancel = vi.fn();
    track(mount(NewConnection, { target: document.body, props: { oncancel, active: false } }));
    flushSync();
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", cancelable: true }));
    await settle();
    expect(oncancel).not.toHaveBeenCalled();
  });

  test("with nobody signed in, Next waits for a sign-in, which picks the person", async () => {
    const calls = await wizard({ oncancel: () => {} }, []);
    expect(document.getElementById("wizard-no-accounts")?.textContent).toContain("Nobody is signed in");
    expect(button("wizard-next").disabled).toBe(true);
    button("wizard-sign-in-browser").click();
    await settle();
    expect(calls.map((c) => c.cmd)).toContain("sign_in_with_browser");
    const picked = document.querySelector<HTMLInputElement>('input[name="wizard-account"]:checked');
    expect(picked?.closest("label")?.textContent).toContain(ADMIN_ACCOUNT.username);
    expect(button("wizard-next").disabled).toBe(false);
  });

  test("someone who must sign in again cannot be picked", async () => {
    await wizard({ oncancel: () => {} }, [{ ...ADMIN_ACCOUNT, signInAgain: "Please sign in again: the sign-in was revoked." }]);
    const radio = document.querySelector<HTMLInputElement>('input[name="wizard-account"]');
    expect(radio?.disabled).toBe(true);
    expect(document.body.textContent).toContain("the sign-in was revoked");
    expect(button("wizard-next").disabled).toBe(true);
  });
});
