import { afterEach, describe, expect, test } from "vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import {
  appInfo,
  applyConnection,
  cancelApply,
  exportCertificate,
  getSettings,
  listClouds,
  listConnections,
  planConnection,
  resumeConnection,
  rollbackConnection,
  saveSettings,
  testConnection,
  toAppError,
  uiReady,
  type Progress,
  type Settings,
} from "./index";
import { ADMIN_ACCOUNT, CLOUDS, DRAFT, GLOBAL_VIEW, INFO, PLAN_ID, fakeBackend } from "./fake";

afterEach(() => {
  clearMocks();
});

describe("commands", () => {
  test("each function calls its command and returns the answer", async () => {
    const calls = fakeBackend();
    await expect(appInfo()).resolves.toEqual(INFO);
    await expect(listClouds()).resolves.toEqual(CLOUDS);
    await expect(getSettings()).resolves.toEqual(GLOBAL_VIEW);
    await expect(uiReady()).resolves.toBeNull();
    expect(calls.map((c) => c.cmd)).toEqual(["app_info", "list_clouds", "get_settings", "ui_ready"]);
    for (const call of calls) expect(call.args).toEqual({});
  });

  test("saveSettings sends the settings under `settings`", async () => {
    const calls = fakeBackend();
    const settings: Settings = {
      cloud: { kind: "custom", authorityHost: "https://login.example.com", graphHost: "https://graph.example.com" },
      tenantProfiles: [],
    };
    const view = await saveSettings(settings);
    expect(calls).toEqual([{ cmd: "save_settings", args: { settings } }]);
    expect(view.endpoints).toEqual({
      authorityHost: "https://login.example.com",
      graphHost: "https://graph.example.com",
    });
  });

  test("the connection commands send their arguments as the contract names them, progress on a channel", async () => {
    const calls = fakeBackend();
    const plan = await planConnection(DRAFT);
    expect(calls.at(-1)).toEqual({ cmd: "plan_connection", args: DRAFT });
    expect(plan.id).toBe(PLAN_ID);

    const seen: Progress[] = [];
    const made = await applyConnection({ ...DRAFT, id: plan.id }, (p) => seen.push(p));
    const applied = calls.at(-1)?.args as { draft: unknown; onProgress: unknown };
    expect(applied.draft).toEqual({ ...DRAFT, id: PLAN_ID });
    expect(applied.onProgress).toBeDefined();
    expect(seen.map((p) => p.step)).toContain("verify");
    expect(seen.at(-1)).toMatchObject({ step: "save", state: "done" });
    expect(made.id).toBe(PLAN_ID);

    const key = { tenantId: ADMIN_ACCOUNT.tenantId, objectId: ADMIN_ACCOUNT.objectId, clientId: ADMIN_ACCOUNT.clientId };
    await resumeConnection(ADMIN_ACCOUNT, PLAN_ID, () => {});
    expect(calls.at(-1)?.args).toMatchObject({ ...key, id: PLAN_ID });
    const rolled: Progress[] = [];
    const report = await rollbackConnection(ADMIN_ACCOUNT, PLAN_ID, (p) => rolled.push(p));
    expect(calls.at(-1)).toMatchObject({ cmd: "rollback_connection", args: { ...key, id: PLAN_ID } });
    expect(report.removed.length).toBeGreaterThan(0);
    expect(rolled.at(-1)?.detail).toBe("Rolled back");
    await testConnection(ADMIN_ACCOUNT, PLAN_ID, () => {});
    expect(calls.at(-1)).toMatchObject({ cmd: "test_connection", args: { ...key, id: PLAN_ID } });
    await expect(cancelApply(PLAN_ID)).resolves.toBe(true);
    expect(calls.at(-1)).toEqual({ cmd: "cancel_apply", args: { id: PLAN_ID } });
    await expect(listConnections()).resolves.toEqual({ connections: [], pending: [], problems: [] });
    expect(calls.at(-1)).toEqual({ cmd: "list_connections", args: {} });
    const exported = await exportCertificate(PLAN_ID, "pem");
    expect(calls.at(-1)).toEqual({ cmd: "export_certificate", args: { id: PLAN_ID, format: "pem" } });
    expect(exported.path).toContain(".pem");
  });

  test("a rejection from Rust keeps its code, message and field", async () => {
    fakeBackend({
      save_settings: () => {
        throw { code: "invalidInput", message: "Graph host must start with https://.", field: "graphHost" };
      },
    });
    await expect(saveSettings({ cloud: { kind: "global" }, tenantProfiles: [] })).rejects.toEqual({
      code: "invalidInput",
      message: "Graph host must start with https://.",
      field: "graphHost",
    });
  });

  test("a plain string rejection (unknown or refused command) becomes internal", async () => {
    fakeBackend({
      get_settings: () => {
        throw "command get_settings not allowed by ACL";
      },
    });
    await expect(getSettings()).rejects.toEqual({
      code: "internal",
      message: "command get_settings not allowed by ACL",
      field: null,
    });
  });
});

describe("toAppError", () => {
  test("keeps a well-formed error", () => {
    const e = { code: "storage", message: "The settings file could not be written.", field: null };
    expect(toAppError(e)).toEqual(e);
  });

  test("a string becomes an internal error with that message", () => {
    expect(toAppError("boom")).toEqual({ code: "internal", message: "boom", field: null });
  });

  test("an Error keeps its message", () => {
    expect(toAppError(new TypeError("x is undefined"))).toEqual({
      code: "internal",
      message: "x is undefined",
      field: null,
    });
  });

  test("an unknown code becomes internal; a missing field becomes null", () => {
    expect(toAppError({ code: "weird", message: "Hm." })).toEqual({ code: "internal", message: "Hm.", field: null });
    expect(toAppError({ code: "invalidInput", message: "Bad.", field: 3 })).toEqual({
      code: "invalidInput",
      message: "Bad.",
      field: null,
    });
  });

  test("anything else still gives a message", () => {
    expect(toAppError(undefined)).toEqual({ code: "internal", message: "Unknown error.", field: null });
    expect(toAppError(null).message).toBe("Unknown error.");
    expect(toAppError(42)).toEqual({ code: "internal", message: "Unexpected error: 42", field: null });
    expect(toAppError({ message: "" })).toEqual({ code: "internal", message: 'Unexpected error: {"message":""}', field: null });
    expect(toAppError("").message).toBe("Unknown error.");
  });
});
