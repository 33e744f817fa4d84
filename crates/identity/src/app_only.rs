//! App-only tokens with a certificate (docs/microsoft §1.6): the client credentials grant with a
//! signed client assertion (`private_key_jwt`), as a connection authenticates at run time and as
//! spconnect verifies a connection it has just made.
//!
//! The assertion is a JWT signed with the connection's private key: PS256 with `x5t#S256` (what
//! Microsoft documents today) or RS256 with `x5t` (the older form MSAL still sends), `aud` the
//! token endpoint, `iss` = `sub` = the client id, a fresh `jti`, `nbf` now and `exp` ten minutes
//! later. The private key is borrowed only for signing; nothing here logs or returns it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use spconnect_secret::Secret;

use crate::{
    client::{Failure, Http, NetworkOptions},
    error::IdentityError,
    model::{AccessToken, Authority},
};

/// The client assertion type of `private_key_jwt`.
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// How long an assertion is valid.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(600);

/// How the assertion is signed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AssertionAlgorithm {
    /// PS256 with the `x5t#S256` header (SHA-256 thumbprint): Microsoft's current form.
    #[default]
    Ps256,
    /// RS256 with the `x5t` header (SHA-1 thumbprint): the older form.
    Rs256,
}

/// A certificate credential of one application: its client id, the certificate's thumbprints and
/// its private key.
pub struct CertificateCredential {
    /// The application (client) id.
    pub client_id: String,
    /// `x5t`: base64url SHA-1 of the certificate's DER.
    pub x5t: String,
    /// `x5t#S256`: base64url SHA-256 of the certificate's DER.
    pub x5t_s256: String,
    /// The private key, PKCS#8 DER.
    pub private_key: Secret<Vec<u8>>,
    /// How assertions are signed.
    pub algorithm: AssertionAlgorithm,
}

impl std::fmt::Debug for CertificateCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateCredential")
            .field("client_id", &self.client_id)
            .field("x5t#S256", &self.x5t_s256)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    aud: &'a str,
    iss: &'a str,
    sub: &'a str,
    jti: String,
    nbf: u64,
    iat: u64,
    exp: u64,
}

/// Gets app-only tokens for one application in one tenant with its certificate.
pub struct AppOnlyClient {
    http: Http,
    token_url: String,
    credential: CertificateCredential,
}

impl std::fmt::Debug for AppOnlyClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppOnlyClient")
            .field("token_url", &self.token_url)
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

impl AppOnlyClient {
    /// A client for the tenant-specific `authority` (app-only tokens need the tenant, never
    /// `common` or `organizations`).
    pub fn new(
        authority: &Authority,
        credential: CertificateCredential,
        network: &NetworkOptions,
    ) -> Result<Self, IdentityError> {
        let tenant = authority.tenant();
        if matches!(tenant, "common" | "organizations" | "consumers") {
            return Err(IdentityError::InvalidInput {
                field: "authority",
                message: "app-only tokens need the tenant's id or domain, not a multi-tenant alias"
                    .into(),
            });
        }
        // The private key must be usable before the first request.
        signing_key(&credential.private_key)?;
        let http = Http::new(authority, network)?;
        Ok(Self { http, token_url: authority.url("oauth2/v2.0/token"), credential })
    }

