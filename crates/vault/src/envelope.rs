//! Envelope encryption of one record: AES-256-GCM under a profile's [`DataKey`], a fresh random
//! 96-bit nonce per write, and the record's id bound in as associated data, so a record copied to
//! another id, or changed by a single bit, fails to open ([`VaultError::Tampered`]) instead of
//! giving garbage.
//!
//! A sealed record is `version (1 byte) || nonce (12 bytes) || ciphertext || tag (16 bytes)`; the
//! associated data is `"spconnect-vault record" || 0 || version || id`. The data key itself lives
//! in the keychain (see `records`), as 64 hexadecimal characters (text, so every keychain takes it).

use std::{fmt, path::Path};

use aes_gcm::{
    Aes256Gcm, KeyInit,
    aead::{Aead, Generate, Nonce, Payload},
};
use spconnect_secret::Secret;
use zeroize::Zeroize;

use crate::{error::VaultError, model::RecordId};

/// The format version written first in every sealed record.
pub const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const KEY_LEN: usize = 32;
const AAD_PREFIX: &[u8] = b"spconnect-vault record\0";

/// A profile's 256-bit data key. Prints as redacted; wiped when dropped.
#[derive(Clone)]
pub struct DataKey(Secret<Vec<u8>>);

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DataKey({:?})", self.0)
    }
}

impl DataKey {
    /// A new random key from the operating system's random source.
    pub fn generate() -> Result<Self, VaultError> {
        let mut bytes = vec![0u8; KEY_LEN];
        random(&mut bytes)?;
        Ok(Self(Secret::new(bytes)))
    }

    /// The key as it is kept in the keychain: 64 lower-case hexadecimal characters.
    pub(crate) fn to_keychain(&self) -> Secret<Vec<u8>> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = Vec::with_capacity(KEY_LEN * 2);
        for byte in self.0.expose() {
            text.push(HEX[usize::from(byte >> 4)]);
            text.push(HEX[usize::from(byte & 0x0f)]);
        }
        Secret::new(text)
    }

    /// The key from its keychain form, or `None` when that is not 64 hexadecimal characters.
    pub(crate) fn from_keychain(text: &Secret<Vec<u8>>) -> Option<Self> {
        let text = text.expose();
        if text.len() != KEY_LEN * 2 {
            return None;
        }
        let digit = |c: u8| (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
        let mut key = Vec::with_capacity(KEY_LEN);
        for pair in text.chunks_exact(2) {
            match (digit(pair[0]), digit(pair[1])) {
                (Some(high), Some(low)) => key.push((high << 4) | low),
                _ => {
                    key.zeroize();
                    return None;
                }
            }
        }
        Some(Self(Secret::new(key)))
    }

    fn cipher(&self) -> Result<Aes256Gcm, VaultError> {
        Aes256Gcm::new_from_slice(self.0.expose())
            .map_err(|_| VaultError::Encryption { detail: "the data key is not 256 bits" })
    }
}

/// Encrypts `plaintext` as the record `id`.
pub fn seal(
    key: &DataKey,
    id: &RecordId,
    plaintext: &Secret<Vec<u8>>,
) -> Result<Vec<u8>, VaultError> {
    let nonce = Nonce::<Aes256Gcm>::try_generate()
        .map_err(|error| VaultError::Random { detail: error.to_string() })?;
    let aad = associated_data(VERSION, id);
    let sealed = key
        .cipher()?
        .encrypt(&nonce, Payload { msg: plaintext.expose(), aad: &aad })
        .map_err(|_| VaultError::Encryption { detail: "the record is too large" })?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Decrypts the record `id` read from `path` (named in errors only).
pub fn open(
    key: &DataKey,
    id: &RecordId,
    sealed: &[u8],
    path: &Path,
) -> Result<Secret<Vec<u8>>, VaultError> {
    let corrupt = |reason: String| VaultError::Corrupt { path: path.to_owned(), reason };
    let Some((&version, rest)) = sealed.split_first() else {
        return Err(corrupt("it is empty".to_owned()));
    };
    if version != VERSION {
        return Err(corrupt(format!(
            "it is in format version {version}, and this version of spconnect reads version {VERSION}"
        )));
    }
    if rest.len() < NONCE_LEN + TAG_LEN {
        return Err(corrupt(format!("it is truncated ({} bytes)", sealed.len())));
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let nonce = Nonce::<Aes256Gcm>::try_from(nonce).map_err(|_| corrupt("bad nonce".to_owned()))?;
    let aad = associated_data(version, id);
    key.cipher()?
        .decrypt(&nonce, Payload { msg: ciphertext, aad: &aad })
        .map(Secret::new)
        .map_err(|_| VaultError::Tampered { id: id.to_string() })
}

fn associated_data(version: u8, id: &RecordId) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_PREFIX.len() + 1 + id.as_str().len());
    aad.extend_from_slice(AAD_PREFIX);
    aad.push(version);
    aad.extend_from_slice(id.as_str().as_bytes());
    aad
}

