//! Login events and brute-force bookkeeping of the token endpoint, so that the handler
//! reads as the protocol. Events cost nothing unless the realm stores them or the event
//! log level is on.

use std::collections::BTreeMap;

use portcullis_core::brute_force::FailureKind;
use portcullis_core::event::{Event, EventType};
use portcullis_core::realm::Realm;

use crate::brute_force::Outcome;
use crate::oauth::now_ms;
use crate::rate_limit::RateLimited;
use crate::state::AppState;

/// Longest caller-chosen value (an unknown `client_id`, a username) kept in an event.
const MAX_FIELD: usize = 255;

/// One token request's audit context.
pub struct Audit<'a> {
    pub state: &'a AppState,
    pub realm: &'a Realm,
    pub address: &'a str,
    /// The grant of a token request; empty for introspection and revocation.
    pub grant_type: &'a str,
}

/// Who an event is about.
#[derive(Default)]
pub struct Who<'a> {
    pub client_id: &'a str,
    pub user_id: Option<&'a str>,
    pub username: Option<&'a str>,
}

impl Audit<'_> {
    fn protected(&self) -> bool {
        self.realm.brute_force.brute_force_protected
    }

    /// Records an event of `t` (`error` for `_ERROR` types).
    pub fn event(&self, t: EventType, who: &Who<'_>, error: Option<&str>) {
        let wanted = self.realm.events.stores(t)
            || if t.is_error() {
                tracing::enabled!(target: "portcullis::events", tracing::Level::WARN)
            } else {
                tracing::enabled!(target: "portcullis::events", tracing::Level::DEBUG)
            };
        if !wanted {
            return;
        }
        let mut details = BTreeMap::new();
        if !self.grant_type.is_empty() {
            details.insert("grant_type".to_owned(), self.grant_type.to_owned());
        }
        details.insert("auth_method".to_owned(), "client-secret".to_owned());
        if let Some(u) = who.username {
            details.insert("username".to_owned(), clip(u));
        }
        let event = Event {
            id: portcullis_core::new_id(),
            time: now_ms(),
            event_type: t,
            realm_id: self.realm.id.clone(),
            client_id: Some(clip(who.client_id)),
            user_id: who.user_id.map(str::to_owned),
            ip_address: Some(self.address.to_owned()),
            error: error.map(str::to_owned),
            details,
        };
        self.state.events.login(self.realm, event);
    }

    /// A 429 when the caller's address or `subject` is locked.
    pub fn locked(&self, kind: FailureKind, subject: &str) -> Option<RateLimited> {
        if !self.protected() {
            return None;
        }
        let bf = &self.state.brute_force;
        let ms = bf
            .locked_ms(&self.realm.id, kind, subject)
            .or_else(|| bf.locked_ms(&self.realm.id, FailureKind::Address, self.address))?;
        Some(RateLimited { retry_after_s: ms.div_euclid(1000) as u64 + 1 })
    }

    /// Counts a failure of `subject` (if any) and of the address; the outcome of the
    /// subject's count. A store error is logged, never turned into the caller's error.
    pub async fn failed(&self, kind: FailureKind, subject: Option<&str>) -> Outcome {
        if !self.protected() {
            return Outcome::Counted;
        }
        let store = self.state.store.as_ref();
        let bf = &self.state.brute_force;
        let mut outcome = Outcome::Counted;
        if let Some(s) = subject {
            match bf.failure(store, self.realm, kind, s, self.address).await {
                Ok(o) => outcome = o,
                Err(e) => tracing::warn!(error = %e, "could not count an authentication failure"),
            }
        }
        if let Err(e) = bf.failure(store, self.realm, FailureKind::Address, self.address, self.address).await {
            tracing::warn!(error = %e, "could not count an authentication failure");
        }
        outcome
    }

    /// Resets `subject`'s count after a success.
    pub async fn succeeded(&self, kind: FailureKind, subject: &str) {
        if self.protected() {
            self.state.brute_force.success(self.state.store.as_ref(), &self.realm.id, kind, subject).await;
        }
    }
}

fn clip(s: &str) -> String {
    match s.char_indices().nth(MAX_FIELD) {
        Some((i, _)) => s[..i].to_owned(),
        None => s.to_owned(),
    }
}
