//! PKCE (RFC 7636, S256), `state` and `nonce` values, all from the operating system's CSPRNG.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
use spconnect_secret::Secret;

use crate::error::IdentityError;

/// A random string of `bytes` random bytes, base64url without padding (`A–Z a–z 0–9 - _`).
pub(crate) fn random_string(bytes: usize) -> Result<String, IdentityError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|e| {
        IdentityError::Protocol(format!("the system's random number generator failed: {e}"))
    })?;
    Ok(URL_SAFE_NO_PAD.encode(buffer))
}

/// A PKCE pair: the verifier stays with us, the challenge goes to the authorize endpoint.
pub(crate) struct Pkce {
    pub verifier: Secret<String>,
    pub challenge: String,
}

impl Pkce {
    /// A fresh pair: 64 random bytes give an 86-character verifier (RFC 7636 asks for 43–128).
    pub fn new() -> Result<Self, IdentityError> {
        let verifier = random_string(64)?;
        let challenge = challenge_of(&verifier);
        Ok(Self { verifier: Secret::new(verifier), challenge })
    }
}

/// base64url(SHA-256(verifier)) (docs/microsoft §1.2).
pub(crate) fn challenge_of(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verifier_has_the_length_and_alphabet_rfc_7636_asks_for() {
        let pkce = Pkce::new().expect("random");
        let v = pkce.verifier.expose();
        assert!((43..=128).contains(&v.len()), "{}", v.len());
        assert!(v.chars().all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c)));
        assert_eq!(pkce.challenge.len(), 43);
        assert_ne!(Pkce::new().expect("random").verifier.expose(), v, "fresh every time");
    }

    #[test]
    fn the_challenge_matches_rfc_7636_appendix_b() {
        assert_eq!(
            challenge_of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
