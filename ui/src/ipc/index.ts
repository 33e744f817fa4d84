// The one module that talks to the Rust side. Every command of the IPC contract has a typed
// function here; the rest of the UI imports these and never calls `invoke` itself.
import { Channel, invoke, type InvokeArgs } from "@tauri-apps/api/core";

import type {
  CertificateFormat,
  ConnectionView,
  ConnectionsView,
  DraftArgs,
  ExportView,
  PlanView,
  Progress,
  RollbackReport,
  TestReport,
  IntegrationView,
  PickedListArgs,
  LoadProgressView,
  LoadedView,
  ListDetailsView,
  SiteContentsView,
  SitesView,
  AccessNeed,
  AccessView,
  AccountArgs,
  AccountView,
  AccountsView,
  AppInfo,
  CloudOption,
  Commands,
  ConnectionCheckView,
  DemoView,
  DeviceCodeView,
  ErrorCode,
  RegisteredView,
  Settings,
  SettingsView,
  SignedInView,
  WireError,
} from "./bindings";

// The contract's types are generated from the Rust side (./bindings.ts); these are their names here.
export type {
  Api,
  CertificateChoice,
  CertificateFormat,
  CertificateRecord,
  Check,
  ConnectionView,
  ConnectionsView,
  DraftArgs,
  ExportView,
  PendingView,
  PermissionModel,
  Plan,
  PlanView,
  PlannedStep,
  Progress,
  RollbackReport,
  SiteChoice,
  SiteRole,
  StepKind,
  StepState,
  TenantWide,
  TestReport,
  IntegrationView,
  PickedListArgs,
  LoadProgressView,
  LoadedView,
  ColumnView,
  ContentTypeView,
  ItemView,
  ListDetailsView,
  ListView,
  SiteContentsView,
  SiteView,
  SitesView,
  AccessNeed,
  AccessView,
  AccountArgs,
  AccountView,
  AccountsView,
  AppInfo,
  CapabilityView,
  ConnectionCheckView,
  DeviceCodeView,
  RegisteredView,
  SignedInView,
  TenantProfile,
  CloudId,
  CloudOption,
  CloudSetting,
  Commands,
  Endpoints,
  ErrorCode,
  Settings,
  SettingsView,
} from "./bindings";
/** The built-in demo tenant the app is connected to (started with `--demo`). */
export type DemoInfo = DemoView;
/** The one error shape every command rejects with. */
export type AppError = WireError;

