import { afterEach, describe, expect, test } from "vitest";
import { mount } from "svelte";
import Connections from "./Connections.svelte";
import { ADMIN_ACCOUNT, DRAFT, PASSING_TEST, PENDING, connectionFor, fakeBackend, settle } from "../ipc/fake";
import { cleanUp, track } from "../testing";

afterEach(cleanUp);

const DAY = 24 * 3600 * 1000;
const inDays = (days: number) => new Date(Date.now() + days * DAY + 3600 * 1000).toISOString();


async function view(accounts = [ADMIN_ACCOUNT]) {
  const calls = fakeBackend({
    list_accounts: () => ({ accounts, notice: null }),
    list_connections: () => ({
      connections: [
        connectionFor({ ...DRAFT, id: "a".repeat(32), name: "HR sync" }, inDays(200)),
        connectionFor({ ...DRAFT, id: "b".repeat(32), name: "Payroll", model: { kind: "tenantWide", permission: "readAll" } }, inDays(12)),
      ],
      pending: [PENDING],
      problems: ["The connection record connection-c cannot be read: it was changed outside spconnect. It was left as it is."],
    }),
  });
  track(mount(Connections, { target: document.body, props: { info: null, infoError: null, onnew: () => {} } }));
  await settle();
  return calls;
}

