// Generated from the Rust types by src-tauri/src/ipc/contract.rs: do not edit.
// Regenerate with `UPDATE_BINDINGS=1 cargo test --test app`.

import type { Channel } from "@tauri-apps/api/core";

export type CloudId = "global" | "usGovGccHigh" | "usGovDod" | "china" | "custom";

export type CloudSetting = { "kind": "global" } | { "kind": "usGovGccHigh" } | { "kind": "usGovDod" } | { "kind": "china" } | { "kind": "custom", 
/**
 * Where people sign in and tokens are issued, e.g. `https://login.example.com`.
 */
authorityHost: string, 
/**
 * The Microsoft Graph host, e.g. `https://graph.example.com`.
 */
graphHost: string, };

export type Settings = { 
/**
 * The Microsoft cloud the app signs in to and calls.
 */
cloud: CloudSetting, 
/**
 * The client application spconnect signs people in with, per tenant.
 */
tenantProfiles: Array<TenantProfile>, };

export type TenantProfile = { 
/**
 * The tenant: a verified domain (`contoso.onmicrosoft.com`) or its tenant id.
 */
tenant: string, 
/**
 * The application (client) id, a GUID.
 */
clientId: string, };

export type Endpoints = { 
/**
 * The Entra authority origin.
 */
authorityHost: string, 
/**
 * The Microsoft Graph origin.
 */
graphHost: string, };

export type CloudOption = { 
/**
 * The identifier stored in the settings.
 */
id: CloudId, 
/**
 * The name shown to the person.
 */
label: string, 
/**
 * The authority origin; `None` for custom endpoints.
 */
authorityHost: string | null, 
/**
 * The Graph origin; `None` for custom endpoints.
 */
graphHost: string | null, };

export type DemoView = { 
/**
 * The organisation's name.
 */
organization: string, 
/**
 * Its domain.
 */
domain: string, 
/**
 * Where the demo tenant answers (a loopback address).
 */
baseUrl: string, 
/**
 * The folder its state is kept in, when it runs inside the app.
 */
stateDir: string | null, 
/**
 * What it reported about its saved state, e.g. a file it could not read and set aside.
 */
notices: Array<string>, };

export type AppInfo = { 
/**
 * The product name.
 */
productName: string, 
/**
 * The app's version.
 */
version: string, 
/**
 * Where settings are kept.
 */
configDir: string, 
/**
 * Where the log files are.
 */
logDir: string, 
/**
 * The demo tenant, when the app runs on it.
 */
demo: DemoView | null, };

export type SettingsView = { 
/**
 * The settings as stored.
 */
settings: Settings, 
/**
 * The endpoints in force.
 */
endpoints: Endpoints, 
/**
 * Something the person should know, e.g. that an unreadable file was kept aside.
 */
notice: string | null, };

export type CapabilityView = { 
/**
 * What, e.g. "Grant Microsoft Graph application permissions".
 */
what: string, 
/**
 * Whether their roles allow it.
 */
allowed: boolean, 
/**
 * Why ("as Global Administrator", "needs …").
 */
why: string, };

export type AccountView = { 
/**
 * Their home tenant id.
 */
tenantId: string, 
/**
 * Their object id.
 */
objectId: string, 
/**
 * The client application they signed in with.
 */
clientId: string, 
/**
 * Display name.
 */
name: string, 
/**
 * Sign-in name (UPN).
 */
username: string, 
/**
 * The directory roles that matter here, by name.
 */
roles: Array<string>, 
/**
 * What those roles let them do in spconnect.
 */
capabilities: Array<CapabilityView>, 
/**
 * When they last signed in (seconds since the Unix epoch).
 */
signedInAt: number, 
/**
 * Why they must sign in again, when they must.
 */
signInAgain: string | null, };

export type AccountsView = { 
/**
 * Most recently signed in first.
 */
accounts: Array<AccountView>, 
/**
 * Something the person should know (an unreadable list kept aside, roles not readable).
 */
notice: string | null, };