const ERROR_CODES: readonly ErrorCode[] = [
  "invalidInput",
  "storage",
  "internal",
  "signInAgain",
  "cancelled",
  "refused",
  "unavailable",
  "keychain",
  "consentRequired",
];

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
      code: typeof code === "string" && (ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : "internal",
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

/** Calls `command` with the arguments the contract gives it; rejects with an `AppError`. */
async function call<K extends keyof Commands>(
  command: K,
  ...args: ArgsOf<K>
): Promise<Commands[K]["result"]> {
  try {
    return await invoke<Commands[K]["result"]>(command, args[0] as InvokeArgs | undefined);
  } catch (e) {
    throw toAppError(e);
  }
}

/** Commands with arguments take their arguments object; commands without take nothing. */
type ArgsOf<K extends keyof Commands> = [string & keyof Commands[K]["args"]] extends [never]
  ? []
  : [Commands[K]["args"]];

export function appInfo(): Promise<AppInfo> {
  return call("app_info");
}

export function listClouds(): Promise<CloudOption[]> {
  return call("list_clouds");
}

export function getSettings(): Promise<SettingsView> {
  return call("get_settings");
}

export function saveSettings(settings: Settings): Promise<SettingsView> {
  return call("save_settings", { settings });
}

/** Deletes everything created in the demo tenant and starts it again from the seed. */
export function resetDemoTenant(): Promise<DemoInfo> {
  return call("reset_demo_tenant");
}

/** Tells the Rust side that the first page has painted (a start-up benchmark waits for it). */
export function uiReady(): Promise<null> {
  return call("ui_ready");
}

/** Everyone signed in on this computer, with their roles and what those allow. */
export function listAccounts(): Promise<AccountsView> {
  return call("list_accounts");
}

/**
 * Opens the system browser at Microsoft's sign-in page and waits until the person has signed in
 * (at most five minutes, or until `cancelSignIn`). `tenant` is needed outside the demo tenant.
 */
export function signInWithBrowser(tenant?: string): Promise<SignedInView> {
  return call("sign_in_with_browser", tenant ? { tenant } : {});
}

/** Starts a device code sign-in: the code to type and where; with `need`, it also asks for that step's permissions. */
export function startDeviceCode(tenant?: string, need?: AccessNeed): Promise<DeviceCodeView> {
  return call("start_device_code", { ...(tenant ? { tenant } : {}), ...(need ? { need } : {}) });
}

/** Waits for the person to finish the device code sign-in started last. */
export function finishDeviceCode(): Promise<SignedInView> {
  return call("finish_device_code");
}

/** Cancels the sign-in in progress; `false` when there was none. */
export function cancelSignIn(): Promise<boolean> {
  return call("cancel_sign_in");
}

/** The key of an account's tokens, which commands about one account take. */
export function accountKey(account: AccountView): AccountArgs {
  return { tenantId: account.tenantId, objectId: account.objectId, clientId: account.clientId };
}

/** Signs a person out on this computer (their tokens are deleted from the keychain). */
export function signOut(account: AccountView): Promise<AccountsView> {
  return call("sign_out", accountKey(account));
}

/** Reads a person's directory roles again; rejects with `signInAgain` when they must. */
export function refreshAccount(account: AccountView): Promise<AccountView> {
  return call("refresh_account", accountKey(account));
}

/** Registers spconnect's own client application in a tenant (an administrator does it once). */
export function registerInTenant(tenant?: string): Promise<RegisteredView> {
  return call("register_in_tenant", tenant ? { tenant } : {});
}

/** Whether Microsoft's sign-in service can be reached, and what is in the way when not. */
export function checkConnection(): Promise<ConnectionCheckView> {
  return call("check_connection");
}

/** Whether a person's sign-in already allows a step (silently; never opens the browser). */
export function checkAccess(account: AccountView, need: AccessNeed): Promise<AccessView> {
  return call("check_access", { ...accountKey(account), need });
}

/** Asks the person in the browser for a step's permissions (their user name filled in). */
export function grantAccess(account: AccountView, need: AccessNeed): Promise<AccessView> {
  return call("grant_access", { ...accountKey(account), need });
}

/** Sites matching `query` (words or a site's URL), or every site the person can find. */
export function browseSites(account: AccountView, query: string): Promise<SitesView> {
  return call("browse_sites", { ...accountKey(account), query });
}

/** A site's subsites and its lists and libraries with their columns (as read before, unless `refresh`). */
export function browseSite(account: AccountView, siteId: string, refresh = false): Promise<SiteContentsView> {
  return call("browse_site", { ...accountKey(account), siteId, ...(refresh ? { refresh } : {}) });
}

/** Reads everything under a site, reporting progress to `onProgress`; `cancelBrowseLoad` stops it. */
export function browseLoadAll(
  account: AccountView,
  siteId: string,
  onProgress: (progress: LoadProgressView) => void,
): Promise<LoadedView> {
  return call("browse_load_all", { ...accountKey(account), siteId, onProgress: progressChannel(onProgress) });
}

/** Stops "load everything" (what was read is kept); `false` when none was running. */
export function cancelBrowseLoad(): Promise<boolean> {
  return call("cancel_browse_load");
}

/** A list's content types and first items. */
export function browseList(account: AccountView, siteId: string, listId: string): Promise<ListDetailsView> {
  return call("browse_list", { ...accountKey(account), siteId, listId });
}

/** Saves the lists and columns ticked as an integration definition, with its OpenAPI document. */
export function saveIntegration(account: AccountView, name: string, lists: PickedListArgs[]): Promise<IntegrationView> {
  return call("save_integration", { ...accountKey(account), name, lists });
}

/** What will be created for `draft`, before anything is; `refusal` says when the person's roles do not allow it. */
export function planConnection(draft: DraftArgs): Promise<PlanView> {
  return call("plan_connection", draft);
}

/** A channel the Rust side sends progress on, handed to `onProgress`. */
function progressChannel<T>(onProgress: (progress: T) => void): Channel<T> {
  const channel = new Channel<T>();
  channel.onmessage = onProgress;
  return channel;
}

/** Creates the connection a plan described (`draft.id` is the plan's), each step's progress to `onProgress`. */
export function applyConnection(draft: DraftArgs, onProgress: (progress: Progress) => void): Promise<ConnectionView> {
  return call("apply_connection", { draft, onProgress: progressChannel(onProgress) });
}

/** Resumes an unfinished apply as `account`: finished steps are skipped. */
export function resumeConnection(
  account: AccountView,
  id: string,
  onProgress: (progress: Progress) => void,
): Promise<ConnectionView> {
  return call("resume_connection", { ...accountKey(account), id, onProgress: progressChannel(onProgress) });
}

/** Stops a running apply at its next call; `false` when none runs. */
export function cancelApply(id: string): Promise<boolean> {
  return call("cancel_apply", { id });
}

/** Deletes what an unfinished apply created in the tenant, and forgets it here. */
export function rollbackConnection(
  account: AccountView,
  id: string,
  onProgress: (progress: Progress) => void,
): Promise<RollbackReport> {
  return call("rollback_connection", { ...accountKey(account), id, onProgress: progressChannel(onProgress) });
}

/** Tests a connection with its own certificate; each check with its latency and fix. */
export function testConnection(
  account: AccountView,
  id: string,
  onProgress: (progress: Progress) => void,
): Promise<TestReport> {
  return call("test_connection", { ...accountKey(account), id, onProgress: progressChannel(onProgress) });
}

/** The connections on this computer, unfinished applies, and records that cannot be read. */
export function listConnections(): Promise<ConnectionsView> {
  return call("list_connections");
}

/** Writes a connection's certificate (its public part) as PEM or `.cer`. */
export function exportCertificate(id: string, format: CertificateFormat): Promise<ExportView> {
  return call("export_certificate", { id, format });
}
