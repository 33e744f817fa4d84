//! [`TokenSource`]: where the client gets its bearer tokens, declared here so that this crate
//! does not depend on the identity crate.

use std::{future::Future, pin::Pin};

use spconnect_secret::Secret;

/// The future a [`TokenSource`] answers with.
pub type TokenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Secret<String>, TokenError>> + Send + 'a>>;

/// Hands out access tokens for Microsoft Graph covering the given scopes (full scope URIs such
/// as `https://graph.microsoft.com/User.Read`), for one signed-in person or one application.
pub trait TokenSource: Send + Sync {
    /// A token covering `scopes`.
    fn token<'a>(&'a self, scopes: &'a [&'a str]) -> TokenFuture<'a>;
}

/// A [`TokenSource`] that always hands out the same access token, obtained elsewhere (tests,
/// benchmarks, a program given a token).
pub struct FixedToken(Secret<String>);

impl FixedToken {
    /// A source handing out `token`.
    pub fn new(token: impl Into<String>) -> Self {
        Self(Secret::new(token.into()))
    }
}

impl TokenSource for FixedToken {
    fn token<'a>(&'a self, _scopes: &'a [&'a str]) -> TokenFuture<'a> {
        Box::pin(async move { Ok(self.0.clone()) })
    }
}

/// Why no token could be had, in words a person can act on (never containing a secret).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TokenError {
    /// The explanation.
    pub message: String,
    /// What could help.
    pub kind: TokenErrorKind,
}

/// What could help when no token could be had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenErrorKind {
    /// Only the person signing in again: the sign-in expired, was revoked, or needs MFA.
    SignInAgain,
    /// The person (or an administrator) consenting to the scopes asked for; the account's other
    /// tokens still work (docs/microsoft §1.13).
    ConsentRequired,
    /// Waiting, or fixing something outside the account (the network, the keychain).
    Other,
}
