//! The device code sign-in (docs/microsoft §1.7): ask for a code, show it with the verification
//! URL, then poll the token endpoint no faster than `interval` (5 s slower after each
//! `slow_down`) until the person finishes, declines, or the code expires. Cancellable.

use std::time::{Duration, Instant};

use serde::Deserialize;
use spconnect_secret::Secret;

use crate::{
    Identity,
    cancel::{CancelHandle, cancelled},
    client::Failure,
    error::IdentityError,
    model::{Account, Authority, resource_of, single_resource, with_oidc},
};

/// A device code sign-in waiting for the person: show [`user_code`](Self::user_code) and
/// [`verification_uri`](Self::verification_uri), then await [`finish`](Self::finish).
pub struct DeviceCodeSignIn {
    identity: Identity,
    authority: Authority,
    pub(crate) device_code: Secret<String>,
    user_code: String,
    verification_uri: String,
    message: String,
    expires: Instant,
    interval: Duration,
    scopes: Vec<String>,
    cancel: CancelHandle,
    cancelled: tokio::sync::watch::Receiver<bool>,
}

impl std::fmt::Debug for DeviceCodeSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCodeSignIn")
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

/// The devicecode answer; never printed.
#[derive(Deserialize)]
struct RawDeviceCode {
    device_code: String,
    user_code: String,
    verification_uri: String,
    expires_in: u64,
    #[serde(default)]
    interval: Option<u64>,
    #[serde(default)]
    message: String,
}

/// What to do after one poll that was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Poll {
    /// Keep waiting at the same pace.
    Wait,
    /// Keep waiting, 5 seconds slower.
    SlowDown,
}

/// The next step for a refused poll, or the error that ends the sign-in.
pub(crate) fn after_refusal(error: &str) -> Result<Poll, IdentityError> {
    match error {
        "authorization_pending" => Ok(Poll::Wait),
        "slow_down" => Ok(Poll::SlowDown),
        "expired_token" => Err(IdentityError::DeviceCodeExpired),
        "authorization_declined" | "access_denied" => Err(IdentityError::DeviceCodeDeclined),
        "bad_verification_code" => Err(IdentityError::DeviceCodeNotRecognised),
        _ => Ok(Poll::Wait),
    }
}

impl Identity {
    /// Asks for a device code for `scopes` (all of one resource).
    pub async fn start_device_code(
        &self,
        scopes: &[&str],
    ) -> Result<DeviceCodeSignIn, IdentityError> {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        single_resource(&scopes)?;
        let config = self.config();
        let authority = config.authority.clone();
        let scope = with_oidc(&scopes);
        let form = [("client_id", config.client_id.as_str()), ("scope", scope.as_str())];
        let (status, retry_after, body) =
            self.inner.http.post(&authority.url("oauth2/v2.0/devicecode"), &form).await?;
        if status != 200 {
            return Err(crate::client::failure_of(status, retry_after, &body).into());
        }
        let raw: RawDeviceCode = serde_json::from_str(&body).map_err(|_| {
            IdentityError::Protocol(
                "the device code answer is not the JSON Microsoft documents".into(),
            )
        })?;
        let (cancel, cancelled) = CancelHandle::new();
        tracing::info!(expires_in = raw.expires_in, "device code sign-in started");
        Ok(DeviceCodeSignIn {
            identity: self.clone(),
            authority,
            device_code: Secret::new(raw.device_code),
            user_code: raw.user_code,
            verification_uri: raw.verification_uri,
            message: raw.message,
            expires: Instant::now() + Duration::from_secs(raw.expires_in),
            interval: Duration::from_secs(raw.interval.unwrap_or(5).max(1)),
            scopes,
            cancel,
            cancelled,
        })
    }
}

impl DeviceCodeSignIn {
    /// The code the person types.
    pub fn user_code(&self) -> &str {
        &self.user_code
    }

    /// Where they type it.
    pub fn verification_uri(&self) -> &str {
        &self.verification_uri
    }

    /// Microsoft's ready-made sentence with both.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// How long the code stays valid from now.
    pub fn expires_in(&self) -> Duration {
        self.expires.saturating_duration_since(Instant::now())
    }

    /// A handle that cancels this sign-in from elsewhere.
    pub fn cancel_handle(&self) -> CancelHandle {
        self.cancel.clone()
    }

    /// Polls until the person finishes (then checks the id token and keeps the tokens), declines,
    /// or the code expires; or until cancelled.
    pub async fn finish(self) -> Result<Account, IdentityError> {
        let Self {
            identity,
            authority,
            device_code,
            expires,
            mut interval,
            scopes,
            cancelled: stop,
            ..
        } = self;
        let config = identity.config();
        let url = authority.url("oauth2/v2.0/token");
        let stop = cancelled(stop);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                () = &mut stop => return Err(IdentityError::Cancelled),
            }
            if Instant::now() >= expires {
                return Err(IdentityError::DeviceCodeExpired);
            }
            let form = [
                ("client_id", config.client_id.as_str()),
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("device_code", device_code.expose().as_str()),
            ];
            match identity.inner.http.token_once(&url, &form).await {
                Ok(answer) => {
                    let asked: Vec<String> =
                        scopes.iter().filter(|s| resource_of(s).is_some()).cloned().collect();
                    return identity.complete_sign_in(&authority, None, &asked, answer).await;
                }
                Err(Failure::Rejected(rejection)) => match after_refusal(&rejection.error) {
                    Ok(Poll::Wait) => {}
                    Ok(Poll::SlowDown) => interval += Duration::from_secs(5),
                    Err(error) => return Err(error),
                },
                Err(Failure::Other(error)) if error.is_retryable() => {
                    if let Some(wait) = error.retry_after() {
                        interval = interval.max(wait);
                    }
                }
                Err(Failure::Other(error)) => return Err(error),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_answers_keep_waiting_slow_down_or_end_in_plain_words() {
        assert_eq!(after_refusal("authorization_pending").ok(), Some(Poll::Wait));
        assert_eq!(after_refusal("slow_down").ok(), Some(Poll::SlowDown));
        for (error, words) in [
            ("expired_token", "expired"),
            ("authorization_declined", "declined"),
            ("bad_verification_code", "does not recognise"),
        ] {
            let text = after_refusal(error).expect_err("ends the sign-in").to_string();
            assert!(text.contains(words), "{error}: {text}");
        }
    }
}
