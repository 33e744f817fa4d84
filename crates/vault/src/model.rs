//! The names the vault keeps things under: [`EntryKey`] (a keychain entry's service and account),
//! [`RefreshTokenKey`] (whose refresh token it is), [`ProfileName`] and [`RecordId`]. Each is
//! checked when made, so a name that reaches the keychain or the file system is always one of ours.
//! None of them is secret.

use std::fmt;

use crate::error::VaultError;

/// The keychain service every secret of spconnect is kept under.
pub const SERVICE: &str = "spconnect";

/// Where one secret lives in the keychain: the service (the application) and the account (which
/// secret of it). Secret Service stores them as the `service` and `username` attributes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryKey {
    service: String,
    account: String,
}

impl EntryKey {
    /// A key from a service and an account, both non-empty, at most 256 characters, and free of
    /// control characters.
    pub fn new(service: &str, account: &str) -> Result<Self, VaultError> {
        check_name("keychain service", service, 256, |c| !c.is_control())?;
        check_name("keychain account", account, 256, |c| !c.is_control())?;
        Ok(Self { service: service.to_owned(), account: account.to_owned() })
    }

    /// The service part.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The account part.
    pub fn account(&self) -> &str {
        &self.account
    }
}

impl fmt::Display for EntryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.account, self.service)
    }
}

/// Whose refresh token: the tenant, the person's object id in it, and the client application
/// that signed them in. One person signed in with two clients has two tokens.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RefreshTokenKey {
    tenant_id: String,
    object_id: String,
    client_id: String,
}

/// How a refresh token's keychain account starts; the one place its format is written.
const REFRESH_TOKEN_PREFIX: &str = "refresh-token/";

impl RefreshTokenKey {
    /// A key from the three ids, each a GUID (the `tid` and `oid` claims of the id token and the
    /// application's client id). They are kept in lower case, so `ABC…` and `abc…` are one key.
    pub fn new(tenant_id: &str, object_id: &str, client_id: &str) -> Result<Self, VaultError> {
        Ok(Self {
            tenant_id: guid("tenant id", tenant_id)?,
            object_id: guid("object id", object_id)?,
            client_id: guid("client id", client_id)?,
        })
    }

    /// The tenant's id.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// The person's object id in the tenant.
    pub fn object_id(&self) -> &str {
        &self.object_id
    }

    /// The client application's id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Whether this key belongs to the person `object_id` of tenant `tenant_id` (any client).
    pub fn is_person(&self, tenant_id: &str, object_id: &str) -> bool {
        self.tenant_id.eq_ignore_ascii_case(tenant_id)
            && self.object_id.eq_ignore_ascii_case(object_id)
    }

    /// The keychain account this token is kept under:
    /// `refresh-token/{tenant id}/{object id}/{client id}`.
    pub fn account(&self) -> String {
        format!("{REFRESH_TOKEN_PREFIX}{}/{}/{}", self.tenant_id, self.object_id, self.client_id)
    }

    /// The key a keychain account names, or `None` when the account is not a refresh token's.
    pub fn from_account(account: &str) -> Option<Self> {
        let mut parts = account.strip_prefix(REFRESH_TOKEN_PREFIX)?.split('/');
        let (tenant, object, client) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        Self::new(tenant, object, client).ok()
    }
}

impl fmt::Display for RefreshTokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "person {} in tenant {} (client {})",
            self.object_id, self.tenant_id, self.client_id
        )
    }
}

/// A profile's name: each profile has its own data key and its own folder of records. Letters,
/// digits, `-`, `_` and `.`, not starting with `.`, at most 64 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProfileName(String);

