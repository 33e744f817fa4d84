"""Shared helpers for the Python test suites of the tenant emulator (`independent/` and `fidelity/`).

Starts the `spconnect-emulator` binary on 127.0.0.1 (port 0, base URL read from its first stdout
line), makes certificates, and signs in the way a browser does: by submitting the emulator's plain
HTML sign-in form. Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import ipaddress
import os
import queue
import re
import secrets
import subprocess
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# crates/emulator/tests/independent/emulator_harness.py -> the repository root.
REPO_ROOT = Path(__file__).resolve().parents[4]

# The seeded demo tenant (crates/emulator/src/seed.rs) and spconnect's public client.
TENANT_ID = "b5a1c6d2-3e4f-4a5b-8c9d-0e1f2a3b4c5d"
TENANT_DOMAIN = "contoso.onmicrosoft.com"
SHAREPOINT_HOST = "contoso.sharepoint.com"
PUBLIC_CLIENT_ID = "5c0e6f2a-7b1d-4c8e-9a3f-2d4b6e8f0a1c"
ADMIN = ("admin@contoso.onmicrosoft.com", "Demo-Admin-2026!")
REDIRECT_URI = "http://localhost:53127/"

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
GRAPH_DEFAULT_SCOPE = "https://graph.microsoft.com/.default"
# The audience of addKey/removeKey proofs (docs/microsoft §2.6).
PROOF_AUDIENCE = "00000002-0000-0000-c000-000000000000"

# How long the binary may take to print its base URL (a start-up guard, not an assertion).
START_TIMEOUT_SECONDS = 60


def emulator_binary() -> Path:
    """The emulator binary: `$SPCONNECT_EMULATOR` (relative paths are taken from the repository
    root), else `target/debug/spconnect-emulator` in the repository."""
    configured = os.environ.get("SPCONNECT_EMULATOR")
    path = Path(configured) if configured else Path("target/debug/spconnect-emulator")
    return path if path.is_absolute() else REPO_ROOT / path


class RunningEmulator:
    """One `spconnect-emulator` process; `base_url` is what it printed first."""

    def __init__(self, extra_args: list[str] | None = None) -> None:
        binary = emulator_binary()
        if not binary.is_file():
            raise FileNotFoundError(
                f"no emulator binary at {binary}; build it with `cargo build -p spconnect-emulator` "
                "or point SPCONNECT_EMULATOR at it"
            )
        self.process = subprocess.Popen(
            [str(binary), "--port", "0", *(extra_args or [])],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stderr_lines: list[str] = []
        lines: queue.Queue[str | None] = queue.Queue()

        def pump(stream, sink) -> None:
            for line in stream:
                sink(line)
            sink(None)

        # Keep both pipes drained so the emulator never blocks on a full pipe.
        threading.Thread(target=pump, args=(self.process.stdout, lines.put), daemon=True).start()
        threading.Thread(
            target=pump,
            args=(self.process.stderr, lambda l: l is not None and self.stderr_lines.append(l)),
            daemon=True,
        ).start()
        try:
            first = lines.get(timeout=START_TIMEOUT_SECONDS)
        except queue.Empty:
            first = None
        if not first or not first.strip().startswith(("http://", "https://")):
            self.stop()
            raise RuntimeError(
                f"the emulator did not print its base URL (first line {first!r}); "
                f"stderr: {''.join(self.stderr_lines)}"
            )
        self.base_url = first.strip().rstrip("/")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# ---- certificates -----------------------------------------------------------------------------


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def write_tls_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed server certificate for IP 127.0.0.1 (SAN IP address); returns the PEM
    certificate (also the CA bundle clients trust) and PEM key paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - datetime.timedelta(hours=1))
        .not_valid_after(_now() + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "tls-cert.pem", directory / "tls-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@dataclass
class ClientCertificate:
    """An RSA-2048 self-signed certificate and its private key, as a connection generates them."""

    common_name: str = "spconnect python test"
    days: int = 30
    key: rsa.RSAPrivateKey = field(init=False)
    certificate: x509.Certificate = field(init=False)

    def __post_init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.common_name)])
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_now() - datetime.timedelta(hours=1))
            .not_valid_after(_now() + datetime.timedelta(days=self.days))
            .sign(self.key, hashes.SHA256())
        )

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def private_key_pem(self) -> str:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    @property
    def sha1_hex(self) -> str:
        return hashlib.sha1(self.der).hexdigest()

    @property
    def sha256_hex(self) -> str:
        return hashlib.sha256(self.der).hexdigest()

    @property
    def base64_der(self) -> str:
        """The `key` of a keyCredential: base64 of the DER certificate."""
        return base64.b64encode(self.der).decode()

    def key_credential(self) -> dict:
        """A `keyCredentials` entry for this certificate (docs/microsoft §2.6)."""
        return {
            "type": "AsymmetricX509Cert",
            "usage": "Verify",
            "key": self.base64_der,
            "displayName": f"CN={self.common_name}",
        }

    def proof(self, application_object_id: str) -> str:
        """An addKey/removeKey proof: RS256 + x5t, aud 00000002-…, iss = application object id."""
        import jwt  # PyJWT, installed with MSAL

        now = int(time.time())
        claims = {"aud": PROOF_AUDIENCE, "iss": application_object_id, "nbf": now, "exp": now + 600}
        headers = {"x5t": b64url(hashlib.sha1(self.der).digest())}
        return jwt.encode(claims, self.private_key_pem, algorithm="RS256", headers=headers)


# ---- sign-in through the HTML forms -----------------------------------------------------------

_FORM = re.compile(r'<form[^>]*\saction="([^"]+)"', re.IGNORECASE)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', re.IGNORECASE)


def _form(page: requests.Response) -> tuple[str, dict[str, str]]:
    """The (absolute) action and the hidden fields of the first form on an HTML page."""
    match = _FORM.search(page.text)
    if not match:
        raise AssertionError(f"no form on the page ({page.status_code}): {page.text[:2000]}")
    fields = {name: _unescape(value) for name, value in _HIDDEN.findall(page.text)}
    return urllib.parse.urljoin(page.url, _unescape(match.group(1))), fields


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def submit_sign_in(
    session: requests.Session, page: requests.Response, login: str, password: str
) -> requests.Response:
    """Submits the sign-in form shown on `page` (hidden `ctx`, fields `login` and `passwd`) and,
    if a consent page follows, accepts it. Returns the final response (not following redirects)."""
    action, fields = _form(page)
    if "ctx" not in fields:
        raise AssertionError(f"not a sign-in page: {page.text[:2000]}")
    reply = session.post(
        action, data={**fields, "login": login, "passwd": password}, allow_redirects=False
    )
    if reply.status_code == 200 and 'name="action" value="accept"' in reply.text:
        action, fields = _form(reply)
        reply = session.post(action, data={**fields, "action": "accept"}, allow_redirects=False)
    return reply


def redirect_parameters(reply: requests.Response) -> dict[str, str]:
    """The query parameters of a 302's Location (the authorization response)."""
    if reply.status_code != 302:
        raise AssertionError(f"expected a redirect back to the app, got {reply.status_code}: {reply.text[:2000]}")
    query = urllib.parse.urlsplit(reply.headers["Location"]).query
    return dict(urllib.parse.parse_qsl(query))


