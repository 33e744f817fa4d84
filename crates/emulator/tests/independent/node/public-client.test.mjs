// MSAL for Node's public client against the emulator: authorization code with PKCE (MSAL makes
// the authorize URL, a browser-like client signs in through the form, MSAL redeems the code and
// checks state and nonce), the device code flow, and refresh (acquireTokenSilent from the cache,
// with forceRefresh and for SharePoint; acquireTokenByRefreshToken), with the errors MSAL meets:
// a wrong PKCE verifier, MFA newly required, revoked sessions, an unknown refresh token.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { CryptoProvider, InteractionRequiredAuthError } from "@azure/msal-node";

import {
  ADMIN, Browser, GRAPH_APP_ID, GRAPH_DEFAULT_SCOPE, PUBLIC_CLIENT_ID, REDIRECT_URI, TENANT_ID,
  graph, jwtClaims, publicClient, startEmulator,
} from "./harness.mjs";

const SCOPES = [GRAPH_DEFAULT_SCOPE];
// A scope the token response grants: what MSAL's cache can match (`.default` is never granted as such).
const USER_READ = "https://graph.microsoft.com/User.Read";
const SHAREPOINT_DEFAULT_SCOPE = "https://contoso.sharepoint.com/.default";

let emulator;
before(async () => { emulator = await startEmulator(); });
after(async () => { await emulator?.stop(); });

/** MSAL's auth code flow with PKCE; returns MSAL's result and the authorize URL it made.
 * `verifierFor` picks the code verifier sent; `expectedNonce` is the ID token nonce MSAL is told
 * to insist on (by default the one in the authorize URL). */
async function signInWithAuthCode(app, { verifierFor = (pkce) => pkce.verifier, nonce, expectedNonce = nonce } = {}) {
  const crypto = new CryptoProvider();
  const pkce = await crypto.generatePkceCodes();
  const state = crypto.createNewGuid();
  const url = await app.getAuthCodeUrl({
    scopes: SCOPES,
    redirectUri: REDIRECT_URI,
    codeChallenge: pkce.challenge,
    codeChallengeMethod: "S256",
    state,
    nonce,
  });
  const authorize = new URL(url);
  const response = await new Browser().signIn(url);
  assert.equal(response.state, state, "the state comes back unchanged");
  assert.ok(response.code, `an authorization code: ${JSON.stringify(response)}`);
  const result = await app.acquireTokenByCode({
    code: response.code,
    codeVerifier: verifierFor(pkce),
    redirectUri: REDIRECT_URI,
    scopes: SCOPES,
    state,
    nonce: expectedNonce,
  }, { code: response.code, state: response.state, client_info: response.client_info });
  return { result, authorize };
}

