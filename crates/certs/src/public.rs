//! [`PublicCertificate`]: the public part of a certificate, what may be shown, uploaded to
//! `keyCredentials` and exported (`.cer` is its DER, or PEM).

use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::error::CertError;

/// An X.509 certificate's public part, read once from its DER.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicCertificate {
    der: Vec<u8>,
    subject: String,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    key_bits: u32,
}

impl std::fmt::Debug for PublicCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicCertificate")
            .field("subject", &self.subject)
            .field("x5t#S256", &self.x5t_s256())
            .field("not_after", &self.not_after)
            .finish()
    }
}

impl PublicCertificate {
    /// Reads a DER-encoded certificate.
    pub fn from_der(der: Vec<u8>) -> Result<Self, CertError> {
        let (rest, parsed) = X509Certificate::from_der(&der)
            .map_err(|e| CertError::NotACertificate(e.to_string()))?;
        if !rest.is_empty() {
            return Err(CertError::NotACertificate("bytes after the certificate".into()));
        }
        let validity = parsed.validity();
        let key_bits = match parsed.public_key().parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => rsa.key_size() as u32,
            _ => 0,
        };
        let subject = parsed.subject().to_string();
        let not_before = validity.not_before.to_datetime();
        let not_after = validity.not_after.to_datetime();
        Ok(Self { der, subject, not_before, not_after, key_bits })
    }

    /// Reads a certificate given as base64 of its DER (Graph's `keyCredential.key`).
    pub fn from_base64(text: &str) -> Result<Self, CertError> {
        let der = STANDARD
            .decode(text.trim())
            .map_err(|e| CertError::NotACertificate(format!("not base64 ({e})")))?;
        Self::from_der(der)
    }

    /// The DER bytes (a `.cer` file).
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Base64 of the DER: Graph's `keyCredential.key`.
    pub fn base64(&self) -> String {
        STANDARD.encode(&self.der)
    }

    /// PEM (`-----BEGIN CERTIFICATE-----`), lines of 64 characters.
    pub fn pem(&self) -> String {
        let body = self.base64();
        let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in body.as_bytes().chunks(64) {
            pem.push_str(&String::from_utf8_lossy(line));
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
        pem
    }

    /// The subject as an RFC 4514 string, e.g. `CN=spconnect HR sync`.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The start of validity.
    pub fn not_before(&self) -> OffsetDateTime {
        self.not_before
    }

    /// The end of validity.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// The RSA key size in bits (0 for a key that is not RSA).
    pub fn key_bits(&self) -> u32 {
        self.key_bits
    }

    /// `x5t`: base64url of the SHA-1 of the DER (paired with RS256 assertions).
    pub fn x5t(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha1::digest(&self.der))
    }

    /// `x5t#S256`: base64url of the SHA-256 of the DER (paired with PS256 assertions).
    pub fn x5t_s256(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(&self.der))
    }

    /// The SHA-1 thumbprint in upper-case hex, as Entra shows it and as
    /// `keyCredential.customKeyIdentifier` defaults to.
    pub fn sha1_hex(&self) -> String {
        upper_hex(&Sha1::digest(&self.der))
    }

    /// The SHA-256 thumbprint in upper-case hex.
    pub fn sha256_hex(&self) -> String {
        upper_hex(&Sha256::digest(&self.der))
    }
}

fn upper_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate made with `openssl req -x509 -newkey rsa:2048 -subj /CN=fixture -days 1`,
    /// its thumbprints from `openssl x509 -fingerprint -sha1/-sha256` (independent of this code).
    const FIXTURE_PEM: &str = include_str!("../tests/fixture.pem");
    const FIXTURE_SHA1: &str = include_str!("../tests/fixture.sha1");
    const FIXTURE_SHA256: &str = include_str!("../tests/fixture.sha256");

    fn fixture() -> PublicCertificate {
        let body: String = FIXTURE_PEM.lines().filter(|l| !l.starts_with("-----")).collect();
        PublicCertificate::from_base64(&body).expect("the fixture parses")
    }

    #[test]
    fn thumbprints_match_openssl() {
        let cert = fixture();
        assert_eq!(cert.sha1_hex(), FIXTURE_SHA1.trim().replace(':', ""));
        assert_eq!(cert.sha256_hex(), FIXTURE_SHA256.trim().replace(':', ""));
        let sha1 = hex(&cert.sha1_hex());
        assert_eq!(URL_SAFE_NO_PAD.decode(cert.x5t()).expect("base64url"), sha1);
        assert_eq!(cert.subject(), "CN=fixture");
        assert_eq!(cert.key_bits(), 2048);
    }

    #[test]
    fn pem_round_trips_and_keeps_64_character_lines() {
        let cert = fixture();
        let pem = cert.pem();
        assert!(pem.lines().all(|l| l.len() <= 64));
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        assert_eq!(PublicCertificate::from_base64(&body).expect("again"), cert);
    }

    #[test]
    fn bytes_that_are_not_a_certificate_are_refused() {
        assert!(PublicCertificate::from_der(b"not a certificate".to_vec()).is_err());
        assert!(PublicCertificate::from_base64("%%%").is_err());
    }

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
            .collect()
    }
}