def approve_device_code(
    session: requests.Session, base_url: str, user_code: str, login: str, password: str
) -> requests.Response:
    """Enters the user code on `/devicelogin` and signs in; returns the final page."""
    page = session.post(f"{base_url}/devicelogin", data={"otc": user_code}, allow_redirects=False)
    if page.status_code != 200:
        raise AssertionError(f"/devicelogin answered {page.status_code}: {page.text[:2000]}")
    return submit_sign_in(session, page, login, password)


def delegated_token(
    session: requests.Session,
    base_url: str,
    login: str,
    password: str,
    scope: str = f"openid profile offline_access {GRAPH_DEFAULT_SCOPE}",
) -> dict:
    """A delegated token for spconnect's public client through authorization code + PKCE, with
    plain HTTP requests (for suites that do not use MSAL)."""
    verifier = secrets.token_urlsafe(48)
    challenge = b64url(hashlib.sha256(verifier.encode()).digest())
    state = str(uuid.uuid4())
    authorize = f"{base_url}/{TENANT_ID}/oauth2/v2.0/authorize?" + urllib.parse.urlencode(
        {
            "client_id": PUBLIC_CLIENT_ID,
            "response_type": "code",
            "redirect_uri": REDIRECT_URI,
            "scope": scope,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    page = session.get(authorize, allow_redirects=False)
    params = redirect_parameters(submit_sign_in(session, page, login, password))
    if params.get("state") != state or "code" not in params:
        raise AssertionError(f"unexpected authorization response: {params}")
    reply = session.post(
        f"{base_url}/{TENANT_ID}/oauth2/v2.0/token",
        data={
            "client_id": PUBLIC_CLIENT_ID,
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
            "scope": scope,
        },
    )
    if reply.status_code != 200:
        raise AssertionError(f"code redemption failed ({reply.status_code}): {reply.text}")
    return reply.json()


def app_only_token(session: requests.Session, base_url: str, app_id: str, certificate: "ClientCertificate") -> dict:
    """An application token through client credentials with a certificate: a client assertion
    (RS256, `x5t#S256` header, aud = the token endpoint) signed by the app's key, with plain
    HTTP requests (for suites that do not use MSAL)."""
    import jwt  # PyJWT, installed with MSAL

    token_url = f"{base_url}/{TENANT_ID}/oauth2/v2.0/token"
    now = int(time.time())
    claims = {"aud": token_url, "iss": app_id, "sub": app_id, "jti": str(uuid.uuid4()),
              "nbf": now, "iat": now, "exp": now + 600}
    headers = {"x5t#S256": b64url(hashlib.sha256(certificate.der).digest())}
    assertion = jwt.encode(claims, certificate.private_key_pem, algorithm="RS256", headers=headers)
    reply = session.post(
        token_url,
        data={
            "client_id": app_id,
            "grant_type": "client_credentials",
            "scope": GRAPH_DEFAULT_SCOPE,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
    )
    if reply.status_code != 200:
        raise AssertionError(f"client credentials failed ({reply.status_code}): {reply.text}")
    return reply.json()


# ---- Graph ----------------------------------------------------------------------------------


class Graph:
    """Microsoft Graph v1.0 on the emulator, with one bearer token."""

    def __init__(self, session: requests.Session, base_url: str, token: str) -> None:
        self.session = session
        self.root = f"{base_url}/v1.0"
        self.token = token

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.session.request(
            method, f"{self.root}{path}", headers=headers, allow_redirects=False, **kwargs
        )

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: dict, **kwargs) -> requests.Response:
        return self.request("POST", path, json=body, **kwargs)

    def patch(self, path: str, body: dict, **kwargs) -> requests.Response:
        return self.request("PATCH", path, json=body, **kwargs)


def expect(reply: requests.Response, status: int) -> dict:
    """The JSON body of `reply`, after checking its status."""
    if reply.status_code != status:
        raise AssertionError(
            f"{reply.request.method} {reply.request.url} answered {reply.status_code}, "
            f"expected {status}: {reply.text[:2000]}"
        )
    return reply.json() if reply.content else {}


@dataclass
class ConnectionApp:
    """An app registration with a certificate, its service principal and a granted Graph role."""

    application: dict
    service_principal: dict
    assignment: dict
    certificate: ClientCertificate

    @property
    def app_id(self) -> str:
        return self.application["appId"]


def graph_service_principal(graph: Graph) -> dict:
    """Microsoft Graph's service principal in the tenant: id and appRoles."""
    return expect(graph.get(f"/servicePrincipals(appId='{GRAPH_APP_ID}')?$select=id,appRoles"), 200)


def create_connection_app(
    graph: Graph, role: str = "Sites.Read.All", display_name: str = "Python test connection"
) -> ConnectionApp:
    """Creates (with an administrator's delegated token) an application holding a fresh
    certificate, its service principal, and grants it the Graph app role `role`."""
    certificate = ClientCertificate()
    application = expect(
        graph.post(
            "/applications",
            {
                "displayName": display_name,
                "signInAudience": "AzureADMyOrg",
                "keyCredentials": [certificate.key_credential()],
            },
        ),
        201,
    )
    service_principal = expect(
        graph.post("/servicePrincipals", {"appId": application["appId"]}), 201
    )
    resource = graph_service_principal(graph)
    role_id = next(r["id"] for r in resource["appRoles"] if r["value"] == role)
    assignment = expect(
        graph.post(
            f"/servicePrincipals/{resource['id']}/appRoleAssignedTo",
            {
                "principalId": service_principal["id"],
                "resourceId": resource["id"],
                "appRoleId": role_id,
            },
        ),
        201,
    )
    return ConnectionApp(application, service_principal, assignment, certificate)


def jwt_claims(token: str) -> dict:
    """The claims of a JWT, unverified (only to look at them)."""
    import json

    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
