// A stand-in for the Rust side, for tests only (nothing in the app imports this file).
import { flushSync } from "svelte";
import { mockIPC } from "@tauri-apps/api/mocks";
import type {
  ConnectionView,
  DraftArgs,
  PendingView,
  PlanView,
  Progress,
  StepKind,
  TestReport,
  LoadProgressView,
  ListDetailsView,
  ListView,
  SiteContentsView,
  SiteView,
  AccessNeed,
  AccessView,
  AccountView,
  AppInfo,
  CloudOption,
  Commands,
  DeviceCodeView,
  SaveSettingsArgs,
  SettingsView,
} from "./bindings";

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
  settings: { cloud: { kind: "global" }, tenantProfiles: [] },
  endpoints: { authorityHost: "https://login.microsoftonline.com", graphHost: "https://graph.microsoft.com" },
  notice: null,
};

export const ADMIN_ACCOUNT: AccountView = {
  tenantId: "8d3b6f5e-2a9c-4c1e-9f3a-0b7d4e6c5a21",
  objectId: "0f7c1a52-5b1e-4b8e-9a3d-6c2e8f1d4a70",
  clientId: "6a1d7e4c-3f2b-4d9a-8e5c-1b0f9a7d2c36",
  name: "Megan Bowen",
  username: "admin@contoso.onmicrosoft.com",
  roles: ["Global Administrator"],
  capabilities: [
    { what: "Create applications", allowed: true, why: "as Global Administrator" },
    { what: "Grant Microsoft Graph application permissions", allowed: true, why: "as Global Administrator" },
    { what: "Grant SharePoint application permissions", allowed: true, why: "as Global Administrator" },
    { what: "Grant access to chosen sites (Sites.Selected)", allowed: true, why: "as Global Administrator" },
  ],
  signedInAt: 1_796_300_000,
  signInAgain: null,
};

export const CLOUD_ADMIN_ACCOUNT: AccountView = {
  ...ADMIN_ACCOUNT,
  objectId: "3b9e2d71-8c4a-4f6e-b1d5-7a0c9e3f2b84",
  name: "Alex Wilber",
  username: "cloudadmin@contoso.onmicrosoft.com",
  roles: ["Cloud Application Administrator"],
  capabilities: [
    { what: "Create applications", allowed: true, why: "as Cloud Application Administrator" },
    {
      what: "Grant Microsoft Graph application permissions",
      allowed: false,
      why: "needs Global Administrator or Privileged Role Administrator",
    },
    { what: "Grant SharePoint application permissions", allowed: true, why: "as Cloud Application Administrator" },
    {
      what: "Grant access to chosen sites (Sites.Selected)",
      allowed: false,
      why: "needs Global Administrator or SharePoint Administrator",
    },
  ],
};

export const DEVICE_CODE: DeviceCodeView = {
  userCode: "FJKQ-7TXM",
  verificationUri: "http://127.0.0.1:4000/devicelogin",
  message: "To sign in, open http://127.0.0.1:4000/devicelogin and enter the code FJKQ-7TXM.",
  expiresInSeconds: 900,
};

export const PLAN_ID = "0123456789abcdef0123456789abcdef";

const STEP_KINDS: StepKind[] = ["certificate", "resources", "application", "servicePrincipal", "consent", "sites", "verify", "save"];

/** A draft as the wizard sends it for the admin and the HR site. */
export const DRAFT: DraftArgs = {
  tenantId: "8d3b6f5e-2a9c-4c1e-9f3a-0b7d4e6c5a21",
  objectId: "0f7c1a52-5b1e-4b8e-9a3d-6c2e8f1d4a70",
  clientId: "6a1d7e4c-3f2b-4d9a-8e5c-1b0f9a7d2c36",
  name: "HR sync",
  model: { kind: "sitesSelected" },
  apis: ["graph"],
  sites: [{ siteId: "contoso.sharepoint.com,1111,2222", webUrl: "https://contoso.sharepoint.com/sites/hr", name: "Human Resources", role: "write" }],
  certificate: { keyBits: 2048, validityDays: 365, subject: "spconnect HR sync" },
};