impl ProfileName {
    /// Checks a profile name.
    pub fn new(name: &str) -> Result<Self, VaultError> {
        check_file_name("profile name", name, 64)?;
        Ok(Self(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The keychain account of this profile's data key: `data-key/{profile}`.
    pub(crate) fn data_key_account(&self) -> String {
        format!("data-key/{}", self.0)
    }
}

impl fmt::Display for ProfileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A record's id: its file name and what its encryption is bound to. Letters, digits, `-`, `_`
/// and `.`, not starting with `.`, at most 128 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId(String);

impl RecordId {
    /// Checks a record id.
    pub fn new(id: &str) -> Result<Self, VaultError> {
        check_file_name("record id", id, 128)?;
        Ok(Self(id.to_owned()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn check_name(
    field: &'static str,
    input: &str,
    max: usize,
    allowed: impl Fn(char) -> bool,
) -> Result<(), VaultError> {
    let refuse = |reason| Err(VaultError::InvalidName { field, input: input.to_owned(), reason });
    if input.is_empty() {
        return refuse("it is empty");
    }
    if input.chars().count() > max {
        return refuse("it is too long");
    }
    if !input.chars().all(allowed) {
        return refuse("it contains a character that is not allowed");
    }
    Ok(())
}

fn check_file_name(field: &'static str, input: &str, max: usize) -> Result<(), VaultError> {
    check_name(field, input, max, |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))?;
    if input.starts_with('.') {
        return Err(VaultError::InvalidName {
            field,
            input: input.to_owned(),
            reason: "it starts with a dot",
        });
    }
    Ok(())
}

/// A GUID in its 8-4-4-4-12 hexadecimal form, in lower case.
fn guid(field: &'static str, input: &str) -> Result<String, VaultError> {
    let groups: Vec<&str> = input.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|group| group.len()).collect();
    let hex = groups.iter().all(|group| group.chars().all(|c| c.is_ascii_hexdigit()));
    if lengths != [8, 4, 4, 4, 12] || !hex {
        return Err(VaultError::InvalidName {
            field,
            input: input.to_owned(),
            reason: "it is not a GUID (8-4-4-4-12 hexadecimal digits)",
        });
    }
    Ok(input.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: &str = "72F988BF-86F1-41AF-91AB-2D7CD011DB47";
    const PERSON: &str = "00000000-0000-0000-0000-0000000000a1";
    const CLIENT: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

    #[test]
    fn a_refresh_token_key_round_trips_through_its_account() {
        let key = RefreshTokenKey::new(TENANT, PERSON, CLIENT).expect("valid ids");
        assert_eq!(
            key.account(),
            "refresh-token/72f988bf-86f1-41af-91ab-2d7cd011db47/00000000-0000-0000-0000-0000000000a1/14d82eec-204b-4c2f-b7e8-296a70dab67e"
        );
        assert_eq!(RefreshTokenKey::from_account(&key.account()), Some(key.clone()));
        assert!(key.is_person(&TENANT.to_lowercase(), PERSON));
        assert!(!key.is_person(TENANT, CLIENT));
    }

    #[test]
    fn foreign_accounts_are_not_refresh_tokens() {
        for account in [
            "data-key/default",
            "refresh-token/",
            "refresh-token/a/b/c",
            &format!("refresh-token/{TENANT}/{PERSON}"),
            &format!("refresh-token/{TENANT}/{PERSON}/{CLIENT}/extra"),
            &format!("other/{TENANT}/{PERSON}/{CLIENT}"),
        ] {
            assert_eq!(RefreshTokenKey::from_account(account), None, "{account}");
        }
    }

    #[test]
    fn ids_must_be_guids() {
        for bad in ["", "contoso.onmicrosoft.com", "72f988bf86f141af91ab2d7cd011db47", "../../etc"]
        {
            let error = RefreshTokenKey::new(bad, PERSON, CLIENT).expect_err(bad);
            assert!(error.to_string().contains("tenant id"), "{error}");
        }
        assert!(
            RefreshTokenKey::new(TENANT, "zzzzzzzz-0000-0000-0000-000000000000", CLIENT).is_err()
        );
    }

    #[test]
    fn record_ids_and_profiles_are_safe_file_names() {
        assert!(RecordId::new("connection-1.v2_a").is_ok());
        for bad in ["", ".hidden", "../up", "a/b", "a\\b", "space here", "ü", &"x".repeat(129)] {
            assert!(RecordId::new(bad).is_err(), "{bad:?}");
            assert!(ProfileName::new(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            ProfileName::new("default").expect("valid").data_key_account(),
            "data-key/default"
        );
    }

    #[test]
    fn entry_keys_refuse_empty_and_control_characters() {
        assert!(EntryKey::new(SERVICE, "a").is_ok());
        assert!(EntryKey::new("", "a").is_err());
        assert!(EntryKey::new(SERVICE, "").is_err());
        assert!(EntryKey::new(SERVICE, "a\nb").is_err());
    }
}
