//! [`CertError`]: what making or reading a certificate can fail with.

/// A certificate could not be made or read. Messages never contain key material.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    /// A value asked for is not usable (an empty subject, a validity out of range).
    #[error("{0}")]
    InvalidInput(String),
    /// The key pair or the certificate could not be generated.
    #[error("The certificate could not be generated: {0}")]
    Generate(String),
    /// Bytes given as a certificate are not one.
    #[error("Not an X.509 certificate: {0}")]
    NotACertificate(String),
}
