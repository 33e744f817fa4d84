"""spconnect's public client driven by MSAL for Python: auth code + PKCE, refresh tokens, the
token cache and the device code flow, against the emulator's identity endpoints."""

from __future__ import annotations

import msal
import pytest

from emulator_harness import (
    ADMIN,
    GRAPH_DEFAULT_SCOPE,
    PUBLIC_CLIENT_ID,
    TENANT_ID,
    approve_device_code,
    jwt_claims,
)

USER_READ = "https://graph.microsoft.com/User.Read"


def test_auth_code_flow_returns_access_id_and_refresh_tokens(public_app, auth_code_sign_in):
    result = auth_code_sign_in(public_app)

    assert "error" not in result, result
    assert result["token_type"] == "Bearer"
    assert result["access_token"]
    assert result["refresh_token"]
    claims = result["id_token_claims"]  # parsed (and checked: nonce, aud, iss) by MSAL
    assert claims["preferred_username"] == ADMIN[0]
    assert claims["aud"] == PUBLIC_CLIENT_ID
    assert claims["tid"] == TENANT_ID


def test_auth_code_access_token_is_for_graph_with_delegated_scopes(public_app, auth_code_sign_in):
    result = auth_code_sign_in(public_app)

    claims = jwt_claims(result["access_token"])
    assert claims["aud"] in ("https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000")
    assert "User.Read" in claims["scp"].split()
    assert claims["tid"] == TENANT_ID


def test_auth_code_flow_puts_the_account_in_msal_cache(public_app, auth_code_sign_in):
    auth_code_sign_in(public_app)

    accounts = public_app.get_accounts()
    assert [a["username"] for a in accounts] == [ADMIN[0]]
    assert accounts[0]["realm"] == TENANT_ID


def test_refresh_token_gives_a_new_access_token(public_app, auth_code_sign_in):
    first = auth_code_sign_in(public_app)

    refreshed = public_app.acquire_token_by_refresh_token(
        first["refresh_token"], scopes=[GRAPH_DEFAULT_SCOPE]
    )

    assert "error" not in refreshed, refreshed
    assert refreshed["access_token"] and refreshed["access_token"] != first["access_token"]
    assert refreshed["refresh_token"] != first["refresh_token"], "refresh tokens rotate"
    assert [a["username"] for a in public_app.get_accounts()] == [ADMIN[0]]


def test_silent_acquisition_for_a_granted_scope_is_served_from_the_cache(
    public_app, auth_code_sign_in
):
    first = auth_code_sign_in(public_app)
    account = public_app.get_accounts()[0]

    silent = public_app.acquire_token_silent([USER_READ], account=account)

    assert silent is not None and "error" not in silent, silent
    assert silent["token_source"] == "cache"
    assert silent["access_token"] == first["access_token"]


def test_silent_acquisition_with_force_refresh_redeems_the_cached_refresh_token(
    public_app, auth_code_sign_in
):
    first = auth_code_sign_in(public_app)
    account = public_app.get_accounts()[0]

    silent = public_app.acquire_token_silent(
        [GRAPH_DEFAULT_SCOPE], account=account, force_refresh=True
    )

    assert silent is not None and "error" not in silent, silent
    assert silent["token_source"] == "identity_provider"
    assert silent["access_token"] != first["access_token"]
    assert silent["id_token_claims"]["preferred_username"] == ADMIN[0]


def test_device_code_flow_is_pending_until_the_person_signs_in(public_app):
    flow = public_app.initiate_device_flow(scopes=[GRAPH_DEFAULT_SCOPE])
    assert "user_code" in flow, flow

    # One poll only: the code has not been entered yet.
    pending = public_app.acquire_token_by_device_flow(flow, exit_condition=lambda flow: True)

    assert pending.get("error") == "authorization_pending", pending


def test_device_code_flow_completes_after_signing_in_on_devicelogin(public_app, browser, base_url):
    flow = public_app.initiate_device_flow(scopes=[GRAPH_DEFAULT_SCOPE])
    assert "user_code" in flow, flow
    assert flow["verification_uri"] == f"{base_url}/devicelogin"
    assert flow["user_code"] in flow["message"]

    done = approve_device_code(browser, base_url, flow["user_code"], *ADMIN)
    assert done.status_code == 200, done.text

    result = public_app.acquire_token_by_device_flow(flow)

    assert "error" not in result, result
    assert result["access_token"]
    assert result["id_token_claims"]["preferred_username"] == ADMIN[0]
    assert [a["username"] for a in public_app.get_accounts()] == [ADMIN[0]]


@pytest.mark.parametrize("segment", ["organizations", "common"])
def test_a_multi_tenant_authority_signs_in_and_refreshes_after_a_device_code(
    segment, base_url, ca_bundle, browser
):
    """Azure Identity and many tools default to /organizations or /common: MSAL takes every
    endpoint from that authority's discovery document, signs the person in through the device
    code flow, and later refreshes silently in the person's own tenant."""
    app = msal.PublicClientApplication(
        PUBLIC_CLIENT_ID, authority=f"{base_url}/{segment}", verify=ca_bundle, instance_discovery=False
    )
    flow = app.initiate_device_flow(scopes=[GRAPH_DEFAULT_SCOPE])
    assert "user_code" in flow, flow
    assert approve_device_code(browser, base_url, flow["user_code"], *ADMIN).status_code == 200

    first = app.acquire_token_by_device_flow(flow)
    assert "error" not in first, first
    assert first["id_token_claims"]["tid"] == TENANT_ID

    account = app.get_accounts()[0]
    refreshed = app.acquire_token_silent([GRAPH_DEFAULT_SCOPE], account=account, force_refresh=True)
    assert refreshed is not None and "error" not in refreshed, refreshed
    assert refreshed["token_source"] == "identity_provider"
    assert refreshed["access_token"] != first["access_token"]