describe("authorization code with PKCE", () => {
  test("MSAL's authorize URL goes to the emulator's tenant with an S256 challenge", async () => {
    const { authorize } = await signInWithAuthCode(publicClient(emulator.authority));

    assert.equal(authorize.origin, emulator.baseUrl);
    assert.equal(authorize.pathname, `/${TENANT_ID}/oauth2/v2.0/authorize`);
    assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
    assert.equal(authorize.searchParams.get("client_id"), PUBLIC_CLIENT_ID);
  });

  test("the code is redeemed for Graph access, an ID token and an account", async () => {
    const app = publicClient(emulator.authority);
    const { result } = await signInWithAuthCode(app);

    const claims = jwtClaims(result.accessToken);
    assert.ok(["https://graph.microsoft.com", GRAPH_APP_ID].includes(claims.aud), `aud: ${claims.aud}`);
    assert.equal(claims.tid, TENANT_ID);
    assert.ok(claims.scp.split(" ").includes("User.Read"), `delegated scopes: ${claims.scp}`);
    assert.ok(result.scopes.includes(USER_READ), `MSAL's scopes: ${result.scopes}`);
    assert.equal(result.tenantId, TENANT_ID);
    assert.equal(result.account.username, ADMIN.login);
    assert.equal(result.idTokenClaims.preferred_username, ADMIN.login);
    assert.equal(result.idTokenClaims.aud, PUBLIC_CLIENT_ID);
    assert.ok(result.expiresOn > new Date());
    const accounts = await app.getTokenCache().getAllAccounts();
    assert.deepEqual(accounts.map((a) => a.username), [ADMIN.login]);
    assert.equal(accounts[0].homeAccountId, result.account.homeAccountId);
  });

  test("MSAL read the tenant's OpenID configuration from the emulator", async () => {
    await signInWithAuthCode(publicClient(emulator.authority));

    const log = await (await fetch(`${emulator.baseUrl}/_emulator/requests`)).json();
    const paths = log.value.map((r) => r.path);
    assert.ok(paths.includes(`/${TENANT_ID}/v2.0/.well-known/openid-configuration`), paths.join("\n"));
  });

  test("the home account id is the user's object id and tenant (client_info)", async () => {
    const { result } = await signInWithAuthCode(publicClient(emulator.authority));

    assert.equal(result.account.homeAccountId, `${result.idTokenClaims.oid}.${TENANT_ID}`);
    assert.equal(result.account.localAccountId, result.idTokenClaims.oid);
    assert.equal(result.account.environment, new URL(emulator.baseUrl).host);
  });

  test("the ID token carries the nonce MSAL put in the authorize URL", async () => {
    const nonce = new CryptoProvider().createNewGuid();
    const { result, authorize } = await signInWithAuthCode(publicClient(emulator.authority), { nonce });

    assert.equal(authorize.searchParams.get("nonce"), nonce);
    assert.equal(result.idTokenClaims.nonce, nonce);
  });

  test("MSAL refuses an ID token whose nonce is not the one it sent", async () => {
    const app = publicClient(emulator.authority);
    const nonce = new CryptoProvider().createNewGuid();

    await assert.rejects(signInWithAuthCode(app, { nonce, expectedNonce: "another-nonce" }), (error) => {
      assert.equal(error.errorCode, "nonce_mismatch", `${error.errorCode}: ${error.errorMessage}`);
      return true;
    });
  });

  test("a sign-in through the organizations authority lands in the user's tenant", async () => {
    const app = publicClient(`${emulator.baseUrl}/organizations`);
    const { result } = await signInWithAuthCode(app);

    assert.equal(result.tenantId, TENANT_ID);
    assert.equal(result.idTokenClaims.tid, TENANT_ID);
    const refreshed = await app.acquireTokenSilent({ account: result.account, scopes: SCOPES, forceRefresh: true });
    assert.equal(jwtClaims(refreshed.accessToken).tid, TENANT_ID);
  });

  test("the access token reads the signed-in user from Graph", async () => {
    const { result } = await signInWithAuthCode(publicClient(emulator.authority));

    const me = await graph(emulator.baseUrl, result.accessToken, "GET", "/me");

    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(me.body.userPrincipalName, ADMIN.login);
    assert.equal(me.body.id, result.account.localAccountId);
  });

  test("a wrong PKCE verifier is refused with invalid_grant", async () => {
    const app = publicClient(emulator.authority);

    await assert.rejects(
      signInWithAuthCode(app, { verifierFor: () => new CryptoProvider().createNewGuid() + "-wrong-verifier-wrong" }),
      (error) => {
        assert.equal(error.errorCode, "invalid_grant", `${error.errorCode}: ${error.errorMessage}`);
        assert.match(error.errorMessage, /AADSTS\d+/);
        return true;
      },
    );
  });
});

describe("device code", () => {
  test("MSAL's device code flow completes once the person signs in on /devicelogin", async () => {
    const app = publicClient(emulator.authority);
    let shown;

    const result = await app.acquireTokenByDeviceCode({
      scopes: SCOPES,
      deviceCodeCallback: async (response) => {
        shown = response;
        const browser = new Browser();
        const page = await browser.request(response.verificationUri, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ otc: response.userCode }).toString(),
        });
        await browser.signInOnPage(page);
      },
    });

    assert.equal(shown.verificationUri, `${emulator.baseUrl}/devicelogin`);
    assert.match(shown.message, new RegExp(shown.userCode));
    assert.equal(result.account.username, ADMIN.login);
    assert.equal(jwtClaims(result.accessToken).tid, TENANT_ID);
  });
});