export type DeviceCodeView = { 
/**
 * The code to type.
 */
userCode: string, 
/**
 * Where to type it.
 */
verificationUri: string, 
/**
 * Microsoft's instructions.
 */
message: string, 
/**
 * How long the code lasts.
 */
expiresInSeconds: number, };

export type SignedInView = { 
/**
 * Who signed in.
 */
account: AccountView, 
/**
 * Something the person should know (e.g. their roles could not be read).
 */
notice: string | null, };

export type RegisteredView = { 
/**
 * The tenant it was registered in (as the profile names it).
 */
tenant: string, 
/**
 * Its application (client) id, now the tenant's profile.
 */
clientId: string, };

export type ConnectionCheckView = { 
/**
 * Whether it answered as it should.
 */
reachable: boolean, 
/**
 * What was found, and what to do when something is in the way.
 */
message: string, };

export type AccessNeed = "browse" | "createConnection" | "grantSitesSelected";

export type AccessView = { 
/**
 * The step.
 */
need: AccessNeed, 
/**
 * Whether the account's kept sign-in already covers it (consented).
 */
granted: boolean, 
/**
 * The permissions, as Microsoft's consent screen names them (`Sites.Read.All`).
 */
permissions: Array<string>, 
/**
 * Why the step needs them, in one sentence.
 */
why: string, };

export type ErrorCode = "invalidInput" | "storage" | "internal" | "signInAgain" | "consentRequired" | "cancelled" | "refused" | "unavailable" | "keychain";

export type WireError = { 
/**
 * What kind of failure.
 */
code: ErrorCode, 
/**
 * What happened and what to do.
 */
message: string, 
/**
 * The input the error is about, for invalid input: a path into the command's arguments
 * (`settings.cloud.kind`) or the name of a form field (`graphHost`).
 */
field: string | null, };

export type NoArgs = Record<symbol, never>;

export type SaveSettingsArgs = { 
/**
 * The settings to validate and save.
 */
settings: Settings, };

export type SignInArgs = { 
/**
 * The tenant (a domain or tenant id); not needed on the demo tenant.
 */
tenant?: string, 
/**
 * A step whose permissions to ask for with the sign-in (incremental consent); none asks
 * only for reading the person and their roles.
 */
need?: AccessNeed, };

export type AccountArgs = { 
/**
 * Their home tenant id.
 */
tenantId: string, 
/**
 * Their object id.
 */
objectId: string, 
/**
 * The client application they signed in with.
 */
clientId: string, };

export type AccessArgs = { 
/**
 * Their home tenant id.
 */
tenantId: string, 
/**
 * Their object id.
 */
objectId: string, 
/**
 * The client application they signed in with.
 */
clientId: string, 
/**
 * The step.
 */
need: AccessNeed, };

export type SiteView = { 
/**
 * `{hostname},{site collection id},{web id}`.
 */
id: string, 
/**
 * Its title.
 */
displayName: string, 
/**
 * Its address.
 */
webUrl: string, 
/**
 * Its description.
 */
description: string | null, 
/**
 * A site collection's root site.
 */
isRoot: boolean, };

export type SitesView = { 
/**
 * The sites, by title.
 */
sites: Array<SiteView>, 
/**
 * How they were found, in words ("Sites matching “hr”").
 */
how: string, };

export type ColumnView = { 
/**
 * Its id.
 */
id: string, 
/**
 * The internal name (the key in an item's fields).
 */
name: string, 
/**
 * The name shown.
 */
displayName: string, 
/**
 * Its description.
 */
description: string | null, 
/**
 * Its type in words ("Choice", "Lookup", "Number").
 */
typeName: string, 
/**
 * Its settings in words ("Choices: Open, Closed", "Looks up Title in list …").
 */
settings: Array<string>, 
/**
 * A value is required.
 */
required: boolean, 
/**
 * Indexed.
 */
indexed: boolean, 
/**
 * Cannot be written.
 */
readOnly: boolean, 
/**
 * Hidden.
 */
hidden: boolean, 
/**
 * The default value.
 */
defaultValue: string | null, };

