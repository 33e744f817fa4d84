//! The settings file on a real file system, in a temporary folder.

use std::fs;

use spconnect_settings::{CloudSetting, Settings, SettingsError, SettingsStore};

fn gcc_high() -> Settings {
    Settings { cloud: CloudSetting::UsGovGccHigh, ..Settings::default() }
}

#[test]
fn a_missing_file_gives_the_defaults_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SettingsStore::in_dir(&dir.path().join("not-yet"));
    let loaded = store.load().expect("loads");
    assert_eq!(loaded.settings, Settings::default());
    assert_eq!(loaded.settings.cloud, CloudSetting::Global);
    assert_eq!(loaded.notice, None);
    assert!(!dir.path().join("not-yet").exists());
}

#[test]
fn saved_settings_load_back_in_a_new_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config");
    SettingsStore::in_dir(&config).save(&gcc_high()).expect("saves, creating the folder");
    let loaded = SettingsStore::in_dir(&config).load().expect("loads");
    assert_eq!(loaded.settings, gcc_high());
    assert_eq!(loaded.notice, None);
}

#[test]
fn custom_endpoints_are_stored_normalised() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SettingsStore::in_dir(dir.path());
    let typed = Settings {
        cloud: CloudSetting::Custom {
            authority_host: " Login.Example.com/ ".into(),
            graph_host: "http://127.0.0.1:8080".into(),
        },
        ..Settings::default()
    };
    let stored = store.save(&typed).expect("saves");
    let expected = CloudSetting::Custom {
        authority_host: "https://login.example.com".into(),
        graph_host: "http://127.0.0.1:8080".into(),
    };
    assert_eq!(stored.cloud, expected);
    let on_disk = fs::read_to_string(store.path()).expect("file exists");
    assert!(on_disk.contains("\"authorityHost\": \"https://login.example.com\""), "{on_disk}");
    assert_eq!(store.load().expect("loads").settings.cloud, expected);
}

#[test]
fn bad_input_is_refused_and_the_saved_file_is_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SettingsStore::in_dir(dir.path());
    store.save(&gcc_high()).expect("saves");
    let before = fs::read(store.path()).expect("file exists");
    let bad = Settings {
        cloud: CloudSetting::Custom {
            authority_host: "https://login.example.com/common".into(),
            graph_host: "graph.example.com".into(),
        },
        ..Settings::default()
    };
    assert!(matches!(store.save(&bad), Err(SettingsError::InvalidEndpoint { .. })));
    assert_eq!(fs::read(store.path()).expect("still there"), before);
    let leftovers: Vec<_> = fs::read_dir(dir.path()).expect("lists").collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
}

#[test]
fn an_unreadable_file_is_kept_aside_with_a_notice() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SettingsStore::in_dir(dir.path());
    fs::write(store.path(), "{ this is not json").expect("writes");
    let loaded = store.load().expect("loads the defaults");
    assert_eq!(loaded.settings, Settings::default());
    let notice = loaded.notice.expect("the person is told");
    let aside: Vec<_> = fs::read_dir(dir.path())
        .expect("lists")
        .map(|entry| entry.expect("entry").path())
        .collect();
    assert_eq!(aside.len(), 1);
    let aside = &aside[0];
    assert!(aside.to_string_lossy().contains("settings.json.unreadable-"), "{aside:?}");
    assert_eq!(fs::read_to_string(aside).expect("kept"), "{ this is not json");
    assert!(notice.contains(&aside.display().to_string()), "{notice}");
    assert!(!store.path().exists());
}

#[test]
fn a_file_with_an_invalid_custom_endpoint_is_kept_aside_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SettingsStore::in_dir(dir.path());
    fs::write(
        store.path(),
        r#"{"cloud":{"kind":"custom","authorityHost":"http://evil.example","graphHost":"g.example"}}"#,
    )
    .expect("writes");
    let loaded = store.load().expect("loads the defaults");
    assert_eq!(loaded.settings.cloud, CloudSetting::Global);
    assert!(loaded.notice.expect("told").contains("authority host"));
}

#[test]
fn a_folder_that_cannot_be_written_gives_a_write_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let blocker = dir.path().join("file-not-folder");
    fs::write(&blocker, "x").expect("writes");
    let store = SettingsStore::in_dir(&blocker.join("config"));
    let error = store.save(&gcc_high()).expect_err("a file stands where the folder should be");
    assert!(matches!(error, SettingsError::Write { .. }), "{error:?}");
    assert!(error.is_retryable());
    assert!(error.to_string().contains("previous settings are unchanged"), "{error}");
}
