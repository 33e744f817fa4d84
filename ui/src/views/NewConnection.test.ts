import { afterEach, describe, expect, test, vi } from "vitest";
import { flushSync, mount } from "svelte";
import NewConnection from "./NewConnection.svelte";
import { ADMIN_ACCOUNT, fakeBackend, settle } from "../ipc/fake";
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
      } else {
        expect(document.body.textContent).toContain("This step is not available in this build yet.");
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
