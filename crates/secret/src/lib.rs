//! Owns [`Secret`], the one type every secret of spconnect travels in: tokens, authorization codes,
//! PKCE verifiers, client assertions, passwords and private keys.
//!
//! A `Secret` prints as `[redacted]` through `Debug` and `Display`, so neither a log line, an error
//! message nor a `{:?}` in a test failure can reveal it. It implements no `serde` trait, so it cannot
//! end up in an IPC payload or a plain file by accident, and its memory is wiped when it is dropped.
//! The value is reachable only through [`Secret::expose`], a name that is easy to search for in review.
//!
//! It does not own storage (the keychain and encrypted files belong to the vault crate) nor logging.

use std::fmt;

use zeroize::Zeroize;

/// What [`Secret`] prints instead of its value.
pub const REDACTED: &str = "[redacted]";

/// A secret value that redacts itself when printed and is wiped from memory when dropped.
pub struct Secret<T: Zeroize>(T);

impl<T: Zeroize> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// Gives read access to the value. Every call is a place where the secret leaves its wrapper:
    /// pass the reference on to the code that needs it, never to a formatter.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize + Clone> Clone for Secret<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(")?;
        f.write_str(REDACTED)?;
        f.write_str(")")
    }
}

impl<T: Zeroize> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl From<String> for Secret<String> {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret<String> {
    fn from(value: &str) -> Self {
        Self::new(value.to_owned())
    }
}

/// Compares in time independent of where the values first differ, so a comparison cannot be
/// used to guess a secret byte by byte.
impl PartialEq for Secret<String> {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.0.as_bytes(), other.0.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl Eq for Secret<String> {}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUE: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.payload.signature";

    #[derive(Debug)]
    #[allow(dead_code)] // the field is read only through Debug
    struct TokenResponse {
        access_token: Secret<String>,
        expires_in: u64,
    }

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::from(VALUE);
        for printed in [
            format!("{secret:?}"),
            format!("{secret:#?}"),
            format!("{secret}"),
            format!("{:>80}", secret),
            secret.to_string(),
        ] {
            assert!(!printed.contains(VALUE), "leaked in {printed:?}");
            assert!(!printed.contains("payload"), "partly leaked in {printed:?}");
            assert!(printed.contains(REDACTED), "no redaction marker in {printed:?}");
        }
    }

    #[test]
    fn a_secret_inside_a_struct_stays_redacted() {
        let response = TokenResponse { access_token: Secret::from(VALUE), expires_in: 3599 };
        let printed = format!("{response:?} {response:#?}");
        assert!(!printed.contains(VALUE));
        assert!(printed.contains("3599"), "the rest of the struct still prints: {printed}");
    }

    #[test]
    fn expose_gives_the_value_back() {
        let secret = Secret::new(String::from(VALUE));
        assert_eq!(secret.expose(), VALUE);
        assert_eq!(secret.clone().expose(), VALUE);
    }

    #[test]
    fn equality_compares_the_whole_value() {
        assert_eq!(Secret::from("abc"), Secret::from("abc"));
        assert_ne!(Secret::from("abc"), Secret::from("abd"));
        assert_ne!(Secret::from("abc"), Secret::from("abcd"));
    }

    #[test]
    fn bytes_are_wrapped_too() {
        let key = Secret::new(vec![0x30u8, 0x82, 0x04, 0xa4]);
        assert_eq!(format!("{key:?}"), "Secret([redacted])");
        assert_eq!(key.expose().len(), 4);
    }
}
