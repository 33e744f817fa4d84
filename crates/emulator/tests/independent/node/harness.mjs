// Shared helpers of the MSAL for Node tests: the seeded tenant's facts, the emulator program over
// HTTPS, MSAL applications that trust the emulator as an authority, a browser that submits the
// emulator's sign-in form, and Graph calls. Nothing here talks to anything but 127.0.0.1.
//
// `run-tests.mjs` makes the HTTPS certificate before Node starts (NODE_EXTRA_CA_CERTS is read at
// start-up only) and passes its files in EMULATOR_TLS_CERT / EMULATOR_TLS_KEY.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { ConfidentialClientApplication, PublicClientApplication } from "@azure/msal-node";

import { selfSignedCertificate } from "./x509.mjs";

// crates/emulator/tests/independent/node -> the repository root.
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../..");

// The seeded demo tenant (crates/emulator/src/seed.rs) and spconnect's public client.
export const TENANT_ID = "b5a1c6d2-3e4f-4a5b-8c9d-0e1f2a3b4c5d";
export const PUBLIC_CLIENT_ID = "5c0e6f2a-7b1d-4c8e-9a3f-2d4b6e8f0a1c";
export const ADMIN = { login: "admin@contoso.onmicrosoft.com", password: "Demo-Admin-2026!" };
export const REDIRECT_URI = "http://localhost:53127/";
export const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
export const GRAPH_DEFAULT_SCOPE = "https://graph.microsoft.com/.default";

// How long the program may take to print its base URL (a start-up guard, not an assertion).
const START_TIMEOUT_MS = 60_000;

/** The emulator program: `$SPCONNECT_EMULATOR` (relative to the repository root), else
 * `target/debug/spconnect-emulator`. */
function emulatorBinary() {
  const configured = process.env.SPCONNECT_EMULATOR || "target/debug/spconnect-emulator";
  return isAbsolute(configured) ? configured : resolve(REPO_ROOT, configured);
}

/** Starts `spconnect-emulator --port 0` over HTTPS; resolves to `{baseUrl, stop}`. */
export async function startEmulator() {
  const binary = emulatorBinary();
  const { EMULATOR_TLS_CERT: cert, EMULATOR_TLS_KEY: key } = process.env;
  if (!cert || !key) throw new Error("EMULATOR_TLS_CERT/KEY are not set: run the tests with run-tests.mjs");
  if (!existsSync(binary)) {
    throw new Error(`no emulator binary at ${binary}; build it with \`cargo build -p spconnect-emulator\` or set SPCONNECT_EMULATOR`);
  }
  const child = spawn(binary, ["--port", "0", "--tls-cert", cert, "--tls-key", key], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => { stderr += chunk; });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((resolveLine, reject) => {
    const timer = setTimeout(() => reject(new Error("the emulator did not print its base URL")), START_TIMEOUT_MS);
    lines.once("line", (line) => { clearTimeout(timer); resolveLine(line.trim()); });
    child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`the emulator exited (${code}): ${stderr}`)); });
  });
  lines.on("line", () => {}); // keep stdout drained
  if (!first.startsWith("https://127.0.0.1:")) {
    child.kill();
    throw new Error(`unexpected first line ${JSON.stringify(first)}; stderr: ${stderr}`);
  }
  const baseUrl = first.replace(/\/$/, "");
  return {
    baseUrl,
    authority: `${baseUrl}/${TENANT_ID}`,
    stop: () => new Promise((done) => {
      if (child.exitCode !== null) return done();
      child.once("exit", () => done());
      child.kill("SIGTERM");
    }),
  };
}

/** MSAL's auth options for an authority on the emulator. MSAL Node checks an authority's host
 * against Microsoft's instance discovery endpoint unless the host is a known authority; the
 * emulator's host is declared known, so MSAL only reads the tenant's OpenID configuration from
 * the emulator itself (as the Python suite does with `instance_discovery=False`). */
export function authorityOptions(authority) {
  return { authority, knownAuthorities: [new URL(authority).host] };
}

export function publicClient(authority) {
  return new PublicClientApplication({ auth: { clientId: PUBLIC_CLIENT_ID, ...authorityOptions(authority) } });
}

export function confidentialClient(authority, clientId, clientCertificate) {
  return new ConfidentialClientApplication({ auth: { clientId, clientCertificate, ...authorityOptions(authority) } });
}

