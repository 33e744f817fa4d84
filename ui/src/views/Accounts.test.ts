import { afterEach, describe, expect, test, vi } from "vitest";
import { mount } from "svelte";
import Accounts from "./Accounts.svelte";
import { ADMIN_ACCOUNT, CLOUD_ADMIN_ACCOUNT, DEMO_INFO, INFO, accessView, deferred, fakeBackend, settle } from "../ipc/fake";
import type { AccessView, AccountsView, SignedInView } from "../ipc";
import { cleanUp, track } from "../testing";
import { idOf } from "./accounts";

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
    expect(document.activeElement?.id).toBe(`account-${idOf(CLOUD_ADMIN_ACCOUNT)}`);
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
    buttonNamed("Sign out", el(`account-${idOf(ADMIN_ACCOUNT)}`)).click();
    await settle();
    expect(document.activeElement?.id).toBe("keep-signed-in");
    el("keep-signed-in").click();
    await settle();
    expect(calls.map((c) => c.cmd)).not.toContain("sign_out");
    buttonNamed("Sign out", el(`account-${idOf(ADMIN_ACCOUNT)}`)).click();
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

  test("each step's permissions are asked for when wanted, with the reason, as the same person", async () => {
    const granting = deferred<AccessView>();
    const calls = fakeBackend({
      list_accounts: () => ({ accounts: [CLOUD_ADMIN_ACCOUNT], notice: null }),
      check_access: ({ need }) => accessView(need, need === "createConnection"),
      grant_access: () => granting.promise,
      cancel_sign_in: () => true,
    });
    track(mount(Accounts, { target: document.body, props: { info: DEMO_INFO } }));
    await settle();
    const key = { tenantId: CLOUD_ADMIN_ACCOUNT.tenantId, objectId: CLOUD_ADMIN_ACCOUNT.objectId, clientId: CLOUD_ADMIN_ACCOUNT.clientId };
    expect(calls.filter((c) => c.cmd === "check_access").map((c) => c.args)).toEqual([
      { ...key, need: "browse" },
      { ...key, need: "createConnection" },
      { ...key, need: "grantSitesSelected" },
    ]);
    const base = `access-${idOf(CLOUD_ADMIN_ACCOUNT)}`;
    expect(el(`${base}-createConnection`).textContent).toContain("Create connections: allowed");
    const browse = el(`${base}-browse`).textContent ?? "";
    expect(browse).toContain("Browse SharePoint: not allowed yet (Sites.Read.All)");
    expect(browse).toContain("spconnect reads SharePoint as you (Sites.Read.All); it changes nothing.");
    el(`${base}-browse-allow`).click();
    await settle();
    expect(calls.at(-1)).toEqual({ cmd: "grant_access", args: { ...key, need: "browse" } });
    expect(document.body.textContent).toContain("Waiting for cloudadmin@contoso.onmicrosoft.com in your browser");
    expect((el(`${base}-grantSitesSelected-allow`) as HTMLButtonElement).disabled).toBe(true);
    granting.resolve(accessView("browse", true));
    await settle();
    expect(el(`${base}-browse`).textContent).toContain("Browse SharePoint: allowed");
    expect(document.body.textContent).toContain("Browse SharePoint: allowed.");
  });

  test("a step's permission can be allowed with a device code for the person's tenant", async () => {
    const calls = fakeBackend({
      list_accounts: () => ({ accounts: [ADMIN_ACCOUNT], notice: null }),
      check_access: ({ need }) => accessView(need, calls.some((c) => c.cmd === "finish_device_code")),
    });
    track(mount(Accounts, { target: document.body, props: { info: DEMO_INFO } }));
    await settle();
    buttonNamed("Allow with a device code", el(`access-${idOf(ADMIN_ACCOUNT)}-grantSitesSelected`)).click();
    await settle();
    expect(calls.find((c) => c.cmd === "start_device_code")?.args).toEqual({
      tenant: ADMIN_ACCOUNT.tenantId,
      need: "grantSitesSelected",
    });
    expect(el(`access-${idOf(ADMIN_ACCOUNT)}-grantSitesSelected`).textContent).toContain("allowed");
  });

  test("a sign-in that must be renewed while checking marks the person, not an error", async () => {
    fakeBackend({
      list_accounts: () => ({ accounts: [ADMIN_ACCOUNT], notice: null }),
      check_access: () => {
        throw { code: "signInAgain", message: "Please sign in again: the sign-in has expired.", field: null };
      },
    });
    track(mount(Accounts, { target: document.body, props: { info: DEMO_INFO } }));
    await settle();
    expect(document.querySelector(".account .warning")?.textContent).toContain("the sign-in has expired");
    expect(document.querySelector(".account [role=alert].error")).toBeNull();
  });
});