/** What plan_connection answers for `draft`. */
export function planFor(draft: DraftArgs): PlanView {
  const wide = draft.model.kind === "tenantWide";
  const kinds = STEP_KINDS.filter((k) => !(wide && k === "sites"));
  return {
    id: draft.id ?? PLAN_ID,
    uniqueName: `spconnect-${draft.id ?? PLAN_ID}`,
    refusal: null,
    plan: {
      warning: wide ? "Sites.Read.All is tenant-wide. It can read every site, list, library and file in the whole tenant." : null,
      steps: kinds.map((kind) => ({
        kind,
        title: `Step ${kind}`,
        creates: kind === "application" ? [`Application "${draft.name}" (uniqueName spconnect-${PLAN_ID}, tagged spconnect)`] : [],
        calls: kind === "application" ? [`PATCH /applications(uniqueName='spconnect-${PLAN_ID}') with Prefer: create-if-missing`] : [],
      })),
    },
  };
}

/** A passing test of a connection. */
export const PASSING_TEST: TestReport = {
  at: "2026-12-04T10:00:00Z",
  checks: [
    { name: "App-only token for Microsoft Graph carries Sites.Selected", passed: true, latencyMs: 41, detail: "roles: Sites.Selected", fix: null },
    { name: "Read Human Resources through Microsoft Graph", passed: true, latencyMs: 12, detail: "read \"Human Resources\"", fix: null },
  ],
};

/** The connection apply_connection answers for `draft`. */
export function connectionFor(draft: DraftArgs, notAfter = "2027-12-04T10:00:00Z"): ConnectionView {
  return {
    id: draft.id ?? PLAN_ID,
    name: draft.name,
    tenantId: draft.tenantId,
    clientId: "5e1c2a7b-9d3f-4b8e-a0c6-2f7d1e9b3a54",
    applicationObjectId: "9a2b3c4d-0000-4000-8000-000000000001",
    servicePrincipalId: "9a2b3c4d-0000-4000-8000-000000000002",
    permissions: draft.model.kind === "sitesSelected" ? `Sites.Selected on ${draft.sites.length} site${draft.sites.length === 1 ? "" : "s"}` : "Sites.Read.All",
    model: draft.model,
    apis: draft.apis,
    sites: draft.sites,
    certificate: {
      thumbprint: "42880778DB677F3C62C2E42647FA567159AA9138",
      x5tS256: "uB59RZZK2G96o5u-z9R5LAPiNH9KtCsMqVpDEw4049Q",
      subject: `CN=${draft.certificate.subject}`,
      notBefore: "2026-12-04T10:00:00Z",
      notAfter,
      keyBits: draft.certificate.keyBits,
      derBase64: "MIIC",
    },
    createdBy: "admin@contoso.onmicrosoft.com",
    createdAt: "2026-12-04T10:00:00Z",
    lists: [],
    lastTest: PASSING_TEST,
  };
}

/** What sends progress to the channel a fake command was given, as the Rust side does. */
export function progressTo(onProgress: unknown): (p: Progress) => void {
  const channel = onProgress as { onmessage: (p: Progress) => void };
  return (p) => channel.onmessage(p);
}