export type ListView = { 
/**
 * Its id.
 */
id: string, 
/**
 * Its title.
 */
displayName: string, 
/**
 * Its address.
 */
webUrl: string, 
/**
 * Its description.
 */
description: string | null, 
/**
 * SharePoint's template (`genericList`, `documentLibrary`, …).
 */
template: string, 
/**
 * A document library.
 */
isLibrary: boolean, 
/**
 * Hidden from the site's contents.
 */
hidden: boolean, 
/**
 * A system list.
 */
system: boolean, 
/**
 * Its columns (none when `columns_loaded` is false).
 */
columns: Array<ColumnView>, 
/**
 * Whether `columns` came with it; "load everything" leaves them out of its answer (they
 * are kept, and `browse_site` answers them from there).
 */
columnsLoaded: boolean, };

export type SiteContentsView = { 
/**
 * Its subsites.
 */
subsites: Array<SiteView>, 
/**
 * Its lists and libraries (hidden and system ones marked).
 */
lists: Array<ListView>, 
/**
 * What could not be read, in words (the rest is shown).
 */
problems: Array<string>, 
/**
 * When it was read (seconds since the Unix epoch).
 */
readAt: number, };

export type ContentTypeView = { 
/**
 * Its id.
 */
id: string, 
/**
 * Its name.
 */
name: string, 
/**
 * Its group.
 */
group: string | null, 
/**
 * Its description.
 */
description: string | null, };

export type FieldView = { 
/**
 * The column's internal name.
 */
name: string, 
/**
 * The value as text.
 */
value: string, };

export type ItemView = { 
/**
 * Its id.
 */
id: string, 
/**
 * Its fields (Graph's own bookkeeping fields left out).
 */
fields: Array<FieldView>, };

export type ListDetailsView = { 
/**
 * Its content types.
 */
contentTypes: Array<ContentTypeView>, 
/**
 * Its first items.
 */
items: Array<ItemView>, 
/**
 * What could not be read, in words.
 */
problems: Array<string>, };

export type FindSitesArgs = { 
/**
 * Their home tenant id.
 */
tenantId: string, 
/**
 * Their object id.
 */
objectId: string, 
/**
 * The client application they signed in with.
 */
clientId: string, 
/**
 * Words of a site's title or address, or a site's URL; empty lists every site the account
 * can find.
 */
query?: string, };

export type SiteArgs = { 
/**
 * Their home tenant id.
 */
tenantId: string, 
/**
 * Their object id.
 */
objectId: string, 
/**
 * The client application they signed in with.
 */
clientId: string, 
/**
 * The site's id (`{hostname},{site collection id},{web id}`).
 */
siteId: string, 
/**
 * Read it again even if it was read before (Refresh).
 */
refresh?: boolean, };

export type ListArgs = { 
/**
 * Their home tenant id.
 */
tenantId: string, 
/**
 * Their object id.
 */
objectId: string, 
/**
 * The client application they signed in with.
 */
clientId: string, 
/**
 * The site's id.
 */
siteId: string, 
/**
 * The list's id.
 */
listId: string, };

export type LoadAllArgs = { 
/**
 * Their home tenant id.
 */
tenantId: string, 
/**
 * Their object id.
 */
objectId: string, 
/**
 * The client application they signed in with.
 */
clientId: string, 
/**
 * The site.
 */
siteId: string, 
/**
 * The channel progress is sent on.
 */
onProgress: Channel<LoadProgressView>, };

export type LoadProgressView = { 
/**
 * Sites known so far.
 */
sitesFound: number, 
/**
 * Sites read.
 */
sitesRead: number, 
/**
 * Lists and libraries read.
 */
lists: number, 
/**
 * Columns read.
 */
columns: number, 
/**
 * Sites that could not be read (wholly or partly).
 */
sitesWithProblems: number, 
/**
 * Time since the start, in milliseconds.
 */
elapsedMs: number, 
/**
 * Sites read per second so far.
 */
sitesPerSecond: number, 
/**
 * The estimated seconds left for the sites known so far, once there is a rate.
 */
secondsLeft: number | null, };