    /// The signed client assertion (a fresh one per call).
    pub fn assertion(&self) -> Result<Secret<String>, IdentityError> {
        let c = &self.credential;
        let mut header = Header::new(match c.algorithm {
            AssertionAlgorithm::Ps256 => Algorithm::PS256,
            AssertionAlgorithm::Rs256 => Algorithm::RS256,
        });
        header.typ = Some("JWT".into());
        match c.algorithm {
            AssertionAlgorithm::Ps256 => header.x5t_s256 = Some(c.x5t_s256.clone()),
            AssertionAlgorithm::Rs256 => header.x5t = Some(c.x5t.clone()),
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let claims = Claims {
            aud: &self.token_url,
            iss: &c.client_id,
            sub: &c.client_id,
            jti: jti()?,
            nbf: now,
            iat: now,
            exp: now + ASSERTION_LIFETIME.as_secs(),
        };
        let key = signing_key(&c.private_key)?;
        jsonwebtoken::encode(&header, &claims, &key).map(Secret::new).map_err(|e| {
            IdentityError::InvalidInput {
                field: "certificate",
                message: format!("the client assertion could not be signed ({e})"),
            }
        })
    }

    /// An app-only access token for `resource` (e.g. `https://graph.microsoft.com` or
    /// `https://contoso.sharepoint.com`): scope `{resource}/.default`. Throttling and outages
    /// are retried; a refusal (app not found yet, certificate not known yet, …) is returned as
    /// [`IdentityError::Rejected`] with Microsoft's AADSTS code.
    #[tracing::instrument(skip_all, fields(client = %self.credential.client_id))]
    pub async fn token(&self, resource: &str) -> Result<AccessToken, IdentityError> {
        let scope = format!("{}/.default", resource.trim_end_matches('/'));
        let assertion = self.assertion()?;
        let form = [
            ("client_id", self.credential.client_id.as_str()),
            ("scope", scope.as_str()),
            ("grant_type", "client_credentials"),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", assertion.expose().as_str()),
        ];
        match self.http.token(&self.token_url, &form).await {
            Ok(answer) => Ok(AccessToken {
                token: answer.access_token,
                expires_at: SystemTime::now() + Duration::from_secs(answer.expires_in),
                scopes: vec![scope],
            }),
            Err(Failure::Rejected(rejection)) => Err(IdentityError::Rejected(rejection)),
            Err(Failure::Other(error)) => Err(error),
        }
    }
}

fn jti() -> Result<String, IdentityError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        IdentityError::Protocol(format!("no randomness for the assertion id ({e})"))
    })?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]))
}

/// The signing key from a PKCS#8 DER RSA private key (the RSAPrivateKey inside it).
fn signing_key(pkcs8: &Secret<Vec<u8>>) -> Result<EncodingKey, IdentityError> {
    let invalid = || IdentityError::InvalidInput {
        field: "certificate",
        message: "the private key is not a PKCS#8 RSA key".into(),
    };
    let rsa = pkcs8_inner_key(pkcs8.expose()).ok_or_else(invalid)?;
    Ok(EncodingKey::from_rsa_der(rsa))
}

/// PKCS#8 `PrivateKeyInfo ::= SEQUENCE { version INTEGER, algorithm AlgorithmIdentifier,
/// privateKey OCTET STRING, … }`: the bytes of `privateKey`.
fn pkcs8_inner_key(der: &[u8]) -> Option<&[u8]> {
    let (tag, body, _) = der_element(der)?;
    if tag != 0x30 {
        return None;
    }
    let (version, _, rest) = der_element(body)?;
    let (algorithm, _, rest) = der_element(rest)?;
    let (key, key_bytes, _) = der_element(rest)?;
    (version == 0x02 && algorithm == 0x30 && key == 0x04).then_some(key_bytes)
}

/// One DER element: its tag, its content and what follows it.
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let count = (first & 0x7f) as usize;
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let length = rest[..count].iter().fold(0usize, |n, b| (n << 8) | *b as usize);
        (length, &rest[count..])
    };
    (rest.len() >= length).then(|| (tag, &rest[..length], &rest[length..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_elements_with_short_and_long_lengths_are_read() {
        assert_eq!(der_element(&[0x04, 2, 9, 8, 7]), Some((0x04, &[9u8, 8][..], &[7u8][..])));
        let long: Vec<u8> = [0x04, 0x81, 0x80].into_iter().chain([1u8; 128]).collect();
        assert_eq!(der_element(&long).map(|(_, b, r)| (b.len(), r.len())), Some((128, 0)));
        assert_eq!(der_element(&[0x04, 5, 1]), None, "shorter than its length");
        assert_eq!(pkcs8_inner_key(&[0x30, 3, 0x02, 1, 0]), None, "no algorithm nor key");
    }

    #[test]
    fn assertion_ids_are_version_4_uuids() {
        let id = jti().expect("random");
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_ne!(id, jti().expect("random"));
    }
}
