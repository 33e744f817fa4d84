"""A connection's app (certificate credential, Graph Sites.Read.All granted) driven by MSAL for
Python's ConfidentialClientApplication: client credentials with a signed client assertion.

MSAL 1.39.0 has two certificate forms (msal/application.py, `_build_client`):
`{"private_key", "thumbprint"}` signs RS256 with `x5t` (SHA-1), and
`{"private_key", "public_certificate"}` computes the SHA-256 thumbprint and signs PS256 with
`x5t#S256` (plus `x5c`). It has no `thumbprint_sha256` key.
"""

from __future__ import annotations

import base64
import hashlib
import time

import jwt
import msal
import pytest
import requests
from msal.oauth2cli.assertion import JwtAssertionCreator

from emulator_harness import (
    GRAPH_DEFAULT_SCOPE,
    ClientCertificate,
    b64url,
    jwt_claims,
)

class RecordingSession(requests.Session):
    """A requests session that remembers the form bodies MSAL posts (to look at the assertion)."""

    def __init__(self, ca_bundle: str) -> None:
        super().__init__()
        self.verify = ca_bundle
        self.trust_env = False
        self.posted: list[dict] = []

    def post(self, url, data=None, **kwargs):
        self.posted.append(dict(data or {}))
        return super().post(url, data=data, **kwargs)


def confidential_app(
    app_id: str, authority: str, ca_bundle: str, credential: dict, http_client=None
) -> msal.ConfidentialClientApplication:
    options = {"http_client": http_client} if http_client else {"verify": ca_bundle}
    return msal.ConfidentialClientApplication(
        app_id,
        authority=authority,
        client_credential=credential,
        instance_discovery=False,
        **options,
    )


def sha1_credential(certificate: ClientCertificate) -> dict:
    return {"private_key": certificate.private_key_pem, "thumbprint": certificate.sha1_hex}


def public_certificate_credential(certificate: ClientCertificate) -> dict:
    return {
        "private_key": certificate.private_key_pem,
        "public_certificate": certificate.certificate_pem,
    }


def assertion_credential(
    certificate: ClientCertificate,
    app_id: str,
    token_url: str,
    algorithm: str,
    padded: bool,
    integer_dates: bool,
) -> dict:
    """A `client_assertion` callable built with MSAL's own JwtAssertionCreator, with the
    thumbprint header padded or not and the dates integer or (as MSAL makes them) fractional."""
    if algorithm == "RS256":
        name, value = "x5t", hashlib.sha1(certificate.der).digest()
    else:
        name, value = "x5t#S256", hashlib.sha256(certificate.der).digest()
    thumbprint = base64.urlsafe_b64encode(value).decode() if padded else b64url(value)
    creator = JwtAssertionCreator(
        certificate.private_key_pem, algorithm=algorithm, headers={name: thumbprint}
    )

    def assertion() -> bytes:
        if integer_dates:
            now = int(time.time())
            return creator.create_normal_assertion(
                token_url, app_id, expires_at=now + 600, issued_at=now
            )
        return creator.create_normal_assertion(token_url, app_id)  # MSAL's defaults: floats

    return {"client_assertion": assertion}


def assert_app_token_reads_root_site(result: dict, base_url: str, ca_bundle: str) -> None:
    assert "error" not in result, result
    assert result["token_type"] == "Bearer"
    assert "refresh_token" not in result
    claims = jwt_claims(result["access_token"])
    assert "Sites.Read.All" in claims.get("roles", []), claims
    assert "scp" not in claims
    site = requests.get(
        f"{base_url}/v1.0/sites/root",
        headers={"Authorization": f"Bearer {result['access_token']}"},
        verify=ca_bundle,
    )
    assert site.status_code == 200, site.text
    assert site.json()["id"].startswith("contoso.sharepoint.com,")


@pytest.fixture(scope="module")
def token_url(authority) -> str:
    return f"{authority}/oauth2/v2.0/token"


# ---- what MSAL sends ----------------------------------------------------------------------------


def test_msal_signs_rs256_with_x5t_for_a_sha1_thumbprint(
    connection_app, authority, ca_bundle, token_url
):
    recorder = RecordingSession(ca_bundle)
    app = confidential_app(
        connection_app.app_id, authority, ca_bundle, sha1_credential(connection_app.certificate), recorder
    )

    app.acquire_token_for_client([GRAPH_DEFAULT_SCOPE])

    sent = recorder.posted[-1]
    header = jwt.get_unverified_header(sent["client_assertion"])
    assert header["alg"] == "RS256"
    assert header["x5t"].rstrip("=") == b64url(bytes.fromhex(connection_app.certificate.sha1_hex))
    claims = jwt.decode(sent["client_assertion"], options={"verify_signature": False})
    assert claims["aud"] == token_url
    assert claims["iss"] == claims["sub"] == connection_app.app_id


