//! Keys and certificates: the emulator's token-signing key (published in the JWKS), and the
//! parsing of certificates applications register, with their thumbprints.

use base64::{Engine, engine::general_purpose::STANDARD, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde_json::{Value, json};
use sha1::Digest as _;
use time::OffsetDateTime;
use x509_parser::{prelude::FromDer, public_key::PublicKey};

/// Why a key or certificate could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Key generation or certificate creation failed.
    #[error("could not create the signing key: {0}")]
    Generate(String),
    /// The bytes are not an X.509 certificate with an RSA key.
    #[error("not an X.509 certificate with an RSA public key: {0}")]
    Certificate(String),
    /// A token could not be signed.
    #[error("could not sign the token: {0}")]
    Sign(String),
}

/// The emulator's token-signing key, like one of the keys at Microsoft's JWKS endpoint.
pub struct SigningKey {
    encoding: EncodingKey,
    decoding: DecodingKey,
    kid: String,
    jwk: Value,
    private_key_pem: String,
    certificate_der: Vec<u8>,
}

impl SigningKey {
    /// Generates a fresh RSA-2048 key and a self-signed certificate for it.
    pub fn generate() -> Result<Self, KeyError> {
        let fail = |e: rcgen::Error| KeyError::Generate(e.to_string());
        let key_pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).map_err(fail)?;
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "accounts.accesscontrol.windows.net");
        let certificate = params.self_signed(&key_pair).map_err(fail)?;
        Self::from_parts(key_pair.serialize_pem(), certificate.der().to_vec())
    }

    /// A key from its PKCS#8 PEM private key and its DER certificate (as [`Self::parts`] gives
    /// them), e.g. read back from the state directory.
    pub fn from_parts(private_key_pem: String, certificate_der: Vec<u8>) -> Result<Self, KeyError> {
        let parsed = Certificate::from_der(&certificate_der)?;
        let encoding = EncodingKey::from_rsa_pem(private_key_pem.as_bytes())
            .map_err(|e| KeyError::Generate(e.to_string()))?;
        let kid = parsed.x5t.clone();
        let jwk = json!({
            "kty": "RSA",
            "use": "sig",
            "kid": kid,
            "x5t": parsed.x5t,
            "n": URL_SAFE_NO_PAD.encode(&parsed.modulus),
            "e": URL_SAFE_NO_PAD.encode(&parsed.exponent),
            "x5c": [STANDARD.encode(&certificate_der)],
        });
        let key = Self {
            encoding,
            decoding: parsed.decoding_key,
            kid,
            jwk,
            private_key_pem,
            certificate_der,
        };
        // A key and certificate that do not belong together would sign tokens nobody can verify.
        let mut validation = jsonwebtoken::Validation::new(Algorithm::RS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let probe = key.sign(&json!({}))?;
        jsonwebtoken::decode::<Value>(&probe, &key.decoding, &validation).map_err(|_| {
            KeyError::Generate("the private key does not match the certificate".into())
        })?;
        Ok(key)
    }

    /// The PKCS#8 PEM private key and the DER certificate, for keeping the key across restarts.
    pub fn parts(&self) -> (&str, &[u8]) {
        (&self.private_key_pem, &self.certificate_der)
    }

    /// Signs claims as an RS256 JWT with `kid` and `x5t` headers, as Entra ID does.
    pub fn sign(&self, claims: &Value) -> Result<String, KeyError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        header.x5t = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|e| KeyError::Sign(e.to_string()))
    }

    /// The same key with an encoding key that cannot make RS256 signatures, for testing how a
    /// signing failure is reported.
    #[cfg(test)]
    pub(crate) fn unusable_for_signing(mut self) -> Self {
        self.encoding = EncodingKey::from_secret(b"not an RSA key");
        self
    }

    /// The key that verifies tokens this emulator signed.
    pub fn decoding_key(&self) -> &DecodingKey {
        &self.decoding
    }

    /// The JWK, with the `issuer` the v2 keys endpoint adds.
    pub fn jwk(&self, issuer: &str) -> Value {
        let mut jwk = self.jwk.clone();
        jwk["issuer"] = json!(issuer);
        jwk
    }
}

/// A certificate an application registered, read for verifying its client assertions.
pub struct Certificate {
    /// base64url SHA-1 of the DER (the `x5t` header).
    pub x5t: String,
    /// base64url SHA-256 of the DER (the `x5t#S256` header).
    pub x5t_s256: String,
    /// Upper-case hex SHA-1, the thumbprint portals show.
    pub thumbprint_hex: String,
    /// Validity.
    pub not_before: OffsetDateTime,
    /// Validity.
    pub not_after: OffsetDateTime,
    /// Verifies signatures made with the certificate's private key.
    pub decoding_key: DecodingKey,
    modulus: Vec<u8>,
    exponent: Vec<u8>,
}

impl Certificate {
    /// Reads a DER certificate with an RSA key.
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der)
            .map_err(|e| KeyError::Certificate(e.to_string()))?;
        let spki = cert.public_key();
        let (modulus, exponent) = match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => (strip(rsa.modulus), strip(rsa.exponent)),
            Ok(_) => return Err(KeyError::Certificate("the key is not RSA".into())),
            Err(e) => return Err(KeyError::Certificate(e.to_string())),
        };
        let decoding_key = DecodingKey::from_rsa_der(&spki.subject_public_key.data);
        let sha1 = sha1::Sha1::digest(der);
        let sha256 = sha2::Sha256::digest(der);
        let validity = cert.validity();
        Ok(Self {
            x5t: URL_SAFE_NO_PAD.encode(sha1),
            x5t_s256: URL_SAFE_NO_PAD.encode(sha256),
            thumbprint_hex: sha1.iter().map(|b| format!("{b:02X}")).collect(),
            not_before: validity.not_before.to_datetime(),
            not_after: validity.not_after.to_datetime(),
            decoding_key,
            modulus,
            exponent,
        })
    }
}

fn strip(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes[start..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_read_back_from_its_parts_verifies_what_it_signed_before() {
        let key = SigningKey::generate().expect("key");
        let token = key.sign(&json!({"sub": "x"})).expect("signed");
        let (pem, der) = key.parts();
        let again = SigningKey::from_parts(pem.to_owned(), der.to_vec()).expect("read back");
        let mut validation = jsonwebtoken::Validation::new(Algorithm::RS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        assert!(jsonwebtoken::decode::<Value>(&token, again.decoding_key(), &validation).is_ok());
        assert_eq!(again.jwk("i"), key.jwk("i"));
    }

    #[test]
    fn a_private_key_of_another_certificate_is_refused() {
        let one = SigningKey::generate().expect("key");
        let other = SigningKey::generate().expect("key");
        let mixed = SigningKey::from_parts(one.parts().0.to_owned(), other.parts().1.to_vec());
        assert!(mixed.is_err());
    }

    #[test]
    fn a_signing_failure_is_an_error_not_an_empty_token() {
        let key = SigningKey::generate().expect("a key");
        let claims = json!({"sub": "x"});
        assert!(key.sign(&claims).is_ok_and(|jwt| jwt.split('.').count() == 3));
        let broken = key.unusable_for_signing();
        assert!(matches!(broken.sign(&claims), Err(KeyError::Sign(_))));
    }
}
