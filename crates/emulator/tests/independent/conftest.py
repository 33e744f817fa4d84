"""Fixtures for testing the tenant emulator with Microsoft's MSAL for Python.

MSAL Python insists on an https authority, so the session's emulator serves HTTPS with a
self-signed certificate for 127.0.0.1 that MSAL and requests trust through `verify=<path>`.
`instance_discovery=False` keeps MSAL from asking login.microsoftonline.com about the authority.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import msal
import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from emulator_harness import (  # noqa: E402
    ADMIN,
    GRAPH_DEFAULT_SCOPE,
    PUBLIC_CLIENT_ID,
    REDIRECT_URI,
    TENANT_ID,
    ConnectionApp,
    Graph,
    RunningEmulator,
    create_connection_app,
    redirect_parameters,
    submit_sign_in,
    write_tls_certificate,
)


@pytest.fixture(scope="session", autouse=True)
def honour_verify_argument():
    """requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a session's `verify`, which is
    how MSAL applies its `verify=` argument; clear them so the test CA bundle is used. Loopback
    traffic must never go through a proxy either."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
            patch.delenv(name, raising=False)
        no_proxy = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))
        patch.setenv("NO_PROXY", no_proxy)
        patch.setenv("no_proxy", no_proxy)
        yield


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory) -> tuple[Path, Path]:
    return write_tls_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def ca_bundle(tls_files) -> str:
    """The CA bundle clients trust: the emulator's self-signed certificate."""
    return str(tls_files[0])


@pytest.fixture(scope="session")
def emulator(tls_files, honour_verify_argument):
    cert, key = tls_files
    running = RunningEmulator(["--tls-cert", str(cert), "--tls-key", str(key)])
    assert running.base_url.startswith("https://127.0.0.1:"), running.base_url
    yield running
    running.stop()


@pytest.fixture(scope="session")
def base_url(emulator) -> str:
    return emulator.base_url


@pytest.fixture(scope="session")
def authority(base_url) -> str:
    return f"{base_url}/{TENANT_ID}"


@pytest.fixture
def browser(ca_bundle):
    """A fresh browser-like session (its own cookies) trusting the emulator's certificate."""
    with requests.Session() as session:
        session.verify = ca_bundle
        yield session


@pytest.fixture
def public_app(authority, ca_bundle) -> msal.PublicClientApplication:
    """spconnect's public client, as MSAL sees it (a fresh token cache per test)."""
    return msal.PublicClientApplication(
        PUBLIC_CLIENT_ID, authority=authority, verify=ca_bundle, instance_discovery=False
    )


def sign_in_with_auth_code_flow(app: msal.PublicClientApplication, browser, user=ADMIN) -> dict:
    """MSAL's auth code flow, with the browser part done by submitting the sign-in form: MSAL
    builds the authorize URL (PKCE, state, nonce), the form is submitted as `user`, and the
    code and state of the 302's Location go back to MSAL."""
    flow = app.initiate_auth_code_flow(scopes=[GRAPH_DEFAULT_SCOPE], redirect_uri=REDIRECT_URI)
    page = browser.get(flow["auth_uri"], allow_redirects=False)
    assert page.status_code == 200, page.text
    response = redirect_parameters(submit_sign_in(browser, page, *user))
    return app.acquire_token_by_auth_code_flow(flow, response)


@pytest.fixture
def auth_code_sign_in(browser):
    """`auth_code_sign_in(app)` runs MSAL's auth code flow as the administrator."""
    return lambda app, user=ADMIN: sign_in_with_auth_code_flow(app, browser, user)


@pytest.fixture(scope="session")
def admin_graph(authority, ca_bundle, base_url) -> Graph:
    """Graph with the administrator's delegated token, obtained through MSAL."""
    app = msal.PublicClientApplication(
        PUBLIC_CLIENT_ID, authority=authority, verify=ca_bundle, instance_discovery=False
    )
    with requests.Session() as browser:
        browser.verify = ca_bundle
        result = sign_in_with_auth_code_flow(app, browser)
    assert "access_token" in result, result
    session = requests.Session()
    session.verify = ca_bundle
    yield Graph(session, base_url, result["access_token"])
    session.close()


@pytest.fixture(scope="session")
def connection_app(admin_graph) -> ConnectionApp:
    """An app with a certificate, its service principal and Graph Sites.Read.All granted."""
    return create_connection_app(admin_graph, "Sites.Read.All", "MSAL confidential client")
