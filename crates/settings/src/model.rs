use serde::{Deserialize, Serialize};
use ts_rs::TS;
use url::{Host, Url};

use crate::error::{EndpointField, SettingsError};

/// Everything the person chooses in Settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// The Microsoft cloud the app signs in to and calls.
    #[serde(default)]
    pub cloud: CloudSetting,
    /// The client application spconnect signs people in with, per tenant.
    #[serde(default)]
    pub tenant_profiles: Vec<TenantProfile>,
}

impl Settings {
    /// Checks the settings and returns them with custom endpoints in their normal form
    /// (`https://host[:port]`), which is how they are stored; tenants in lower case, one profile
    /// per tenant (the last given wins).
    pub fn normalized(&self) -> Result<Self, SettingsError> {
        let mut profiles: Vec<TenantProfile> = Vec::new();
        for profile in &self.tenant_profiles {
            let profile = profile.normalized()?;
            profiles.retain(|p| p.tenant != profile.tenant);
            profiles.push(profile);
        }
        Ok(Self { cloud: self.cloud.normalized()?, tenant_profiles: profiles })
    }

    /// The client application id kept for `tenant` (a domain or a tenant id), if any.
    pub fn client_id_for(&self, tenant: &str) -> Option<&str> {
        let tenant = tenant.trim().to_ascii_lowercase();
        self.tenant_profiles.iter().find(|p| p.tenant == tenant).map(|p| p.client_id.as_str())
    }

    /// The same settings with `profile` kept (replacing the tenant's earlier one).
    pub fn with_profile(&self, profile: TenantProfile) -> Result<Self, SettingsError> {
        let mut settings = self.clone();
        settings.tenant_profiles.push(profile);
        settings.normalized()
    }
}

/// The client application spconnect signs people in with in one tenant: its own registration
/// there ("Register spconnect in this tenant" makes one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TenantProfile {
    /// The tenant: a verified domain (`contoso.onmicrosoft.com`) or its tenant id.
    pub tenant: String,
    /// The application (client) id, a GUID.
    pub client_id: String,
}

impl TenantProfile {
    /// Checks the tenant (a domain or a GUID) and the client id (a GUID).
    pub fn normalized(&self) -> Result<Self, SettingsError> {
        let tenant = self.tenant.trim().to_ascii_lowercase();
        let domain_like = tenant.contains('.')
            && tenant.split('.').all(|label| {
                !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !(domain_like || is_guid(&tenant)) {
            return Err(SettingsError::InvalidProfile {
                field: "tenant",
                input: self.tenant.trim().to_owned(),
                reason: "use the tenant's domain (such as contoso.onmicrosoft.com) or its tenant id",
            });
        }
        let client_id = self.client_id.trim().to_ascii_lowercase();
        if !is_guid(&client_id) {
            return Err(SettingsError::InvalidProfile {
                field: "clientId",
                input: self.client_id.trim().to_owned(),
                reason: "an application (client) id looks like 00000000-0000-0000-0000-000000000000",
            });
        }
        Ok(Self { tenant, client_id })
    }
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The identifier of a cloud choice, as the UI and the settings file name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum CloudId {
    /// The global Azure cloud (also used by Microsoft 365 GCC).
    Global,
    /// US Government GCC High.
    UsGovGccHigh,
    /// US Government DoD.
    UsGovDod,
    /// China, operated by 21Vianet.
    China,
    /// Endpoints the person gives.
    Custom,
}

/// The cloud choice, with the endpoints when they are custom.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CloudSetting {
    /// The global Azure cloud.
    #[default]
    Global,
    /// US Government GCC High.
    UsGovGccHigh,
    /// US Government DoD.
    UsGovDod,
    /// China, operated by 21Vianet.
    China,
    /// Custom endpoints, for example a sovereign cloud not listed or a test tenant.
    #[serde(rename_all = "camelCase")]
    Custom {
        /// Where people sign in and tokens are issued, e.g. `https://login.example.com`.
        authority_host: String,
        /// The Microsoft Graph host, e.g. `https://graph.example.com`.
        graph_host: String,
    },
}

/// The endpoints a cloud choice resolves to, each an origin such as `https://graph.microsoft.com`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    /// The Entra authority origin.
    pub authority_host: String,
    /// The Microsoft Graph origin.
    pub graph_host: String,
}

/// One entry of the cloud list shown in Settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CloudOption {
    /// The identifier stored in the settings.
    pub id: CloudId,
    /// The name shown to the person.
    pub label: &'static str,
    /// The authority origin; `None` for custom endpoints.
    pub authority_host: Option<&'static str>,
    /// The Graph origin; `None` for custom endpoints.
    pub graph_host: Option<&'static str>,
}