fn random(buffer: &mut [u8]) -> Result<(), VaultError> {
    getrandom::fill(buffer).map_err(|error| VaultError::Random { detail: error.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAINTEXT: &[u8] = b"client secret: Xq8~not-for-your-eyes";

    fn id(name: &str) -> RecordId {
        RecordId::new(name).expect("valid id")
    }

    fn sealed(key: &DataKey) -> Vec<u8> {
        seal(key, &id("conn-1"), &Secret::new(PLAINTEXT.to_vec())).expect("seal")
    }

    #[test]
    fn opens_what_it_sealed_and_hides_it() {
        let key = DataKey::generate().expect("key");
        let bytes = sealed(&key);
        assert_eq!(bytes[0], VERSION);
        assert_eq!(bytes.len(), 1 + NONCE_LEN + PLAINTEXT.len() + TAG_LEN);
        assert!(!bytes.windows(PLAINTEXT.len()).any(|window| window == PLAINTEXT));
        let opened = open(&key, &id("conn-1"), &bytes, Path::new("x")).expect("open");
        assert_eq!(opened.expose(), PLAINTEXT);
    }

    #[test]
    fn every_write_has_a_fresh_nonce() {
        let key = DataKey::generate().expect("key");
        let (a, b) = (sealed(&key), sealed(&key));
        assert_ne!(a[1..1 + NONCE_LEN], b[1..1 + NONCE_LEN]);
        assert_ne!(a, b);
    }

    #[test]
    fn another_id_fails_as_tampered() {
        let key = DataKey::generate().expect("key");
        let error = open(&key, &id("conn-2"), &sealed(&key), Path::new("x")).expect_err("wrong id");
        assert!(matches!(&error, VaultError::Tampered { id } if id == "conn-2"), "{error:?}");
    }

    #[test]
    fn another_key_fails_as_tampered() {
        let bytes = sealed(&DataKey::generate().expect("key"));
        let other = DataKey::generate().expect("key");
        assert!(matches!(
            open(&other, &id("conn-1"), &bytes, Path::new("x")),
            Err(VaultError::Tampered { .. })
        ));
    }

    #[test]
    fn any_changed_bit_fails_never_gives_garbage() {
        let key = DataKey::generate().expect("key");
        let bytes = sealed(&key);
        for index in 0..bytes.len() {
            for bit in [0x01u8, 0x80] {
                let mut changed = bytes.clone();
                changed[index] ^= bit;
                let result = open(&key, &id("conn-1"), &changed, Path::new("x"));
                match (index, result) {
                    (0, Err(VaultError::Corrupt { reason, .. })) => {
                        assert!(reason.contains("version"), "{reason}")
                    }
                    (1.., Err(VaultError::Tampered { .. })) => {}
                    (_, other) => {
                        panic!("byte {index} bit {bit:#x}: {:?}", other.map(|_| "opened"))
                    }
                }
            }
        }
    }

    #[test]
    fn short_or_empty_files_are_corrupt() {
        let key = DataKey::generate().expect("key");
        let bytes = sealed(&key);
        for cut in [0, 1, 1 + NONCE_LEN, 1 + NONCE_LEN + TAG_LEN - 1] {
            let error = open(&key, &id("conn-1"), &bytes[..cut], Path::new("/r/conn-1.record"))
                .expect_err("short");
            assert!(matches!(error, VaultError::Corrupt { .. }), "{cut}: {error:?}");
            assert!(error.to_string().contains("/r/conn-1.record"), "{error}");
        }
    }

    #[test]
    fn the_keychain_form_round_trips_and_refuses_damage() {
        let key = DataKey::generate().expect("key");
        let text = key.to_keychain();
        assert_eq!(text.expose().len(), 64);
        assert!(text.expose().iter().all(u8::is_ascii_hexdigit));
        let back = DataKey::from_keychain(&text).expect("parse");
        let bytes = sealed(&key);
        assert!(open(&back, &id("conn-1"), &bytes, Path::new("x")).is_ok());
        for bad in [&b"abc"[..], &[b'g'; 64][..], &[b'0'; 63][..]] {
            assert!(DataKey::from_keychain(&Secret::new(bad.to_vec())).is_none());
        }
    }

    #[test]
    fn a_data_key_never_prints() {
        let key = DataKey::generate().expect("key");
        let hex = String::from_utf8(key.to_keychain().expose().clone()).expect("hex");
        let printed = format!("{key:?}");
        assert!(!printed.contains(&hex[..8]), "{printed}");
        assert!(printed.contains("redacted"), "{printed}");
    }
}