export type LoadedSiteView = { 
/**
 * The site.
 */
site: SiteView, 
/**
 * What it holds.
 */
contents: SiteContentsView, };

export type LoadedView = { 
/**
 * Every site read.
 */
sites: Array<LoadedSiteView>, 
/**
 * Whether it was cancelled (what was read is kept).
 */
cancelled: boolean, 
/**
 * The final counts.
 */
progress: LoadProgressView, };

export type PickedListArgs = { 
/**
 * The site's id.
 */
siteId: string, 
/**
 * The list's id.
 */
listId: string, 
/**
 * The internal names of the columns ticked.
 */
columns: Array<string>, };

export type SaveIntegrationArgs = { 
/**
 * Their home tenant id.
 */
tenantId: string, 
/**
 * Their object id.
 */
objectId: string, 
/**
 * The client application they signed in with.
 */
clientId: string, 
/**
 * The integration's name.
 */
name: string, 
/**
 * The lists and columns ticked.
 */
lists: Array<PickedListArgs>, };

export type IntegrationView = { 
/**
 * Its name.
 */
name: string, 
/**
 * The lists it uses, in words ("Employees (Human Resources): 5 columns").
 */
lists: Array<string>, 
/**
 * The sites it uses (what `Sites.Selected` will grant).
 */
siteIds: Array<string>, 
/**
 * Where the definition is saved.
 */
definitionPath: string, 
/**
 * Where its OpenAPI document is saved.
 */
openapiPath: string, 
/**
 * The OpenAPI document (JSON), to copy.
 */
openapi: string, };

export type SiteRole = "read" | "write" | "manage" | "fullControl";

export type TenantWide = "readAll" | "readWriteAll" | "fullControlAll";

export type PermissionModel = { "kind": "sitesSelected" } | { "kind": "tenantWide", 
/**
 * Which one.
 */
permission: TenantWide, };

export type Api = "graph" | "sharePoint";

export type SiteChoice = { 
/**
 * Graph's site id (`{hostname},{site collection id},{web id}`).
 */
siteId: string, 
/**
 * Its address (`https://contoso.sharepoint.com/sites/hr`).
 */
webUrl: string, 
/**
 * Its title.
 */
name: string, 
/**
 * The role granted (with `Sites.Selected`).
 */
role: SiteRole, };

export type CertificateChoice = { 
/**
 * 2048 or 3072.
 */
keyBits: number, 
/**
 * How many days it is valid (1 to 365; a year by default, the longest Graph accepts
 * for `keyCredentials` by default).
 */
validityDays: number, 
/**
 * The subject's common name.
 */
subject: string, };

export type DraftArgs = { 
/**
 * The creating person's home tenant id.
 */
tenantId: string, 
/**
 * Their object id.
 */
objectId: string, 
/**
 * The client application they signed in with.
 */
clientId: string, 
/**
 * The connection's id from an earlier plan; none for a new one.
 */
id?: string, 
/**
 * Its name.
 */
name: string, 
/**
 * The permission model.
 */
model: PermissionModel, 
/**
 * The APIs it calls.
 */
apis: Array<Api>, 
/**
 * The sites (with `Sites.Selected`, each with its role).
 */
sites: Array<SiteChoice>, 
/**
 * The certificate to make.
 */
certificate: CertificateChoice, 
/**
 * The integration definition saved in Browse (its path, as `save_integration` answered).
 */
definitionPath?: string, };

export type StepKind = "certificate" | "resources" | "application" | "servicePrincipal" | "consent" | "sites" | "verify" | "save";