def test_msal_signs_ps256_with_x5t_s256_for_a_public_certificate(
    connection_app, authority, ca_bundle
):
    recorder = RecordingSession(ca_bundle)
    app = confidential_app(
        connection_app.app_id,
        authority,
        ca_bundle,
        public_certificate_credential(connection_app.certificate),
        recorder,
    )

    app.acquire_token_for_client([GRAPH_DEFAULT_SCOPE])

    header = jwt.get_unverified_header(recorder.posted[-1]["client_assertion"])
    assert header["alg"] == "PS256"
    expected = b64url(bytes.fromhex(connection_app.certificate.sha256_hex))
    assert header["x5t#S256"].rstrip("=") == expected
    assert "x5c" in header


# ---- MSAL as applications use it --------------------------------------------------------------


def test_msal_certificate_with_sha1_thumbprint_gets_sites_read_all(
    connection_app, authority, ca_bundle, base_url
):
    app = confidential_app(
        connection_app.app_id, authority, ca_bundle, sha1_credential(connection_app.certificate)
    )

    result = app.acquire_token_for_client([GRAPH_DEFAULT_SCOPE])

    assert_app_token_reads_root_site(result, base_url, ca_bundle)


def test_msal_certificate_with_public_certificate_ps256_gets_sites_read_all(
    connection_app, authority, ca_bundle, base_url
):
    app = confidential_app(
        connection_app.app_id,
        authority,
        ca_bundle,
        public_certificate_credential(connection_app.certificate),
    )

    result = app.acquire_token_for_client([GRAPH_DEFAULT_SCOPE])

    assert_app_token_reads_root_site(result, base_url, ca_bundle)


# ---- the same, one difference at a time ----------------------------------------------------


@pytest.mark.parametrize("algorithm", ["RS256", "PS256"])
def test_assertion_with_unpadded_thumbprint_and_integer_dates_gets_sites_read_all(
    connection_app, authority, ca_bundle, base_url, token_url, algorithm
):
    credential = assertion_credential(
        connection_app.certificate, connection_app.app_id, token_url, algorithm,
        padded=False, integer_dates=True,
    )
    app = confidential_app(connection_app.app_id, authority, ca_bundle, credential)

    result = app.acquire_token_for_client([GRAPH_DEFAULT_SCOPE])

    assert_app_token_reads_root_site(result, base_url, ca_bundle)


@pytest.mark.parametrize("algorithm", ["RS256", "PS256"])
def test_assertion_with_padded_thumbprint_is_accepted(
    connection_app, authority, ca_bundle, token_url, algorithm
):
    credential = assertion_credential(
        connection_app.certificate, connection_app.app_id, token_url, algorithm,
        padded=True, integer_dates=True,
    )
    app = confidential_app(connection_app.app_id, authority, ca_bundle, credential)

    result = app.acquire_token_for_client([GRAPH_DEFAULT_SCOPE])

    assert "error" not in result, result


@pytest.mark.parametrize("algorithm", ["RS256", "PS256"])
def test_assertion_with_fractional_numeric_dates_is_accepted(
    connection_app, authority, ca_bundle, token_url, algorithm
):
    credential = assertion_credential(
        connection_app.certificate, connection_app.app_id, token_url, algorithm,
        padded=False, integer_dates=False,
    )
    app = confidential_app(connection_app.app_id, authority, ca_bundle, credential)

    result = app.acquire_token_for_client([GRAPH_DEFAULT_SCOPE])

    assert "error" not in result, result


# ---- a certificate the app does not have ---------------------------------------------------


def test_msal_certificate_not_registered_on_the_app_is_invalid_client_700027(
    connection_app, authority, ca_bundle
):
    # (Today MSAL's padded x5t alone would give 700027 too; the test after this one keeps the
    # check meaningful with a thumbprint the emulator can read.)
    stranger = ClientCertificate(common_name="not registered")
    app = confidential_app(connection_app.app_id, authority, ca_bundle, sha1_credential(stranger))

    result = app.acquire_token_for_client([GRAPH_DEFAULT_SCOPE])

    assert result.get("error") == "invalid_client", result
    assert 700027 in result.get("error_codes", []), result


@pytest.mark.parametrize("algorithm", ["RS256", "PS256"])
def test_well_formed_assertion_from_an_unregistered_certificate_is_invalid_client_700027(
    connection_app, authority, ca_bundle, token_url, algorithm
):
    stranger = ClientCertificate(common_name="not registered")
    credential = assertion_credential(
        stranger, connection_app.app_id, token_url, algorithm, padded=False, integer_dates=True
    )
    app = confidential_app(connection_app.app_id, authority, ca_bundle, credential)

    result = app.acquire_token_for_client([GRAPH_DEFAULT_SCOPE])

    assert result.get("error") == "invalid_client", result
    assert 700027 in result.get("error_codes", []), result