// ---- the browser part ---------------------------------------------------------------------

const decode = (text) => text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<")
  .replace(/&gt;/g, ">").replace(/&#x2F;/g, "/").replace(/&#x27;/g, "'").replace(/&amp;/g, "&");

/** A browser-like client with its own cookies that does not follow redirects. */
export class Browser {
  cookies = new Map();

  async request(url, init = {}) {
    const headers = { ...(init.headers || {}) };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const reply = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const cookie of reply.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const at = pair.indexOf("=");
      this.cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
    return { status: reply.status, url, headers: reply.headers, text: await reply.text() };
  }

  /** Posts the first form of `page` with its hidden fields and `fields`. */
  async submit(page, fields) {
    const action = page.text.match(/<form[^>]*\saction="([^"]+)"/i);
    if (!action) throw new Error(`no form on the page (${page.status}): ${page.text.slice(0, 2000)}`);
    const hidden = {};
    for (const [, key, value] of page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/gi)) {
      hidden[decode(key)] = decode(value);
    }
    return this.request(new URL(decode(action[1]), page.url).href, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ ...hidden, ...fields }).toString(),
    });
  }

  /** Submits the sign-in form on `page` as `user` and accepts consent if asked; returns the
   * final reply. */
  async signInOnPage(page, user = ADMIN) {
    if (page.status !== 200 || !page.text.includes('name="ctx"')) {
      throw new Error(`not a sign-in page (${page.status}): ${page.text.slice(0, 2000)}`);
    }
    const reply = await this.submit(page, { login: user.login, passwd: user.password });
    if (reply.status === 200 && reply.text.includes('name="action" value="accept"')) {
      return this.submit(reply, { action: "accept" });
    }
    return reply;
  }

  /** Opens the authorize URL, signs in as `user` and returns the query parameters of the
   * redirect back to the app. */
  async signIn(authorizeUrl, user = ADMIN) {
    const reply = await this.signInOnPage(await this.request(authorizeUrl), user);
    if (reply.status !== 302) throw new Error(`expected a redirect back to the app, got ${reply.status}: ${reply.text.slice(0, 2000)}`);
    return Object.fromEntries(new URL(reply.headers.get("location")).searchParams);
  }
}

// ---- Graph ----------------------------------------------------------------------------------

export async function graph(baseUrl, token, method, path, body) {
  const headers = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const reply = await fetch(`${baseUrl}/v1.0${path}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await reply.text();
  return { status: reply.status, body: text ? JSON.parse(text) : null };
}

async function expectJson(reply, status, what) {
  if (reply.status !== status) throw new Error(`${what} answered ${reply.status}, expected ${status}: ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** An app registration with a fresh certificate, its service principal, and Graph's `role`
 * application permission granted, made with an administrator's delegated token. */
export async function createConnectionApp(baseUrl, adminToken, role, displayName) {
  const certificate = selfSignedCertificate({ commonName: displayName });
  const call = (method, path, body) => graph(baseUrl, adminToken, method, path, body);
  const application = await expectJson(await call("POST", "/applications", {
    displayName,
    signInAudience: "AzureADMyOrg",
    keyCredentials: [{ type: "AsymmetricX509Cert", usage: "Verify", key: certificate.base64, displayName: `CN=${displayName}` }],
  }), 201, "POST /applications");
  const servicePrincipal = await expectJson(await call("POST", "/servicePrincipals", { appId: application.appId }), 201, "POST /servicePrincipals");
  const resource = await expectJson(await call("GET", `/servicePrincipals(appId='${GRAPH_APP_ID}')?$select=id,appRoles`), 200, "GET Graph's service principal");
  const appRoleId = resource.appRoles.find((r) => r.value === role).id;
  await expectJson(await call("POST", `/servicePrincipals/${resource.id}/appRoleAssignedTo`, {
    principalId: servicePrincipal.id, resourceId: resource.id, appRoleId,
  }), 201, "POST appRoleAssignedTo");
  return { application, servicePrincipal, certificate };
}

/** The claims of a JWT, unverified (only to look at them). */
export function jwtClaims(token) {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8"));
}

/** The header of a JWT. */
export function jwtHeader(token) {
  return JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString("utf8"));
}