export type PlannedStep = { 
/**
 * Which step.
 */
kind: StepKind, 
/**
 * What it does, in words.
 */
title: string, 
/**
 * What it creates in the tenant (empty when nothing).
 */
creates: Array<string>, 
/**
 * The calls it sends (method and path).
 */
calls: Array<string>, };

export type Plan = { 
/**
 * The steps.
 */
steps: Array<PlannedStep>, 
/**
 * A warning about a tenant-wide permission, when one was chosen.
 */
warning: string | null, };

export type PlanView = { 
/**
 * The connection's id (send it back with the draft to apply).
 */
id: string, 
/**
 * The application's `uniqueName`.
 */
uniqueName: string, 
/**
 * Exactly what will be created and called.
 */
plan: Plan, 
/**
 * Why the signed-in person cannot apply it, with the fix; none when they can.
 */
refusal: string | null, };

export type StepState = "running" | "waiting" | "done" | "skipped" | "failed";

export type Progress = { 
/**
 * The step.
 */
step: StepKind, 
/**
 * What it is doing.
 */
state: StepState, 
/**
 * In words (what it waits for, what it made).
 */
detail: string, 
/**
 * Time in the step so far, in milliseconds.
 */
elapsedMs: number, 
/**
 * Polls so far while waiting.
 */
attempt: number, };

export type ApplyArgs = { 
/**
 * The draft (its `id` is the plan's).
 */
draft: DraftArgs, 
/**
 * Where each step's progress is sent.
 */
onProgress: Channel<Progress>, };

export type ConnectionActionArgs = { 
/**
 * The acting person's home tenant id.
 */
tenantId: string, 
/**
 * Their object id.
 */
objectId: string, 
/**
 * The client application they signed in with.
 */
clientId: string, 
/**
 * The connection.
 */
id: string, 
/**
 * Where progress is sent.
 */
onProgress: Channel<Progress>, };

export type ConnectionIdArgs = { 
/**
 * The connection.
 */
id: string, };

export type CertificateFormat = "pem" | "cer";

export type ExportArgs = { 
/**
 * The connection.
 */
id: string, 
/**
 * `pem` or `cer` (DER).
 */
format: CertificateFormat, };

export type Check = { 
/**
 * What was checked, e.g. "Read HR through Microsoft Graph".
 */
name: string, 
/**
 * Whether it passed.
 */
passed: boolean, 
/**
 * How long it took, in milliseconds.
 */
latencyMs: number, 
/**
 * What was seen (a failure's reason).
 */
detail: string, 
/**
 * For a failure: what to do.
 */
fix: string | null, };

export type TestReport = { 
/**
 * When (RFC 3339).
 */
at: string, 
/**
 * The checks.
 */
checks: Array<Check>, };

export type CertificateRecord = { 
/**
 * The SHA-1 thumbprint, hex (as Entra shows it).
 */
thumbprint: string, 
/**
 * `x5t#S256`.
 */
x5tS256: string, 
/**
 * `CN=…`.
 */
subject: string, 
/**
 * Start of validity (RFC 3339).
 */
notBefore: string, 
/**
 * End of validity (RFC 3339).
 */
notAfter: string, 
/**
 * Key size in bits.
 */
keyBits: number, 
/**
 * The certificate, base64 DER.
 */
derBase64: string, };

export type ConnectionView = { 
/**
 * Its id.
 */
id: string, 
/**
 * Its name.
 */
name: string, 
/**
 * The tenant.
 */
tenantId: string, 
/**
 * The application (client) id programs authenticate as.
 */
clientId: string, 
/**
 * The application object's id.
 */
applicationObjectId: string, 
/**
 * The service principal's id.
 */
servicePrincipalId: string, 
/**
 * "Sites.Selected on 3 sites" or "Sites.ReadWrite.All".
 */
permissions: string, 
/**
 * The permission model.
 */
model: PermissionModel, 
/**
 * The APIs.
 */
apis: Array<Api>, 
/**
 * The sites and roles.
 */
sites: Array<SiteChoice>, 
/**
 * The certificate (its public part: thumbprints, validity, DER to export).
 */
certificate: CertificateRecord, 
/**
 * Who created it.
 */
createdBy: string, 
/**
 * When (RFC 3339).
 */
createdAt: string, 
/**
 * The lists of its integration definition, in words.
 */
lists: Array<string>, 
/**
 * The last test.
 */
lastTest: TestReport | null, };