/// The known clouds, from Microsoft's national cloud documentation (see the reference, section 4).
const KNOWN_CLOUDS: [(CloudId, &str, &str, &str); 4] = [
    (CloudId::Global, "Global", "https://login.microsoftonline.com", "https://graph.microsoft.com"),
    (
        CloudId::UsGovGccHigh,
        "US Government GCC High",
        "https://login.microsoftonline.us",
        "https://graph.microsoft.us",
    ),
    (
        CloudId::UsGovDod,
        "US Government DoD",
        "https://login.microsoftonline.us",
        "https://dod-graph.microsoft.us",
    ),
    (
        CloudId::China,
        "China operated by 21Vianet",
        "https://login.partner.microsoftonline.cn",
        "https://microsoftgraph.chinacloudapi.cn",
    ),
];

impl CloudOption {
    /// All choices in the order Settings shows them, custom endpoints last.
    pub fn all() -> Vec<CloudOption> {
        KNOWN_CLOUDS
            .iter()
            .map(|&(id, label, authority, graph)| CloudOption {
                id,
                label,
                authority_host: Some(authority),
                graph_host: Some(graph),
            })
            .chain(std::iter::once(CloudOption {
                id: CloudId::Custom,
                label: "Custom endpoints",
                authority_host: None,
                graph_host: None,
            }))
            .collect()
    }
}

impl CloudSetting {
    /// Which cloud this is.
    pub fn id(&self) -> CloudId {
        match self {
            Self::Global => CloudId::Global,
            Self::UsGovGccHigh => CloudId::UsGovGccHigh,
            Self::UsGovDod => CloudId::UsGovDod,
            Self::China => CloudId::China,
            Self::Custom { .. } => CloudId::Custom,
        }
    }

    /// The endpoints this choice resolves to; custom endpoints are validated and normalised.
    pub fn endpoints(&self) -> Result<Endpoints, SettingsError> {
        if let Self::Custom { authority_host, graph_host } = self {
            return Ok(Endpoints {
                authority_host: parse_origin(EndpointField::AuthorityHost, authority_host)?,
                graph_host: parse_origin(EndpointField::GraphHost, graph_host)?,
            });
        }
        let id = self.id();
        let (_, _, authority, graph) = KNOWN_CLOUDS
            .iter()
            .find(|(known, ..)| *known == id)
            .copied()
            .unwrap_or(KNOWN_CLOUDS[0]);
        Ok(Endpoints { authority_host: authority.to_owned(), graph_host: graph.to_owned() })
    }

    /// The same choice with custom endpoints in their normal form.
    pub fn normalized(&self) -> Result<Self, SettingsError> {
        match self {
            Self::Custom { .. } => {
                let Endpoints { authority_host, graph_host } = self.endpoints()?;
                Ok(Self::Custom { authority_host, graph_host })
            }
            known => Ok(known.clone()),
        }
    }
}