describe("refresh", () => {
  test("acquireTokenSilent is served from the cache while the token is fresh", async () => {
    const app = publicClient(emulator.authority);
    const { result } = await signInWithAuthCode(app);

    const silent = await app.acquireTokenSilent({ account: result.account, scopes: [USER_READ] });

    assert.equal(silent.fromCache, true);
    assert.equal(silent.accessToken, result.accessToken);
  });

  test("acquireTokenSilent with forceRefresh redeems the cached refresh token", async () => {
    const app = publicClient(emulator.authority);
    const { result } = await signInWithAuthCode(app);

    const refreshed = await app.acquireTokenSilent({ account: result.account, scopes: SCOPES, forceRefresh: true });

    assert.equal(refreshed.fromCache, false);
    assert.notEqual(refreshed.accessToken, result.accessToken);
    assert.equal(jwtClaims(refreshed.accessToken).oid, jwtClaims(result.accessToken).oid);
    const me = await graph(emulator.baseUrl, refreshed.accessToken, "GET", "/me");
    assert.equal(me.status, 200, JSON.stringify(me.body));
  });

  test("the refresh token also gets a SharePoint token, which reads the site over SharePoint REST", async () => {
    const app = publicClient(emulator.authority);
    const { result } = await signInWithAuthCode(app);

    const sharepoint = await app.acquireTokenSilent({ account: result.account, scopes: [SHAREPOINT_DEFAULT_SCOPE] });

    assert.equal(sharepoint.fromCache, false);
    assert.equal(jwtClaims(sharepoint.accessToken).aud, "https://contoso.sharepoint.com");
    const web = await fetch(`${emulator.baseUrl}/sites/hr/_api/web`, {
      headers: { authorization: `Bearer ${sharepoint.accessToken}`, accept: "application/json;odata=nometadata" },
    });
    assert.equal(web.status, 200, await web.clone().text());
    assert.equal((await web.json()).ServerRelativeUrl, "/sites/hr");
  });

  test("acquireTokenByRefreshToken redeems a refresh token taken from the cache", async () => {
    const app = publicClient(emulator.authority);
    await signInWithAuthCode(app);
    const cache = JSON.parse(app.getTokenCache().serialize());
    const [refreshToken] = Object.values(cache.RefreshToken).map((entry) => entry.secret);
    assert.ok(refreshToken, "MSAL cached a refresh token");

    const other = publicClient(emulator.authority);
    const result = await other.acquireTokenByRefreshToken({ refreshToken, scopes: SCOPES });

    assert.equal(result.account.username, ADMIN.login);
    assert.equal(jwtClaims(result.accessToken).tid, TENANT_ID);
  });

  test("when the tenant starts requiring MFA, a silent refresh asks for interaction", async () => {
    const app = publicClient(emulator.authority);
    const { result } = await signInWithAuthCode(app);
    const mfa = (required) => fetch(`${emulator.baseUrl}/_emulator/users/${ADMIN.login}/mfa`, {
      method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ required }),
    });
    assert.equal((await mfa(true)).status, 204);
    try {
      await assert.rejects(
        app.acquireTokenSilent({ account: result.account, scopes: SCOPES, forceRefresh: true }),
        (error) => {
          assert.ok(error instanceof InteractionRequiredAuthError, `${error.name}: ${error.errorCode}`);
          assert.equal(error.errorCode, "interaction_required");
          return true;
        },
      );
    } finally {
      assert.equal((await mfa(false)).status, 204);
    }
  });

  test("after the user's sessions are revoked, the refresh token is refused with invalid_grant", async () => {
    const app = publicClient(emulator.authority);
    const { result } = await signInWithAuthCode(app);
    const revoked = await fetch(`${emulator.baseUrl}/_emulator/users/${ADMIN.login}/revoke-sessions`, { method: "POST" });
    assert.ok([200, 204].includes(revoked.status), `revoke-sessions answered ${revoked.status}`);

    await assert.rejects(
      app.acquireTokenSilent({ account: result.account, scopes: SCOPES, forceRefresh: true }),
      (error) => {
        assert.equal(error.errorCode, "invalid_grant", `${error.errorCode}: ${error.errorMessage}`);
        assert.match(error.errorMessage, /AADSTS50173/);
        return true;
      },
    );
  });

  test("a refresh token the emulator never issued is refused with invalid_grant", async () => {
    const app = publicClient(emulator.authority);

    await assert.rejects(
      app.acquireTokenByRefreshToken({ refreshToken: "not-a-refresh-token", scopes: SCOPES }),
      (error) => {
        assert.equal(error.errorCode, "invalid_grant", `${error.errorCode}: ${error.errorMessage}`);
        return true;
      },
    );
  });
});