/** An apply that failed at the site step, to resume or roll back. */
export const PENDING: PendingView = {
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

/** Sends each step of a fake apply to the channel, as the Rust side does. */
function sendSteps(onProgress: unknown) {
  const channel = { onmessage: progressTo(onProgress) };
  for (const step of STEP_KINDS) {
    channel.onmessage({ step, state: "running", detail: "", elapsedMs: 0, attempt: 0 });
    if (step === "servicePrincipal") {
      channel.onmessage({ step, state: "waiting", detail: "Waiting for the application to replicate in Microsoft Entra ID", elapsedMs: 500, attempt: 1 });
    }
    channel.onmessage({ step, state: "done", detail: `${step} done`, elapsedMs: 900, attempt: 0 });
  }
}

export type Call = { cmd: string; args: unknown };
/** A stand-in for one command, typed by the contract generated from the Rust side. */
export type Handler<K extends keyof Commands> = (
  args: Commands[K]["args"],
) => Commands[K]["result"] | Promise<Commands[K]["result"]>;
type Handlers = { [K in keyof Commands]: Handler<K> };

const HR = "contoso.sharepoint.com,1111,2222";
/** Sites as browse_sites answers on the demo tenant (one title carries markup, to be shown as text). */
export const SITES: SiteView[] = [
  { id: "contoso.sharepoint.com,1111,0000", displayName: "Contoso", webUrl: "https://contoso.sharepoint.com", description: null, isRoot: true },
  { id: HR, displayName: "Human Resources", webUrl: "https://contoso.sharepoint.com/sites/hr", description: null, isRoot: true },
  { id: "contoso.sharepoint.com,3333,4444", displayName: "<img src=x onerror=alert(1)>Finance", webUrl: "https://contoso.sharepoint.com/sites/finance", description: null, isRoot: true },
];

const EMPLOYEES: ListView = {
  id: "list-employees",
  displayName: "Employees",
  webUrl: "https://contoso.sharepoint.com/sites/hr/Lists/Employees",
  description: null,
  template: "genericList",
  isLibrary: false,
  hidden: false,
  system: false,
  columnsLoaded: true,
  columns: [
    { id: "c1", name: "Title", displayName: "Name", description: null, typeName: "Single line of text", settings: ["At most: 255 characters"], required: true, indexed: false, readOnly: false, hidden: false, defaultValue: null },
    { id: "c2", name: "Status", displayName: "Status", description: null, typeName: "Choice", settings: ["Choices: Active, Leaver"], required: false, indexed: true, readOnly: false, hidden: false, defaultValue: "Active" },
    { id: "c3", name: "Secret", displayName: "Internal", description: null, typeName: "Single line of text", settings: [], required: false, indexed: false, readOnly: false, hidden: true, defaultValue: null },
  ],
};

/** What browse_site answers per site id. */
export const SITE_CONTENTS: Record<string, SiteContentsView> = {
  [HR]: {
    subsites: [{ id: "contoso.sharepoint.com,1111,5555", displayName: "Benefits", webUrl: "https://contoso.sharepoint.com/sites/hr/benefits", description: null, isRoot: false }],
    lists: [
      EMPLOYEES,
      { ...EMPLOYEES, id: "list-hidden", displayName: "Workflow History", hidden: true, columns: [] },
    ],
    problems: [],
    readAt: Math.floor(Date.now() / 1000) - 180,
  },
};

/** What browse_list answers. */
export const LIST_DETAILS: ListDetailsView = {
  contentTypes: [{ id: "0x01", name: "Item", group: "List Content Types", description: null }],
  items: [{ id: "1", fields: [{ name: "Title", value: "<script>alert(1)</script>Adele" }, { name: "Status", value: "Active" }] }],
  problems: [],
};

/** The permissions and reason of each step, as the Rust side words them. */
const NEEDS: Record<AccessNeed, { permissions: string[]; why: string }> = {
  browse: {
    permissions: ["Sites.Read.All"],
    why: "To show the sites, lists, libraries, columns and items you can see, spconnect reads SharePoint as you (Sites.Read.All); it changes nothing.",
  },
  createConnection: {
    permissions: ["Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All"],
    why: "To create a connection, spconnect registers its application with a certificate and grants it the permissions you choose (Application.ReadWrite.All, AppRoleAssignment.ReadWrite.All).",
  },
  grantSitesSelected: {
    permissions: ["Sites.FullControl.All"],
    why: "To give a connection access to only the sites you chose (Sites.Selected), Microsoft requires the person granting it to have full control of those sites (Sites.FullControl.All).",
  },
};

/** A step's access as check_access answers it. */
export function accessView(need: AccessNeed, granted: boolean): AccessView {
  return { need, granted, ...NEEDS[need] };
}

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
    list_accounts: () => ({ accounts: [], notice: null }),
    sign_in_with_browser: () => ({ account: ADMIN_ACCOUNT, notice: null }),
    start_device_code: () => DEVICE_CODE,
    finish_device_code: () => ({ account: ADMIN_ACCOUNT, notice: null }),
    cancel_sign_in: () => false,
    sign_out: () => ({ accounts: [], notice: null }),
    refresh_account: () => ADMIN_ACCOUNT,
    check_connection: () => ({
      reachable: true,
      message: "http://127.0.0.1:4000 answers as Microsoft's sign-in service does.",
    }),
    check_access: ({ need }) => accessView(need, true),
    browse_sites: ({ query }) => ({
      sites: query ? SITES.filter((s) => s.displayName.toLowerCase().includes(query.toLowerCase())) : SITES,
      how: query ? `Sites matching “${query}”` : "Every site you can find",
    }),
    browse_site: ({ siteId }) => SITE_CONTENTS[siteId] ?? { subsites: [], lists: [], problems: [], readAt: Math.floor(Date.now() / 1000) },
    browse_list: () => LIST_DETAILS,
    browse_load_all: ({ siteId, onProgress }) => {
      const progress = { sitesFound: 2, sitesRead: 1, lists: 2, columns: 6, sitesWithProblems: 0, elapsedMs: 120, sitesPerSecond: 8.3, secondsLeft: 0.1 };
      (onProgress as unknown as { onmessage: (p: LoadProgressView) => void }).onmessage(progress);
      const site = SITES.find((s) => s.id === siteId) ?? SITES[0];
      const full = SITE_CONTENTS[siteId] ?? { subsites: [], lists: [], problems: [], readAt: 0 };
      // As the app answers: the tree without the columns.
      const contents = { ...full, lists: full.lists.map((l) => ({ ...l, columns: [], columnsLoaded: false })) };
      return { sites: site ? [{ site, contents }] : [], cancelled: false, progress: { ...progress, sitesRead: 2 } };
    },
    cancel_browse_load: () => false,
    save_integration: ({ name, lists }) => {
      if (!name.trim()) throw { code: "invalidInput", message: "Give the integration a name.", field: "name" };
      return {
        name,
        lists: lists.map((l) => `Employees (Human Resources): ${l.columns.length} columns`),
        siteIds: [...new Set(lists.map((l) => l.siteId))],
        definitionPath: "/home/admin/.config/spconnect/integrations/hr-sync.json",
        openapiPath: "/home/admin/.config/spconnect/integrations/hr-sync.openapi.json",
        openapi: '{"openapi": "3.1.0"}',
      };
    },
    grant_access: ({ need }) => accessView(need, true),
    plan_connection: (draft) => planFor(draft),
    apply_connection: ({ draft, onProgress }) => {
      sendSteps(onProgress);
      return connectionFor(draft);
    },
    resume_connection: ({ id, onProgress }) => {
      sendSteps(onProgress);
      return { ...connectionFor({ ...DRAFT, id }), id };
    },
    cancel_apply: () => true,
    rollback_connection: ({ onProgress }) => {
      // As the Rust side reports it: everything under the application step.
      const channel = { onmessage: progressTo(onProgress) };
      channel.onmessage({ step: "application", state: "running", detail: "Removed the site permission on Human Resources", elapsedMs: 300, attempt: 0 });
      channel.onmessage({ step: "application", state: "done", detail: "Rolled back", elapsedMs: 800, attempt: 0 });
      return { removed: ["Site permission on Human Resources", "Application HR sync", "The key and the unfinished apply on this computer"], left: [] };
    },
    test_connection: ({ onProgress }) => {
      const channel = { onmessage: progressTo(onProgress) };
      channel.onmessage({ step: "verify", state: "running", detail: "Reading Human Resources through Microsoft Graph", elapsedMs: 40, attempt: 0 });
      return PASSING_TEST;
    },
    list_connections: () => ({ connections: [], pending: [], problems: [] }),
    export_certificate: ({ id, format }) => ({
      path: `/home/admin/.config/spconnect/exports/spconnect-${id}.${format}`,
      pem: "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n",
    }),
    register_in_tenant: ({ tenant }) => ({
      tenant: tenant ?? "contoso.onmicrosoft.com",
      clientId: "2c7f9e1a-4b3d-4e8f-a6c2-9d1b0e5f7a43",
    }),
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