/// Turns what a person typed for an endpoint into an origin: `login.example.com`,
/// `https://login.example.com/` and `HTTPS://Login.Example.com` all become
/// `https://login.example.com`. Plain `http` is accepted only for loopback addresses (a local tenant
/// emulator); anything with a path, query, fragment or credentials is refused, because an endpoint
/// with those would silently change every URL built from it.
fn parse_origin(field: EndpointField, typed: &str) -> Result<String, SettingsError> {
    let input = typed.trim();
    let invalid =
        |reason| SettingsError::InvalidEndpoint { field, input: input.to_owned(), reason };
    if input.is_empty() {
        return Err(invalid("it is empty; enter a host such as login.example.com"));
    }
    let with_scheme =
        if input.contains("://") { input.to_owned() } else { format!("https://{input}") };
    let url = Url::parse(&with_scheme).map_err(|_| invalid("it is not a host name or URL"))?;
    let loopback = match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(invalid("it has no host name")),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(invalid("it must use https (plain http is allowed only on loopback)"));
        }
        _ => return Err(invalid("it must start with https://")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("it must not contain a user name or password"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("give only the host, without a path, query or fragment"));
    }
    Ok(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom(authority: &str, graph: &str) -> CloudSetting {
        CloudSetting::Custom { authority_host: authority.into(), graph_host: graph.into() }
    }

    #[test]
    fn known_clouds_resolve_to_the_documented_hosts() {
        let cases = [
            (
                CloudSetting::Global,
                "https://login.microsoftonline.com",
                "https://graph.microsoft.com",
            ),
            (
                CloudSetting::UsGovGccHigh,
                "https://login.microsoftonline.us",
                "https://graph.microsoft.us",
            ),
            (
                CloudSetting::UsGovDod,
                "https://login.microsoftonline.us",
                "https://dod-graph.microsoft.us",
            ),
            (
                CloudSetting::China,
                "https://login.partner.microsoftonline.cn",
                "https://microsoftgraph.chinacloudapi.cn",
            ),
        ];
        for (cloud, authority, graph) in cases {
            let endpoints = cloud.endpoints().expect("known clouds always resolve");
            assert_eq!(endpoints.authority_host, authority, "{cloud:?}");
            assert_eq!(endpoints.graph_host, graph, "{cloud:?}");
        }
    }

    #[test]
    fn the_option_list_matches_what_each_choice_resolves_to() {
        let options = CloudOption::all();
        assert_eq!(options.len(), 5);
        assert_eq!(options.last().map(|o| o.id), Some(CloudId::Custom));
        for option in options.iter().filter(|o| o.id != CloudId::Custom) {
            let setting: CloudSetting =
                serde_json::from_value(serde_json::json!({ "kind": option.id }))
                    .expect("every id is a setting kind");
            let endpoints = setting.endpoints().expect("known");
            assert_eq!(Some(endpoints.authority_host.as_str()), option.authority_host);
            assert_eq!(Some(endpoints.graph_host.as_str()), option.graph_host);
        }
    }

    #[test]
    fn custom_hosts_are_normalised_to_origins() {
        let cases = [
            ("login.example.com", "https://login.example.com"),
            ("  https://Login.Example.COM/  ", "https://login.example.com"),
            ("HTTPS://login.example.com:8443", "https://login.example.com:8443"),
            ("https://login.example.com:443", "https://login.example.com"),
            ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
            ("http://localhost:5000/", "http://localhost:5000"),
            ("http://[::1]:5000", "http://[::1]:5000"),
        ];
        for (typed, origin) in cases {
            let endpoints = custom(typed, "graph.example.com").endpoints();
            assert_eq!(endpoints.expect(typed).authority_host, origin, "typed {typed:?}");
        }
    }

    #[test]
    fn unusable_custom_hosts_are_refused_with_the_field_named() {
        let cases = [
            ("", "empty"),
            ("   ", "empty"),
            ("http://login.example.com", "https"),
            ("ftp://login.example.com", "https://"),
            ("https://user:pw@login.example.com", "user name"),
            ("https://login.example.com/tenant", "path"),
            ("https://login.example.com/?x=1", "query"),
            ("https://login.example.com/#frag", "fragment"),
            ("https://exa mple.com", "not a host"),
            ("https://", "not a host"),
        ];
        for (typed, expected_reason) in cases {
            match custom("login.example.com", typed).endpoints() {
                Err(SettingsError::InvalidEndpoint { field, reason, .. }) => {
                    assert_eq!(field, EndpointField::GraphHost, "typed {typed:?}");
                    assert!(reason.contains(expected_reason), "typed {typed:?}: {reason}");
                }
                other => panic!("typed {typed:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn the_error_message_names_the_field_and_the_input() {
        let error = custom("http://login.example.com", "graph.example.com")
            .endpoints()
            .expect_err("plain http to a public host is refused");
        let message = error.to_string();
        assert!(message.contains("authority host"), "{message}");
        assert!(message.contains("http://login.example.com"), "{message}");
        assert!(!error.is_retryable());
    }

    #[test]
    fn settings_serialise_the_way_the_ui_sends_them() {
        let settings = Settings {
            cloud: custom("https://a.example", "https://b.example"),
            ..Settings::default()
        };
        let json = serde_json::to_value(&settings).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({"cloud": {"kind": "custom", "authorityHost": "https://a.example", "graphHost": "https://b.example"}, "tenantProfiles": []})
        );
        let gcc: Settings = serde_json::from_str(r#"{"cloud":{"kind":"usGovGccHigh"}}"#)
            .expect("the UI's shape parses");
        assert_eq!(gcc.cloud, CloudSetting::UsGovGccHigh);
        assert!(serde_json::from_str::<Settings>(r#"{"cloud":{"kind":"mars"}}"#).is_err());
        assert_eq!(
            serde_json::from_str::<Settings>("{}").expect("empty is default"),
            Settings::default()
        );
    }

    #[test]
    fn tenant_profiles_are_checked_normalised_and_one_per_tenant() {
        let profile = |tenant: &str, client: &str| TenantProfile {
            tenant: tenant.into(),
            client_id: client.into(),
        };
        let id = "5B1E0B4E-9A38-4C2A-9C5E-2D2A1B4E5F60";
        let settings = Settings::default()
            .with_profile(profile(" Contoso.onmicrosoft.com ", id))
            .and_then(|s| s.with_profile(profile("contoso.onmicrosoft.com", &id.to_lowercase())))
            .expect("valid");
        assert_eq!(settings.tenant_profiles.len(), 1);
        assert_eq!(
            settings.client_id_for("CONTOSO.onmicrosoft.com"),
            Some(id.to_lowercase().as_str())
        );
        for (tenant, client, field) in [
            ("contoso", id, "tenant"),
            ("contoso.com", "not-a-guid", "clientId"),
            ("a..b", id, "tenant"),
        ] {
            let error =
                Settings::default().with_profile(profile(tenant, client)).expect_err(tenant);
            assert!(
                matches!(&error, SettingsError::InvalidProfile { field: f, .. } if *f == field),
                "{error}"
            );
        }
    }
}
