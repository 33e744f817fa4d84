// A stand-in for the Rust side, for tests only (nothing in the app imports this file).
import { flushSync } from "svelte";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { AppInfo, CloudOption, Commands, SaveSettingsArgs, SettingsView } from "./bindings";

export const INFO: AppInfo = {
  productName: "spconnect",
  version: "0.1.0",
  configDir: "/home/admin/.config/spconnect",
  logDir: "/home/admin/.local/share/spconnect/logs",
  demo: null,
};

export const DEMO_INFO: AppInfo = {
  ...INFO,
  demo: {
    organization: "Contoso",
    domain: "contoso.onmicrosoft.com",
    baseUrl: "http://127.0.0.1:4000",
    stateDir: "/home/admin/.local/share/spconnect/demo-tenant",
    notices: [],
  },
};

export const CLOUDS: CloudOption[] = [
  {
    id: "global",
    label: "Global",
    authorityHost: "https://login.microsoftonline.com",
    graphHost: "https://graph.microsoft.com",
  },
  {
    id: "usGovGccHigh",
    label: "US Government GCC High",
    authorityHost: "https://login.microsoftonline.us",
    graphHost: "https://graph.microsoft.us",
  },
  {
    id: "usGovDod",
    label: "US Government DoD",
    authorityHost: "https://login.microsoftonline.us",
    graphHost: "https://dod-graph.microsoft.us",
  },
  {
    id: "china",
    label: "China operated by 21Vianet",
    authorityHost: "https://login.chinacloudapi.cn",
    graphHost: "https://microsoftgraph.chinacloudapi.cn",
  },
  { id: "custom", label: "Custom endpoints", authorityHost: null, graphHost: null },
];

export const GLOBAL_VIEW: SettingsView = {
  settings: { cloud: { kind: "global" } },
  endpoints: { authorityHost: "https://login.microsoftonline.com", graphHost: "https://graph.microsoft.com" },
  notice: null,
};

export type Call = { cmd: string; args: unknown };
/** A stand-in for one command, typed by the contract generated from the Rust side. */
export type Handler<K extends keyof Commands> = (
  args: Commands[K]["args"],
) => Commands[K]["result"] | Promise<Commands[K]["result"]>;
type Handlers = { [K in keyof Commands]: Handler<K> };

/** What the real save_settings does for valid input: echo the settings with resolved endpoints. */
function saved({ settings }: SaveSettingsArgs): SettingsView {
  const cloud = settings.cloud;
  if (cloud.kind === "custom") {
    return { settings, endpoints: { authorityHost: cloud.authorityHost, graphHost: cloud.graphHost }, notice: null };
  }
  const option = CLOUDS.find((c) => c.id === cloud.kind);
  return {
    settings,
    endpoints: { authorityHost: option?.authorityHost ?? "", graphHost: option?.graphHost ?? "" },
    notice: null,
  };
}

/**
 * Installs a fake backend through `mockIPC` and returns the list of calls it receives.
 * `handlers` replace the default answer of single commands; a handler that throws makes the
 * command reject with what was thrown, as the real side does.
 */
export function fakeBackend(handlers: Partial<Handlers> = {}): Call[] {
  const calls: Call[] = [];
  const defaults: Handlers = {
    app_info: () => INFO,
    list_clouds: () => CLOUDS,
    get_settings: () => GLOBAL_VIEW,
    save_settings: saved,
    ui_ready: () => null,
    reset_demo_tenant: () => {
      if (!DEMO_INFO.demo) throw { code: "internal", message: "No demo tenant.", field: null };
      return DEMO_INFO.demo;
    },
  };
  const all: Record<string, (args: never) => unknown> = { ...defaults, ...handlers };
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    const handler = all[cmd];
    if (!handler) throw `Command ${cmd} not found`;
    return handler((args ?? {}) as never);
  });
  return calls;
}

/** Lets pending IPC promises resolve and Svelte apply the resulting updates. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    flushSync();
  }
}

/** A promise whose settling the test controls, to observe in-flight states. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
