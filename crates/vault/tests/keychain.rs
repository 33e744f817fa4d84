//! The vault on a real keychain: gnome-keyring's Secret Service on a private D-Bus session, and
//! what the vault says when no Secret Service answers.
//!
//! The tests that write to a keychain are `#[ignore]`d so that a plain `cargo test` never runs
//! them against the keychain of whoever runs it; `on_a_private_secret_service` runs them inside
//! `tests/keychain-session.sh` (a private bus and a throwaway keyring) and fails when that cannot
//! be done. Set `SPCONNECT_NO_KEYCHAIN=1` only on a machine that has no D-Bus or gnome-keyring:
//! then that test says it was skipped and why; the tests of a missing keychain still run.

use std::{
    env, fs,
    path::{Path, PathBuf},
    process::{Command, Output},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use spconnect_secret::Secret;
use spconnect_vault::{
    EntryKey, KeychainStore, ProfileName, RecordId, RecordStore, RefreshTokenKey, RefreshTokens,
    SecretStore, Unavailability, VaultError,
};

const HARNESS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keychain-session.sh");
const SESSION_VAR: &str = "SPCONNECT_KEYCHAIN_SESSION";
const NOT_RUNNING: &str = "No keychain (Secret Service) is running: start gnome-keyring or \
                           KeePassXC's Secret Service, then try again.";

/// The name prefix of the tests that run inside the private keychain session.
const PRIVATE_SESSION_TESTS: &str = "in_private_session_";

const TENANT: &str = "11111111-1111-1111-1111-111111111111";
const ADMIN: &str = "aaaaaaaa-0000-0000-0000-000000000001";
const USER: &str = "aaaaaaaa-0000-0000-0000-000000000002";
const CLIENT: &str = "cccccccc-0000-0000-0000-000000000001";
const CLI_TOOLS: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

// ---- run from `cargo test`: each starts this binary again in the environment it needs ----------

#[test]
fn on_a_private_secret_service() {
    in_keychain_session(
        PRIVATE_SESSION_TESTS,
        "the vault against gnome-keyring on a private D-Bus session",
    );
}

#[test]
fn on_a_locked_secret_service() {
    in_keychain_session("in_locked_session_", "the vault against a locked gnome-keyring");
}

/// Runs this binary's `#[ignore]`d tests named `prefix…` one by one inside
/// `tests/keychain-session.sh`, and expects every one of them to pass.
fn in_keychain_session(prefix: &str, what: &str) {
    if no_keychain_declared() {
        eprintln!("skipped {what}: SPCONNECT_NO_KEYCHAIN=1 says this machine has no keychain");
        return;
    }
    let tests = count_ignored_tests(prefix);
    assert!(tests > 0, "no tests named {prefix}… were found");
    let output = Command::new(HARNESS)
        .arg(this_test_binary())
        .args([prefix, "--ignored", "--test-threads=1"])
        .output()
        .expect("start tests/keychain-session.sh");
    expect_passed(&output, what, tests);
}

#[test]
fn with_no_session_bus_the_store_says_no_keychain_is_running() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(this_test_binary())
        .args(["no_secret_service_answers", "--ignored", "--exact"])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", dir.path().join("no-bus").display()),
        )
        .env(SESSION_VAR, "none")
        .env("SPCONNECT_NO_KEYCHAIN_DIR", dir.path())
        .output()
        .expect("start the test binary");
    expect_passed(&output, "the vault with a dead session bus", 1);
}

#[test]
fn with_no_bus_address_and_no_display_the_store_says_no_keychain_is_running() {
    let dir = tempfile::tempdir().expect("temp dir");
    // No address, no X display to autolaunch a bus for, and a runtime folder without `bus`: a
    // server or a bare console session.
    let output = Command::new(this_test_binary())
        .args(["no_secret_service_answers", "--ignored", "--exact"])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .env("XDG_RUNTIME_DIR", dir.path())
        .env(SESSION_VAR, "none")
        .env("SPCONNECT_NO_KEYCHAIN_DIR", dir.path())
        .output()
        .expect("start the test binary");
    expect_passed(&output, "the vault without a session bus address", 1);
}

