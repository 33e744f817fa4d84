//! What the vault logs names what happened and whose it was, never a secret: every log line of
//! saving, loading and signing out tokens and of writing, reading and failing to read records is
//! captured at the most verbose level and searched for the secrets.

use std::{
    io::Write,
    sync::{Arc, Mutex, PoisonError},
};

use spconnect_secret::Secret;

use crate::{MemoryStore, ProfileName, RecordId, RecordStore, RefreshTokenKey, RefreshTokens};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn no_secret_reaches_the_log() {
    const TOKEN: &str = "0.ARefresh-LOGCHECK-51c2";
    const RECORD: &str = "record-LOGCHECK-9d0e";
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let dir = tempfile::tempdir().expect("temp dir");
    tracing::subscriber::with_default(subscriber, || {
        let keychain = Arc::new(MemoryStore::new());
        let tokens = RefreshTokens::new(keychain.clone());
        let key = RefreshTokenKey::new(
            "11111111-1111-1111-1111-111111111111",
            "aaaaaaaa-0000-0000-0000-000000000001",
            "cccccccc-0000-0000-0000-000000000001",
        )
        .expect("key");
        tokens.save(&key, &Secret::from(TOKEN)).expect("save");
        assert_eq!(tokens.load(&key).expect("load").expose(), TOKEN);
        tokens.sign_out(key.tenant_id(), key.object_id()).expect("sign out");

        let records =
            RecordStore::new(keychain, dir.path(), ProfileName::new("default").expect("profile"));
        let id = RecordId::new("r1").expect("id");
        records.write(&id, &Secret::new(RECORD.as_bytes().to_vec())).expect("write");
        assert_eq!(records.read(&id).expect("read").expose(), RECORD.as_bytes());
        let path = records.path(&id);
        let mut bytes = std::fs::read(&path).expect("read file");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&path, bytes).expect("tamper");
        records.write(&id, &Secret::new(RECORD.as_bytes().to_vec())).expect("write over it");
    });
    let log = String::from_utf8(captured.0.lock().unwrap_or_else(PoisonError::into_inner).clone())
        .expect("text");
    assert!(
        log.contains("refresh token saved") && log.contains("kept aside"),
        "the log was captured:\n{log}"
    );
    for secret in [TOKEN, RECORD] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}