export type PendingView = { 
/**
 * The connection's id.
 */
id: string, 
/**
 * Its name.
 */
name: string, 
/**
 * The tenant.
 */
tenantId: string, 
/**
 * Who started it.
 */
createdBy: string, 
/**
 * When (RFC 3339).
 */
startedAt: string, 
/**
 * `applying` (interrupted), `failed` or `cancelled`.
 */
state: string, 
/**
 * Why it stopped, when it failed.
 */
message: string | null, 
/**
 * The steps finished.
 */
done: Array<StepKind>, 
/**
 * The last verification, when there was one.
 */
report: TestReport | null, 
/**
 * Whether it is running now.
 */
running: boolean, };

export type ConnectionsView = { 
/**
 * The connections, by name.
 */
connections: Array<ConnectionView>, 
/**
 * Unfinished applies, offered for resumption or rollback.
 */
pending: Array<PendingView>, 
/**
 * Records that could not be read (left as they are), each in words with the fix.
 */
problems: Array<string>, };

export type ExportView = { 
/**
 * Where it was written.
 */
path: string, 
/**
 * The PEM text, to copy.
 */
pem: string, };

export type RollbackReport = { 
/**
 * What was deleted.
 */
removed: Array<string>, 
/**
 * What is left, each with why.
 */
left: Array<string>, };

/** Every command: the arguments it takes and the result it answers with. */
export type Commands = {
  app_info: { args: NoArgs; result: AppInfo };
  ui_ready: { args: NoArgs; result: null };
  list_clouds: { args: NoArgs; result: Array<CloudOption> };
  get_settings: { args: NoArgs; result: SettingsView };
  save_settings: { args: SaveSettingsArgs; result: SettingsView };
  reset_demo_tenant: { args: NoArgs; result: DemoView };
  list_accounts: { args: NoArgs; result: AccountsView };
  sign_in_with_browser: { args: SignInArgs; result: SignedInView };
  start_device_code: { args: SignInArgs; result: DeviceCodeView };
  finish_device_code: { args: NoArgs; result: SignedInView };
  cancel_sign_in: { args: NoArgs; result: boolean };
  sign_out: { args: AccountArgs; result: AccountsView };
  refresh_account: { args: AccountArgs; result: AccountView };
  register_in_tenant: { args: SignInArgs; result: RegisteredView };
  check_connection: { args: NoArgs; result: ConnectionCheckView };
  check_access: { args: AccessArgs; result: AccessView };
  grant_access: { args: AccessArgs; result: AccessView };
  browse_sites: { args: FindSitesArgs; result: SitesView };
  browse_site: { args: SiteArgs; result: SiteContentsView };
  browse_list: { args: ListArgs; result: ListDetailsView };
  browse_load_all: { args: LoadAllArgs; result: LoadedView };
  cancel_browse_load: { args: NoArgs; result: boolean };
  save_integration: { args: SaveIntegrationArgs; result: IntegrationView };
  plan_connection: { args: DraftArgs; result: PlanView };
  apply_connection: { args: ApplyArgs; result: ConnectionView };
  resume_connection: { args: ConnectionActionArgs; result: ConnectionView };
  cancel_apply: { args: ConnectionIdArgs; result: boolean };
  rollback_connection: { args: ConnectionActionArgs; result: RollbackReport };
  test_connection: { args: ConnectionActionArgs; result: TestReport };
  list_connections: { args: NoArgs; result: ConnectionsView };
  export_certificate: { args: ExportArgs; result: ExportView };
};

/** What every command rejects with. */
export type CommandError = WireError;