#[test]
fn with_a_bus_but_no_secret_service_the_store_says_no_keychain_is_running() {
    if no_keychain_declared() {
        eprintln!("skipped: SPCONNECT_NO_KEYCHAIN=1 says this machine has no D-Bus to start");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    // A session bus that can start no service: no service folders, so nothing owns or can be
    // activated as org.freedesktop.secrets (a desktop without a keychain).
    let config = dir.path().join("bus.conf");
    fs::write(
        &config,
        "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n \
         \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n<busconfig>\n  \
         <type>session</type>\n  <listen>unix:tmpdir=/tmp</listen>\n  <auth>EXTERNAL</auth>\n  \
         <policy context=\"default\">\n    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n    \
         <allow eavesdrop=\"true\"/>\n    <allow own=\"*\"/>\n  </policy>\n</busconfig>\n",
    )
    .expect("write the bus configuration");
    let output = Command::new("dbus-run-session")
        .arg(format!("--config-file={}", config.display()))
        .arg("--")
        .arg(this_test_binary())
        .args(["no_secret_service_answers", "--ignored", "--exact"])
        .env(SESSION_VAR, "none")
        .env("SPCONNECT_NO_KEYCHAIN_DIR", dir.path())
        .output()
        .unwrap_or_else(|error| {
            panic!(
                "could not start dbus-run-session ({error}): install dbus (scripts/lib/setup.sh \
                 does), or set SPCONNECT_NO_KEYCHAIN=1 on a machine without D-Bus"
            )
        });
    expect_passed(&output, "the vault on a bus without a Secret Service", 1);
}

// ---- run inside the environment set up above -------------------------------------------------

#[test]
#[ignore = "needs no Secret Service on the bus; run by the with_… tests above"]
fn no_secret_service_answers() {
    assert_eq!(env::var(SESSION_VAR).as_deref(), Ok("none"), "run by the with_… tests only");
    let keychain = Arc::new(KeychainStore::new());
    let key = EntryKey::new("spconnect-test", "nothing").expect("key");
    for error in [
        keychain.get(&key).map(|_| ()).expect_err("get"),
        keychain.set(&key, &Secret::new(b"x".to_vec())).expect_err("set"),
        keychain.delete(&key).map(|_| ()).expect_err("delete"),
        RefreshTokens::new(keychain.clone()).signed_in().map(|_| ()).expect_err("list"),
    ] {
        assert!(
            matches!(
                error,
                VaultError::KeychainUnavailable { reason: Unavailability::NotRunning, .. }
            ),
            "{error:?}"
        );
        assert_eq!(error.to_string(), NOT_RUNNING);
        assert!(error.is_retryable());
    }
    // Nothing is written when the data key cannot be had.
    let dir = PathBuf::from(env::var_os("SPCONNECT_NO_KEYCHAIN_DIR").expect("folder"));
    let records = RecordStore::new(keychain, &dir.join("records"), profile());
    let error = records.write(&id("a"), &Secret::new(b"x".to_vec())).expect_err("write");
    assert_eq!(error.to_string(), NOT_RUNNING);
    assert!(!dir.join("records").exists(), "nothing was written");
}

#[test]
#[ignore = "writes to a keychain; run inside tests/keychain-session.sh by on_a_private_secret_service"]
fn in_private_session_keeps_gets_lists_and_deletes_a_secret() {
    let (keychain, service) = private_keychain();
    let key = EntryKey::new(&service, "some-account").expect("key");
    keychain.set(&key, &Secret::new(b"first value".to_vec())).expect("set");
    keychain.set(&key, &Secret::new(b"second value".to_vec())).expect("replace");
    assert_eq!(keychain.get(&key).expect("get").expose(), b"second value");
    let fresh = KeychainStore::new();
    assert_eq!(fresh.get(&key).expect("through a new connection").expose(), b"second value");
    assert_eq!(keychain.accounts(&service).expect("list"), ["some-account"]);
    assert!(keychain.delete(&key).expect("delete"));
    assert!(!keychain.delete(&key).expect("delete again"));
    let error = keychain.get(&key).expect_err("gone");
    assert!(matches!(error, VaultError::NotFound { .. }), "{error:?}");
    assert!(keychain.accounts(&service).expect("list").is_empty());
}

#[test]
#[ignore = "writes to a keychain; run inside tests/keychain-session.sh by on_a_private_secret_service"]
fn in_private_session_keeps_refresh_tokens_per_person_and_signs_one_out() {
    let (keychain, service) = private_keychain();
    let tokens = RefreshTokens::with_service(keychain, &service).expect("tokens");
    let admin = RefreshTokenKey::new(TENANT, ADMIN, CLIENT).expect("key");
    let admin_tools = RefreshTokenKey::new(TENANT, ADMIN, CLI_TOOLS).expect("key");
    let user = RefreshTokenKey::new(TENANT, USER, CLIENT).expect("key");
    for key in [&admin, &admin_tools, &user] {
        tokens.save(key, &Secret::from(format!("0.AR-token-of-{}", key.account()))).expect("save");
    }
    tokens.save(&admin, &Secret::from("0.AR-rotated")).expect("rotate");
    assert_eq!(tokens.load(&admin).expect("load").expose(), "0.AR-rotated");
    let mut all = vec![admin.clone(), admin_tools.clone(), user.clone()];
    all.sort();
    assert_eq!(tokens.signed_in().expect("who"), all);

    assert_eq!(tokens.sign_out(TENANT, ADMIN).expect("sign out"), 2);
    assert_eq!(tokens.signed_in().expect("who"), std::slice::from_ref(&user));
    assert!(matches!(tokens.load(&admin), Err(VaultError::NotFound { .. })));
    assert!(tokens.load(&user).expect("kept").expose().starts_with("0.AR-token-of-"));
    assert_eq!(tokens.sign_out(TENANT, USER).expect("sign out"), 1);
}

#[test]
#[ignore = "writes to a keychain; run inside tests/keychain-session.sh by on_a_private_secret_service"]
fn in_private_session_keeps_the_data_key_of_encrypted_records() {
    let (keychain, service) = private_keychain();
    let dir = tempfile::tempdir().expect("temp dir");
    let records = RecordStore::with_service(keychain.clone(), &service, dir.path(), profile());
    records.write(&id("conn-1"), &Secret::new(b"record one".to_vec())).expect("write");
    assert_eq!(keychain.accounts(&service).expect("list"), ["data-key/default"]);

    let later =
        RecordStore::with_service(Arc::new(KeychainStore::new()), &service, dir.path(), profile());
    assert_eq!(later.read(&id("conn-1")).expect("read later").expose(), b"record one");
    assert_eq!(later.list().expect("list"), [id("conn-1")]);
    assert!(later.delete(&id("conn-1")).expect("delete"));
}

#[test]
#[ignore = "writes to a keychain; run inside tests/keychain-session.sh by on_a_private_secret_service"]
fn in_private_session_leaves_no_secret_in_any_file_the_vault_wrote() {
    let (keychain, service) = private_keychain();
    let dir = tempfile::tempdir().expect("temp dir");
    let token = "0.ARefresh-token-LEAKCHECK-7f3a9c";
    let record = "client-secret-LEAKCHECK-b81e44";
    let tokens = RefreshTokens::with_service(keychain.clone(), &service).expect("tokens");
    tokens
        .save(&RefreshTokenKey::new(TENANT, ADMIN, CLIENT).expect("key"), &Secret::from(token))
        .expect("save");
    let records = RecordStore::with_service(keychain.clone(), &service, dir.path(), profile());
    for n in 0..3 {
        records
            .write(&id(&format!("r{n}")), &Secret::new(record.as_bytes().to_vec()))
            .expect("write");
    }
    let data_key =
        keychain.get(&EntryKey::new(&service, "data-key/default").expect("key")).expect("data key");
    let data_key_hex = data_key.expose().clone();
    let data_key_raw = decode_hex(&data_key_hex);

    let mut needles: Vec<(&str, &[u8])> = vec![
        ("refresh token", token.as_bytes()),
        ("record", record.as_bytes()),
        ("data key (hex)", &data_key_hex),
        ("data key (raw)", &data_key_raw),
    ];
    let files = files_under(dir.path());
    let sealed = files.iter().filter(|file| file.extension().is_some_and(|e| e == "record"));
    assert_eq!(sealed.count(), 3, "the vault wrote its three records: {files:?}");
    scan(&files, &needles);
    // The test keychain's own files (gnome-keyring encrypts them with the keyring's password).
    needles.truncate(2);
    scan(
        &files_under(&PathBuf::from(env::var_os("XDG_DATA_HOME").expect("set by the harness"))),
        &needles,
    );
}

#[test]
#[ignore = "writes to a keychain; run inside tests/keychain-session.sh by on_a_private_secret_service"]
fn in_private_session_a_restarted_keychain_is_reached_again() {
    let (keychain, service) = private_keychain();
    let key = EntryKey::new(&service, "some-account").expect("key");
    keychain.set(&key, &Secret::new(b"kept".to_vec())).expect("set");

    // Stop the private session's keychain daemon (by its id, asked of the private bus) and start
    // it again on the same keyring files, unlocked.
    let reply = dbus_send(&[
        "--dest=org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus.GetConnectionUnixProcessID",
        "string:org.freedesktop.secrets",
    ]);
    let pid = reply.split_whitespace().last().expect("a process id").to_owned();
    assert!(Command::new("kill").arg(&pid).status().expect("kill").success());
    let gone = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        !Path::new(&format!("/proc/{pid}")).exists()
    });
    assert!(gone, "the keychain daemon {pid} did not stop");
    let restarted = Command::new("sh")
        .args(["-c", "printf %s \"$SPCONNECT_TEST_KEYRING_PASSWORD\" | gnome-keyring-daemon --unlock --components=secrets >/dev/null"])
        .status()
        .expect("restart gnome-keyring-daemon");
    assert!(restarted.success());

    // The store's session with the old daemon is gone; it reconnects by itself.
    let secret = keychain.get(&key).expect("reached again");
    assert_eq!(secret.expose(), b"kept");
}

