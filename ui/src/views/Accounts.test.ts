import { afterEach, describe, expect, test, vi } from "vitest";
import { mount } from "svelte";
import Accounts from "./Accounts.svelte";
import { ADMIN_ACCOUNT, CLOUD_ADMIN_ACCOUNT, DEMO_INFO, INFO, deferred, fakeBackend, settle } from "../ipc/fake";
import type { AccountsView, SignedInView } from "../ipc";
import { cleanUp, track } from "../testing";

afterEach(cleanUp);

function el(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is not on the page`);
  return found;
}

function buttonNamed(name: string, within: ParentNode = document): HTMLButtonElement {
  const found = [...within.querySelectorAll("button")].find((b) => b.textContent?.trim() === name);
  if (!found) throw new Error(`no button "${name}"`);
  return found;
}

async function show(listed: AccountsView, demo = true) {
  const calls = fakeBackend({ list_accounts: () => listed });
  track(mount(Accounts, { target: document.body, props: { info: demo ? DEMO_INFO : INFO } }));
  await settle();
  return calls;
}

describe("Accounts", () => {
  test("lists each person with their roles and what those let them do, in words", async () => {
    await show({ accounts: [ADMIN_ACCOUNT, CLOUD_ADMIN_ACCOUNT], notice: null });
    const items = [...document.querySelectorAll("li.account")];
    expect(items).toHaveLength(2);
    const cloud = items[1]?.textContent ?? "";
    expect(cloud).toContain("cloudadmin@contoso.onmicrosoft.com");
    expect(cloud).toContain("Roles: Cloud Application Administrator");
    expect(cloud).toContain(
      "Grant Microsoft Graph application permissions: no (needs Global Administrator or Privileged Role Administrator)",
    );
    expect(items[0]?.textContent).toContain("Grant Microsoft Graph application permissions: yes (as Global Administrator)");
  });

  test("names from the tenant are shown as text, never as HTML", async () => {
    await show({ accounts: [{ ...ADMIN_ACCOUNT, name: "<img src=x onerror=alert(1)>Eve" }], notice: null });
    expect(document.querySelector("li.account img")).toBeNull();
    expect(document.body.textContent).toContain("<img src=x onerror=alert(1)>Eve");
  });

  test("browser sign-in waits with Cancel; a cancelled sign-in is a status, not an error", async () => {
    const signing = deferred<SignedInView>();
    const calls = fakeBackend({ sign_in_with_browser: () => signing.promise, cancel_sign_in: () => true });
    track(mount(Accounts, { target: document.body, props: { info: DEMO_INFO } }));
    await settle();
    el("accounts-sign-in-browser").click();
    await settle();
    expect(el("accounts-sign-in-status").textContent).toContain("Waiting for you to sign in in your browser");
    expect((el("accounts-sign-in-browser") as HTMLButtonElement).disabled).toBe(true);
    el("accounts-sign-in-cancel").click();
    await settle();
    expect(calls.map((c) => c.cmd)).toContain("cancel_sign_in");
    signing.reject({ code: "cancelled", message: "Sign-in was cancelled.", field: null });
    await settle();
    expect(el("accounts-sign-in-status").textContent).toBe("Sign-in was cancelled.");
    expect(document.getElementById("accounts-sign-in-error")).toBeNull();
    expect((el("accounts-sign-in-browser") as HTMLButtonElement).disabled).toBe(false);
  });

  test("a signed-in person joins the list and a refusal is explained", async () => {
    let attempt = 0;
    fakeBackend({
      sign_in_with_browser: () => {
        attempt += 1;
        if (attempt === 1) {
          throw { code: "refused", message: "You declined the permissions spconnect asked for.", field: null };
        }
        return { account: CLOUD_ADMIN_ACCOUNT, notice: null };
      },
    });
    track(mount(Accounts, { target: document.body, props: { info: DEMO_INFO } }));
    await settle();
    el("accounts-sign-in-browser").click();
    await settle();
    expect(el("accounts-sign-in-error").textContent).toBe("You declined the permissions spconnect asked for.");
    el("accounts-sign-in-browser").click();
    await settle();
    expect(document.getElementById("accounts-sign-in-error")).toBeNull();
    expect(document.querySelectorAll("li.account")).toHaveLength(1);
    expect(el("accounts-status").textContent).toContain("Alex Wilber (cloudadmin@contoso.onmicrosoft.com) is signed in.");
    expect(document.activeElement?.id).toBe(`account-${CLOUD_ADMIN_ACCOUNT.objectId}`);
  });

  test("device code: the code and where to type it, with a copy button", async () => {
    const finishing = deferred<SignedInView>();
    fakeBackend({ finish_device_code: () => finishing.promise });
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    track(mount(Accounts, { target: document.body, props: { info: DEMO_INFO } }));
    await settle();
    el("accounts-sign-in-device").click();
    await settle();
    expect(el("accounts-sign-in-code").textContent).toBe("FJKQ-7TXM");
    expect(document.body.textContent).toContain("http://127.0.0.1:4000/devicelogin");
    expect(document.querySelector('a[href*="devicelogin"]')).toBeNull();
    expect(document.body.textContent).toContain("The code lasts 15 minutes.");
    el("accounts-sign-in-copy").click();
    await settle();
    expect(writeText).toHaveBeenCalledWith("FJKQ-7TXM");
    expect(el("accounts-sign-in-copy").textContent).toBe("Copied");
    finishing.resolve({ account: ADMIN_ACCOUNT, notice: null });
    await settle();
    expect(document.getElementById("accounts-sign-in-code")).toBeNull();
    expect(document.querySelectorAll("li.account")).toHaveLength(1);
  });

  test("outside the demo tenant a missing tenant is shown at its field, which gets the focus", async () => {
    fakeBackend({
      sign_in_with_browser: (args) => {
        if (!args.tenant) {
          throw { code: "invalidInput", message: "Type your organisation's domain.", field: "tenant" };
        }
        return { account: ADMIN_ACCOUNT, notice: null };
      },
    });
    track(mount(Accounts, { target: document.body, props: { info: INFO } }));
    await settle();
    el("accounts-sign-in-browser").click();
    await settle();
    expect(el("accounts-sign-in-tenant-error").textContent).toBe("Type your organisation's domain.");
    expect(document.activeElement?.id).toBe("accounts-sign-in-tenant");
    expect(el("accounts-sign-in-tenant").getAttribute("aria-invalid")).toBe("true");
  });

  test("signing out asks first, then the person leaves the list", async () => {
    const calls = await show({ accounts: [ADMIN_ACCOUNT], notice: null });
    buttonNamed("Sign out", el(`account-${ADMIN_ACCOUNT.objectId}`)).click();
    await settle();
    expect(document.activeElement?.id).toBe("keep-signed-in");
    el("keep-signed-in").click();
    await settle();
    expect(calls.map((c) => c.cmd)).not.toContain("sign_out");
    buttonNamed("Sign out", el(`account-${ADMIN_ACCOUNT.objectId}`)).click();
    await settle();
    el("confirm-sign-out").click();
    await settle();
    expect(calls.at(-1)).toEqual({
      cmd: "sign_out",
      args: { tenantId: ADMIN_ACCOUNT.tenantId, objectId: ADMIN_ACCOUNT.objectId, clientId: ADMIN_ACCOUNT.clientId },
    });
    expect(el("no-accounts").textContent).toBe("Nobody is signed in yet.");
  });

  test("checking roles of a revoked sign-in marks the person: sign in again", async () => {
    fakeBackend({
      list_accounts: () => ({ accounts: [ADMIN_ACCOUNT], notice: null }),
      refresh_account: () => {
        throw { code: "signInAgain", message: "Please sign in again: the sign-in was revoked.", field: null };
      },
    });
    track(mount(Accounts, { target: document.body, props: { info: DEMO_INFO } }));
    await settle();
    buttonNamed("Check roles again").click();
    await settle();
    expect(document.querySelector(".account .warning")?.textContent).toContain("the sign-in was revoked");
  });

  test("registering spconnect in a tenant says which client id it got", async () => {
    const calls = await show({ accounts: [], notice: null }, false);
    (el("register-tenant") as HTMLInputElement).value = "fabrikam.onmicrosoft.com";
    el("register-tenant").dispatchEvent(new Event("input", { bubbles: true }));
    el("register-spconnect").click();
    await settle();
    expect(calls.at(-1)).toEqual({ cmd: "register_in_tenant", args: { tenant: "fabrikam.onmicrosoft.com" } });
    expect(el("register-status").textContent).toContain("registered in fabrikam.onmicrosoft.com (client id 2c7f9e1a");
  });

  test("when Microsoft cannot be reached, a connection check says what is in the way", async () => {
    const calls = fakeBackend({
      sign_in_with_browser: () => {
        throw { code: "unavailable", message: "Could not reach login.microsoftonline.com: the connection failed.", field: null };
      },
      check_connection: () => ({
        reachable: false,
        message: "spconnect could not open a connection to login.microsoftonline.com on port 443.",
      }),
    });
    track(mount(Accounts, { target: document.body, props: { info: DEMO_INFO } }));
    await settle();
    el("accounts-sign-in-browser").click();
    await settle();
    expect(el("accounts-sign-in-error").textContent).toContain("Could not reach");
    el("accounts-sign-in-check").click();
    await settle();
    expect(calls.at(-1)?.cmd).toBe("check_connection");
    expect(el("accounts-sign-in-check-result").textContent).toContain("on port 443");
  });
});