describe("Connections", () => {
  test("lists each connection with its permissions, days left, last test, and warns of expiry", async () => {
    await view();
    const rows = [...document.querySelectorAll("#connections-table tbody tr")].map((r) => r.textContent ?? "");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain("HR sync");
    expect(rows[0]).toContain("contoso.onmicrosoft.com");
    expect(rows[0]).toContain(DRAFT.tenantId);
    expect(rows[0]).toContain("Sites.Selected on 1 site");
    expect(rows[0]).toContain("200 days left");
    expect(rows[0]).toContain(`${PASSING_TEST.checks.length}/${PASSING_TEST.checks.length} passed`);
    expect(rows[1]).toContain("Sites.Read.All");
    expect(rows[1]).toContain("12 days left");
    expect(document.getElementById("expiry-banner")?.textContent).toContain("1 certificate expires within 30 days: Payroll");
    expect(document.body.textContent).toContain("changed outside spconnect");
  });

  test("a tenant nobody here is signed in to is shown by its id", async () => {
    await view([]);
    const row = document.querySelector("#connections-table tbody tr")?.textContent ?? "";
    expect(row).toContain(DRAFT.tenantId);
    expect(row).not.toContain("onmicrosoft.com");
  });

  test("an unfinished apply can be resumed as a person of its tenant", async () => {
    const calls = await view();
    const pending = document.getElementById(`pending-${PENDING.id}`);
    expect(pending?.textContent).toContain("Microsoft Graph is unavailable");
    [...(pending?.querySelectorAll("button") ?? [])].find((b) => b.textContent === "Resume")?.click();
    await settle();
    const resumed = calls.find((c) => c.cmd === "resume_connection")?.args as { id: string; objectId: string };
    expect(resumed.id).toBe(PENDING.id);
    expect(resumed.objectId).toBe(ADMIN_ACCOUNT.objectId);
    expect(document.getElementById("connections-status")?.textContent).toContain("is created");
  });

  test("without a person of its tenant signed in, it says to sign in", async () => {
    await view([]);
    const pending = document.getElementById(`pending-${PENDING.id}`);
    expect(pending?.querySelectorAll("button")).toHaveLength(0);
    expect(pending?.textContent).toContain("Sign in to this tenant");
  });

  test("Test runs the connection's checks as a person of its tenant and keeps the result", async () => {
    const calls = await view();
    document.querySelector<HTMLButtonElement>('button[aria-label="Test HR sync"]')?.click();
    await settle();
    const tested = calls.find((c) => c.cmd === "test_connection")?.args as { id: string; objectId: string };
    expect(tested.id).toBe("a".repeat(32));
    expect(tested.objectId).toBe(ADMIN_ACCOUNT.objectId);
    expect(document.getElementById("connections-status")?.textContent).toContain("all 2 checks passed");
    expect(calls.filter((c) => c.cmd === "list_connections").length).toBeGreaterThan(1);
  });

  test("a certificate is exported as .cer and the path is shown", async () => {
    const calls = await view();
    document.querySelector<HTMLButtonElement>('button[aria-label="Export .cer of HR sync"]')?.click();
    await settle();
    expect(calls.find((c) => c.cmd === "export_certificate")?.args).toEqual({ id: "a".repeat(32), format: "cer" });
    expect(document.getElementById("connections-status")?.textContent).toContain(".cer");
  });

  test("certificates under 30 days are marked, under 7 days in red, and the banner counts them", async () => {
    fakeBackend({
      list_accounts: () => ({ accounts: [ADMIN_ACCOUNT], notice: null }),
      list_connections: () => ({
        connections: [
          connectionFor({ ...DRAFT, id: "a".repeat(32), name: "Soon" }, inDays(20)),
          connectionFor({ ...DRAFT, id: "b".repeat(32), name: "Very soon" }, inDays(3)),
          connectionFor({ ...DRAFT, id: "c".repeat(32), name: "Later" }, inDays(300)),
        ],
        pending: [],
        problems: [],
      }),
    });
    track(mount(Connections, { target: document.body, props: { info: null, infoError: null, onnew: () => {} } }));
    await settle();
    const expiry = (id: string) => document.querySelector(`#connection-${id} td:nth-of-type(3) span`);
    expect(expiry("a".repeat(32))?.className).toContain("soon");
    expect(expiry("b".repeat(32))?.className).toContain("expired");
    expect(expiry("b".repeat(32))?.textContent).toContain("3 days left");
    expect(expiry("c".repeat(32))?.className).not.toMatch(/soon|expired/);
    expect(document.getElementById("expiry-banner")?.textContent).toContain("2 certificates expire within 30 days: Soon, Very soon");
    expect(document.getElementById("pending-title")).toBeNull();
  });

  test("an unfinished apply shows its state and the steps done, and can be rolled back", async () => {
    const calls = await view();
    const pending = document.getElementById(`pending-${PENDING.id}`);
    expect(document.getElementById("pending-title")?.textContent).toBe("Unfinished");
    expect(pending?.textContent).toContain("State: failed");
    expect(pending?.textContent).toContain("Application created");
    [...(pending?.querySelectorAll("button") ?? [])].find((b) => b.textContent?.trim() === "Roll back")?.click();
    await settle();
    const rolled = calls.find((c) => c.cmd === "rollback_connection")?.args as { id: string; tenantId: string };
    expect(rolled.id).toBe(PENDING.id);
    expect(rolled.tenantId).toBe(PENDING.tenantId);
    const status = document.getElementById("connections-status")?.textContent ?? "";
    expect(status).toContain("HR archive was rolled back");
    expect(status).toContain("Application HR sync");
  });

  test("a certificate is exported as PEM, and an export that fails says why", async () => {
    const calls = fakeBackend({
      list_accounts: () => ({ accounts: [ADMIN_ACCOUNT], notice: null }),
      list_connections: () => ({ connections: [connectionFor({ ...DRAFT, id: "a".repeat(32) }, inDays(200))], pending: [], problems: [] }),
      export_certificate: ({ format }) => {
        if (format === "cer") throw { code: "storage", message: "The exports folder cannot be written: disk full.", field: null };
        return { path: "/home/admin/.config/spconnect/exports/hr-sync.pem", pem: "-----BEGIN CERTIFICATE-----\n" };
      },
    });
    track(mount(Connections, { target: document.body, props: { info: null, infoError: null, onnew: () => {} } }));
    await settle();
    document.querySelector<HTMLButtonElement>('button[aria-label="Export PEM of HR sync"]')?.click();
    await settle();
    expect(calls.find((c) => c.cmd === "export_certificate")?.args).toEqual({ id: "a".repeat(32), format: "pem" });
    expect(document.getElementById("connections-status")?.textContent).toContain("/home/admin/.config/spconnect/exports/hr-sync.pem");
    document.querySelector<HTMLButtonElement>('button[aria-label="Export .cer of HR sync"]')?.click();
    await settle();
    expect(document.getElementById("connections-error")?.textContent).toContain("disk full");
  });

  test("with nothing on this computer, the empty state offers New connection", async () => {
    fakeBackend();
    let opened = 0;
    track(mount(Connections, { target: document.body, props: { info: null, infoError: null, onnew: () => (opened += 1) } }));
    await settle();
    expect(document.body.textContent).toContain("No connections on this machine yet.");
    expect(document.getElementById("connections-table")).toBeNull();
    document.getElementById("new-connection")?.click();
    expect(opened).toBe(1);
  });
});