#[test]
#[ignore = "locks the keychain; run inside tests/keychain-session.sh by on_a_locked_secret_service"]
fn in_locked_session_the_store_says_so() {
    let (keychain, service) = private_keychain();
    let key = EntryKey::new(&service, "some-account").expect("key");
    keychain.set(&key, &Secret::new(b"kept".to_vec())).expect("set before locking");
    dbus_send(&[
        "--dest=org.freedesktop.secrets",
        "/org/freedesktop/secrets",
        "org.freedesktop.Secret.Service.Lock",
        "array:objpath:/org/freedesktop/secrets/collection/login",
    ]);
    // Headless, gnome-keyring cannot show its unlock prompt and reports it dismissed; on a
    // desktop the prompt would wait for the person.
    for error in [
        keychain.get(&key).map(|_| ()).expect_err("get"),
        keychain.set(&key, &Secret::new(b"new".to_vec())).expect_err("set"),
        keychain.accounts(&service).map(|_| ()).expect_err("list"),
    ] {
        assert!(matches!(error, VaultError::Denied { .. }), "{error:?}");
        assert!(error.to_string().contains("Unlock the keychain"), "{error}");
        assert!(error.is_retryable());
    }
}

// ---- helpers ---------------------------------------------------------------------------------

/// Calls a method on the session bus with `dbus-send` and returns its printed reply.
fn dbus_send(args: &[&str]) -> String {
    let output = Command::new("dbus-send")
        .args(["--session", "--print-reply"])
        .args(args)
        .output()
        .expect("run dbus-send");
    assert!(
        output.status.success(),
        "dbus-send {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn no_keychain_declared() -> bool {
    env::var("SPCONNECT_NO_KEYCHAIN").as_deref() == Ok("1")
}

fn this_test_binary() -> PathBuf {
    env::current_exe().expect("the test binary's path")
}

/// The keychain of the private session, and a keychain service name no other test uses. Fails,
/// rather than skips, when there is no private session or it has no Secret Service.
fn private_keychain() -> (Arc<KeychainStore>, String) {
    assert_eq!(
        env::var(SESSION_VAR).as_deref(),
        Ok("private"),
        "these tests write to the keychain, so they run only on a private one: \
         `cargo test -p spconnect-vault` runs them through tests/keychain-session.sh"
    );
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let service =
        format!("spconnect-test-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let keychain = Arc::new(KeychainStore::new());
    if let Err(error) = keychain.accounts(&service) {
        panic!("the private D-Bus session has no working Secret Service: {error} ({error:?})");
    }
    (keychain, service)
}

/// How many `#[ignore]`d tests of this binary match `filter`, so a run that found none fails.
fn count_ignored_tests(filter: &str) -> usize {
    let output = Command::new(this_test_binary())
        .args([filter, "--ignored", "--list"])
        .output()
        .expect("list the tests");
    String::from_utf8_lossy(&output.stdout).lines().filter(|line| line.ends_with(": test")).count()
}

fn expect_passed(output: &Output, what: &str, tests: usize) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{what} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
    let summary = format!("test result: ok. {tests} passed; 0 failed");
    assert!(stdout.contains(&summary), "{what}: expected \"{summary}\" in\n{stdout}");
    eprintln!("{what}:\n{stdout}");
}

fn profile() -> ProfileName {
    ProfileName::new("default").expect("profile")
}

fn id(name: &str) -> RecordId {
    RecordId::new(name).expect("id")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).expect("list folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

fn scan(files: &[PathBuf], needles: &[(&str, &[u8])]) {
    for file in files {
        let bytes = fs::read(file).expect("read file");
        for (what, needle) in needles {
            assert!(
                !bytes.windows(needle.len()).any(|window| window == *needle),
                "the {what} appears in {}",
                file.display()
            );
        }
    }
}

#[test]
#[should_panic(expected = "the planted secret appears in")]
fn the_leak_scan_finds_a_planted_secret() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::create_dir(dir.path().join("sub")).expect("folder");
    fs::write(dir.path().join("sub/file"), b"prefix 0.AR-planted suffix").expect("write");
    scan(&files_under(dir.path()), &[("planted secret", b"0.AR-planted")]);
}

fn decode_hex(hex: &[u8]) -> Vec<u8> {
    hex.chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).expect("hex"), 16).expect("hex"))
        .collect()
}
