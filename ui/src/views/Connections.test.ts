import { afterEach, describe, expect, test } from "vitest";
import { mount } from "svelte";
import Connections from "./Connections.svelte";
import { ADMIN_ACCOUNT, DRAFT, PASSING_TEST, connectionFor, fakeBackend, settle } from "../ipc/fake";
import type { PendingView } from "../ipc";
import { cleanUp, track } from "../testing";

afterEach(cleanUp);

const DAY = 24 * 3600 * 1000;
const inDays = (days: number) => new Date(Date.now() + days * DAY + 3600 * 1000).toISOString();

const PENDING: PendingView = {
  id: "fedcba9876543210fedcba9876543210",
  name: "HR archive",
  tenantId: DRAFT.tenantId,
  createdBy: "admin@contoso.onmicrosoft.com",
  startedAt: "2026-12-04T10:00:00Z",
  state: "failed",
  message: "Granting site access: Microsoft Graph is unavailable.",
  done: ["certificate", "resources", "application"],
  report: null,
  running: false,
};

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
    expect(rows[0]).toContain("Sites.Selected on 1 site");
    expect(rows[0]).toContain("200 days left");
    expect(rows[0]).toContain(`${PASSING_TEST.checks.length}/${PASSING_TEST.checks.length} passed`);
    expect(rows[1]).toContain("Sites.Read.All");
    expect(rows[1]).toContain("12 days left");
    expect(document.getElementById("expiry-banner")?.textContent).toContain("1 certificate expires within 30 days: Payroll");
    expect(document.body.textContent).toContain("changed outside spconnect");
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
    document.querySelector<HTMLButtonElement>('button[aria-label="Export the certificate of HR sync as .cer"]')?.click();
    await settle();
    expect(calls.find((c) => c.cmd === "export_certificate")?.args).toEqual({ id: "a".repeat(32), format: "cer" });
    expect(document.getElementById("connections-status")?.textContent).toContain(".cer");
  });
});
