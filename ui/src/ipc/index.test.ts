import { afterEach, describe, expect, test } from "vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import { appInfo, getSettings, listClouds, saveSettings, toAppError, uiReady, type Settings } from "./index";
import { CLOUDS, GLOBAL_VIEW, INFO, fakeBackend } from "./fake";

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
