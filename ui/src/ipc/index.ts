// The one module that talks to the Rust side. Every command of the IPC contract has a typed
// function here; the rest of the UI imports these and never calls `invoke` itself.
import { invoke, type InvokeArgs } from "@tauri-apps/api/core";

/** The built-in demo tenant the app is connected to (started with `--demo`). */
export type DemoInfo = {
  organization: string;
  domain: string;
  /** The loopback address the demo tenant answers on. */
  baseUrl: string;
  /** The folder its state is kept in (when it runs inside the app), so it survives a restart. */
  stateDir: string | null;
  /** What it reported about its saved state, e.g. a file it could not read and set aside. */
  notices: string[];
};

export type AppInfo = {
  productName: string;
  version: string;
  configDir: string;
  logDir: string;
  /** Set when the app runs on the demo tenant instead of Microsoft. */
  demo: DemoInfo | null;
};

export type CloudId = "global" | "usGovGccHigh" | "usGovDod" | "china" | "custom";

export type CloudOption = {
  id: CloudId;
  label: string;
  /** An origin such as `https://login.microsoftonline.us`; null only for `custom`. */
  authorityHost: string | null;
  graphHost: string | null;
};

export type CloudSetting =
  | { kind: "global" }
  | { kind: "usGovGccHigh" }
  | { kind: "usGovDod" }
  | { kind: "china" }
  | { kind: "custom"; authorityHost: string; graphHost: string };

export type Settings = { cloud: CloudSetting };

export type Endpoints = { authorityHost: string; graphHost: string };

export type SettingsView = {
  settings: Settings;
  /** The origins the app will actually use, resolved by the Rust side. */
  endpoints: Endpoints;
  /** A sentence to show the person, e.g. that an unreadable settings file was kept aside. */
  notice: string | null;
};

export type ErrorCode = "invalidInput" | "storage" | "internal";

/** The one error shape every command rejects with. */
export type AppError = {
  code: ErrorCode;
  /** A sentence a person can act on. */
  message: string;
  /** For `invalidInput`, the input it is about (e.g. "authorityHost"), else null. */
  field: string | null;
};

const ERROR_CODES: readonly string[] = ["invalidInput", "storage", "internal"];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** Turns anything a command (or our own code) threw into an `AppError`. */
export function toAppError(e: unknown): AppError {
  if (typeof e === "string") {
    // Tauri rejects with a plain string for unknown or refused commands.
    return { code: "internal", message: e || "Unknown error.", field: null };
  }
  if (isRecord(e) && typeof e["message"] === "string" && e["message"] !== "") {
    const code = e["code"];
    const field = e["field"];
    return {
      code: typeof code === "string" && ERROR_CODES.includes(code) ? (code as ErrorCode) : "internal",
      message: e["message"],
      field: typeof field === "string" && field !== "" ? field : null,
    };
  }
  if (e instanceof Error) {
    return { code: "internal", message: e.name || "Unknown error.", field: null };
  }
  return { code: "internal", message: describe(e), field: null };
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return "Unknown error.";
  if (typeof value !== "object") return `Unexpected error: ${String(value)}`;
  try {
    return `Unexpected error: ${JSON.stringify(value)}`;
  } catch {
    return "Unknown error.";
  }
}

async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toAppError(e);
  }
}

export function appInfo(): Promise<AppInfo> {
  return call<AppInfo>("app_info");
}

export function listClouds(): Promise<CloudOption[]> {
  return call<CloudOption[]>("list_clouds");
}

export function getSettings(): Promise<SettingsView> {
  return call<SettingsView>("get_settings");
}

export function saveSettings(settings: Settings): Promise<SettingsView> {
  return call<SettingsView>("save_settings", { settings });
}

/** Deletes everything created in the demo tenant and starts it again from the seed. */
export function resetDemoTenant(): Promise<DemoInfo> {
  return call<DemoInfo>("reset_demo_tenant");
}

/** Tells the Rust side that the first page has painted (a start-up benchmark waits for it). */
export function uiReady(): Promise<void> {
  return call<void>("ui_ready");
}
