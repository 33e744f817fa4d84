//! A connection's certificate, made on this machine (docs/microsoft §1.6 and §2.6).
//!
//! It owns
//! - generating an RSA key pair (2048 or 3072 bits) and a self-signed X.509 certificate for it
//!   ([`generate`]), the private key handed back only as a [`Secret`] (PKCS#8 DER);
//! - the certificate's public part ([`PublicCertificate`]): DER, PEM, subject, validity, and the
//!   thumbprints Microsoft keys certificates by: `x5t` (base64url SHA-1, with RS256),
//!   `x5t#S256` (base64url SHA-256, with PS256) and the hex SHA-1 `customKeyIdentifier`.
//!
//! It does not own where the private key is kept (the vault, encrypted), uploading the public
//! part (the connections crate through Graph), nor signing client assertions (identity). It is
//! pure: no network, no files, nothing of ours but `secret`.

mod error;
mod generate;
mod public;

pub use error::CertError;
pub use generate::{CertificateRequest, GeneratedCertificate, KeySize, generate};
pub use public::PublicCertificate;
pub use spconnect_secret::Secret;
