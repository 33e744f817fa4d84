// MSAL for Node's confidential client against the emulator: client credentials with a certificate
// (`clientCertificate` with a SHA-256 or SHA-1 thumbprint and the private key, with and without
// the x5c chain), and with a client secret. The app registration, its certificate and Graph's Sites.Read.All grant are made
// first through Graph with an administrator's token, itself obtained through MSAL.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { ConfidentialClientApplication } from "@azure/msal-node";

import {
  Browser, GRAPH_DEFAULT_SCOPE, REDIRECT_URI, TENANT_ID, authorityOptions, confidentialClient, createConnectionApp,
  graph, jwtClaims, publicClient, startEmulator,
} from "./harness.mjs";
import { selfSignedCertificate } from "./x509.mjs";

const SCOPES = [GRAPH_DEFAULT_SCOPE];

let emulator;
let adminToken;
let connection;

before(async () => {
  emulator = await startEmulator();
  const admin = publicClient(emulator.authority);
  const url = await admin.getAuthCodeUrl({ scopes: SCOPES, redirectUri: REDIRECT_URI });
  const { code } = await new Browser().signIn(url);
  ({ accessToken: adminToken } = await admin.acquireTokenByCode({ code, redirectUri: REDIRECT_URI, scopes: SCOPES }));
  connection = await createConnectionApp(emulator.baseUrl, adminToken, "Sites.Read.All", "MSAL Node connection");
});
after(async () => { await emulator?.stop(); });

async function assertReadsRootSite(result) {
  const claims = jwtClaims(result.accessToken);
  assert.deepEqual(claims.roles, ["Sites.Read.All"]);
  assert.equal(claims.scp, undefined, "an application token has no delegated scopes");
  assert.equal(claims.tid, TENANT_ID);
  assert.equal(claims.appid ?? claims.azp, connection.application.appId);
  assert.equal(result.account, null, "client credentials have no account");
  const site = await graph(emulator.baseUrl, result.accessToken, "GET", "/sites/root");
  assert.equal(site.status, 200, JSON.stringify(site.body));
  assert.match(site.body.id, /^contoso\.sharepoint\.com,/);
}

test("a certificate with its SHA-256 thumbprint gets Sites.Read.All", async () => {
  const { certificate, application } = connection;
  const app = confidentialClient(emulator.authority, application.appId, {
    thumbprintSha256: certificate.sha256Hex, privateKey: certificate.privateKeyPem,
  });

  const result = await app.acquireTokenByClientCredential({ scopes: SCOPES });

  assert.equal(result.fromCache, false);
  await assertReadsRootSite(result);
});

test("a certificate with its SHA-1 thumbprint (older MSAL configuration) gets Sites.Read.All", async () => {
  const { certificate, application } = connection;
  const app = confidentialClient(emulator.authority, application.appId, {
    thumbprint: certificate.sha1Hex, privateKey: certificate.privateKeyPem,
  });

  await assertReadsRootSite(await app.acquireTokenByClientCredential({ scopes: SCOPES }));
});

test("a certificate sent with its x5c chain gets Sites.Read.All", async () => {
  const { certificate, application } = connection;
  const app = confidentialClient(emulator.authority, application.appId, {
    thumbprintSha256: certificate.sha256Hex, privateKey: certificate.privateKeyPem, x5c: certificate.certificatePem,
  });

  await assertReadsRootSite(await app.acquireTokenByClientCredential({ scopes: SCOPES }));
});

test("a second request is served from MSAL's cache", async () => {
  const { certificate, application } = connection;
  const app = confidentialClient(emulator.authority, application.appId, {
    thumbprintSha256: certificate.sha256Hex, privateKey: certificate.privateKeyPem,
  });
  const first = await app.acquireTokenByClientCredential({ scopes: SCOPES });

  const second = await app.acquireTokenByClientCredential({ scopes: SCOPES });

  assert.equal(second.fromCache, true);
  assert.equal(second.accessToken, first.accessToken);
});

test("a client secret from addPassword gets Sites.Read.All too", async () => {
  const added = await graph(emulator.baseUrl, adminToken, "POST",
    `/applications/${connection.application.id}/addPassword`, { passwordCredential: { displayName: "MSAL Node secret" } });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  const app = new ConfidentialClientApplication({
    auth: { clientId: connection.application.appId, clientSecret: added.body.secretText, ...authorityOptions(emulator.authority) },
  });

  await assertReadsRootSite(await app.acquireTokenByClientCredential({ scopes: SCOPES }));
});

test("a certificate not registered on the app is refused with invalid_client (AADSTS700027)", async () => {
  const stranger = selfSignedCertificate({ commonName: "not registered" });
  const app = confidentialClient(emulator.authority, connection.application.appId, {
    thumbprintSha256: stranger.sha256Hex, privateKey: stranger.privateKeyPem,
  });

  await assert.rejects(app.acquireTokenByClientCredential({ scopes: SCOPES }), (error) => {
    assert.equal(error.errorCode, "invalid_client", `${error.errorCode}: ${error.errorMessage}`);
    assert.match(error.errorMessage, /AADSTS700027/);
    return true;
  });
});

test("a registered thumbprint with the wrong private key is refused with invalid_client", async () => {
  const stranger = selfSignedCertificate({ commonName: "wrong key" });
  const app = confidentialClient(emulator.authority, connection.application.appId, {
    thumbprintSha256: connection.certificate.sha256Hex, privateKey: stranger.privateKeyPem,
  });

  await assert.rejects(app.acquireTokenByClientCredential({ scopes: SCOPES }), (error) => {
    assert.equal(error.errorCode, "invalid_client", `${error.errorCode}: ${error.errorMessage}`);
    return true;
  });
});
