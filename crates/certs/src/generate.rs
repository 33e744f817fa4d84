//! Generating the key pair and its self-signed certificate with rcgen (aws-lc-rs: `ring` cannot
//! make RSA keys).

use std::time::Duration;

use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, KeyPair,
    KeyUsagePurpose, PKCS_RSA_SHA256, RsaKeySize, SerialNumber,
};
use spconnect_secret::Secret;
use time::OffsetDateTime;

use crate::{error::CertError, public::PublicCertificate};

/// The RSA key size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySize {
    /// 2048 bits: what Microsoft's samples use; about 40 ms to generate here.
    Rsa2048,
    /// 3072 bits: NIST's choice beyond 2030; about 200 ms to generate here.
    Rsa3072,
}

impl KeySize {
    /// The size in bits.
    pub fn bits(self) -> u32 {
        match self {
            Self::Rsa2048 => 2048,
            Self::Rsa3072 => 3072,
        }
    }

    /// The size with this many bits, if it is one offered.
    pub fn from_bits(bits: u32) -> Option<Self> {
        match bits {
            2048 => Some(Self::Rsa2048),
            3072 => Some(Self::Rsa3072),
            _ => None,
        }
    }
}

/// What certificate to make.
#[derive(Clone, Debug)]
pub struct CertificateRequest {
    /// The subject's common name (`CN=`), e.g. `spconnect HR sync`.
    pub common_name: String,
    /// The key size.
    pub key_size: KeySize,
    /// The start of validity (usually now).
    pub not_before: OffsetDateTime,
    /// How long it is valid.
    pub validity: Duration,
}

/// A key pair and its certificate, just made.
pub struct GeneratedCertificate {
    /// The public certificate (safe to show, upload and export).
    pub certificate: PublicCertificate,
    /// The private key, PKCS#8 DER. Only ever stored encrypted.
    pub private_key: Secret<Vec<u8>>,
}

impl std::fmt::Debug for GeneratedCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedCertificate")
            .field("certificate", &self.certificate)
            .field("private_key", &self.private_key)
            .finish()
    }
}

/// The longest common name accepted (X.520's upper bound for a common name).
const MAX_COMMON_NAME: usize = 64;

/// Makes an RSA key pair and a self-signed certificate for it: key usage digital signature,
/// extended key usage client authentication, a random 16-byte serial number.
pub fn generate(request: &CertificateRequest) -> Result<GeneratedCertificate, CertError> {
    let name = request.common_name.trim();
    if name.is_empty() {
        return Err(CertError::InvalidInput("The certificate's subject cannot be empty.".into()));
    }
    if name.chars().count() > MAX_COMMON_NAME {
        return Err(CertError::InvalidInput(format!(
            "The certificate's subject is longer than {MAX_COMMON_NAME} characters."
        )));
    }
    if request.validity < Duration::from_secs(24 * 3600) {
        return Err(CertError::InvalidInput(
            "A certificate must be valid for at least a day.".into(),
        ));
    }
    let fail = |e: rcgen::Error| CertError::Generate(e.to_string());
    let size = match request.key_size {
        KeySize::Rsa2048 => RsaKeySize::_2048,
        KeySize::Rsa3072 => RsaKeySize::_3072,
    };
    let key_pair = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, size).map_err(fail)?;
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
    let mut subject = DistinguishedName::new();
    subject.push(DnType::CommonName, name);
    params.distinguished_name = subject;
    // Whole seconds: X.509 times have no fraction, and Graph's keyCredential dates are compared
    // with the certificate's.
    let not_before = request.not_before.replace_nanosecond(0).map_err(|e| {
        CertError::InvalidInput(format!("The start of validity is not usable ({e})."))
    })?;
    params.not_before = not_before;
    params.not_after = not_before + request.validity;
    let mut serial = [0u8; 16];
    getrandom::fill(&mut serial)
        .map_err(|e| CertError::Generate(format!("no randomness for the serial number ({e})")))?;
    serial[0] &= 0x7f; // a positive integer
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let certificate = params.self_signed(&key_pair).map_err(fail)?;
    let private_key = Secret::new(key_pair.serialize_der());
    Ok(GeneratedCertificate {
        certificate: PublicCertificate::from_der(certificate.der().to_vec())?,
        private_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(size: KeySize) -> CertificateRequest {
        CertificateRequest {
            common_name: "spconnect HR sync".into(),
            key_size: size,
            not_before: OffsetDateTime::now_utc(),
            validity: Duration::from_secs(365 * 24 * 3600),
        }
    }

    #[test]
    fn a_2048_bit_certificate_has_the_subject_validity_and_key_asked_for() {
        let made = generate(&request(KeySize::Rsa2048)).expect("generated");
        let cert = &made.certificate;
        assert_eq!(cert.subject(), "CN=spconnect HR sync");
        assert_eq!(cert.not_after() - cert.not_before(), time::Duration::days(365));
        assert_eq!(cert.key_bits(), 2048);
        // PKCS#8 DER of an RSA key starts with a SEQUENCE.
        assert_eq!(made.private_key.expose()[0], 0x30);
        assert!(!format!("{made:?}").contains("MII"), "no key material in Debug");
    }

    #[test]
    fn a_3072_bit_key_is_3072_bits() {
        let made = generate(&request(KeySize::Rsa3072)).expect("generated");
        assert_eq!(made.certificate.key_bits(), 3072);
    }

    #[test]
    fn two_certificates_differ_in_key_and_serial() {
        let a = generate(&request(KeySize::Rsa2048)).expect("a");
        let b = generate(&request(KeySize::Rsa2048)).expect("b");
        assert_ne!(a.certificate.x5t_s256(), b.certificate.x5t_s256());
        assert_ne!(a.private_key.expose(), b.private_key.expose());
    }

    #[test]
    fn an_empty_or_overlong_subject_or_a_short_validity_is_refused() {
        let mut r = request(KeySize::Rsa2048);
        r.common_name = "  ".into();
        assert!(matches!(generate(&r), Err(CertError::InvalidInput(_))));
        r.common_name = "x".repeat(65);
        assert!(matches!(generate(&r), Err(CertError::InvalidInput(_))));
        r.common_name = "ok".into();
        r.validity = Duration::from_secs(60);
        assert!(matches!(generate(&r), Err(CertError::InvalidInput(_))));
    }
}
