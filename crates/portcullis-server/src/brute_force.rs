//! Brute-force detection at the token endpoint: failures are counted in the database (one
//! home for every instance), locks are mirrored in memory so that a request for an
//! unlocked client costs no database read. An instance learns of locks placed or cleared
//! elsewhere through the change feed (PostgreSQL `NOTIFY`).
//!
//! Only realms with `bruteForceProtected` pay anything; the others skip this module.

use std::collections::{HashMap, HashSet};
use std::sync::RwLock;

use portcullis_core::brute_force::{lockout_after, FailureKind, LockNotice, Lockout};
use portcullis_core::error::CoreResult;
use portcullis_core::realm::Realm;
use portcullis_core::store::Store;

use crate::oauth::now_ms;

/// Locks and "has failures" marks kept in memory, at most (each); past this the
/// expired locks are dropped, then the oldest marks.
const CAP: usize = 100_000;

type Key = (String, FailureKind, String);

fn key(realm_id: &str, kind: FailureKind, subject: &str) -> Key {
    (realm_id.to_owned(), kind, subject.to_owned())
}

/// What a counted failure led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Counted, no lock.
    Counted,
    /// Locked for this many milliseconds.
    Locked(i64),
    /// The user is to be disabled (permanent lockout).
    Disable,
}

/// The in-memory side of brute-force detection.
#[derive(Debug, Default)]
pub struct BruteForce {
    /// Lock end (epoch ms) by counter.
    locks: RwLock<HashMap<Key, i64>>,
    /// Counters this instance has seen fail, so that a success can reset them.
    failing: RwLock<HashSet<Key>>,
}

impl BruteForce {
    /// Milliseconds of lock left for this counter, as far as this instance knows.
    pub fn locked_ms(&self, realm_id: &str, kind: FailureKind, subject: &str) -> Option<i64> {
        let locks = self.locks.read().ok()?;
        if locks.is_empty() {
            return None;
        }
        let until = *locks.get(&key(realm_id, kind, subject))?;
        let left = until - now_ms();
        (left > 0).then_some(left)
    }

    /// Counts a failure in the database and locks if the realm's settings say so; the
    /// lock is announced to other instances.
    pub async fn failure(
        &self,
        store: &dyn Store,
        realm: &Realm,
        kind: FailureKind,
        subject: &str,
        address: &str,
    ) -> CoreResult<Outcome> {
        let s = &realm.brute_force;
        let now = now_ms();
        let max_delta = s.max_delta_time_seconds.saturating_mul(1000);
        let (counted, lockouts) = store.count_failure(&realm.id, kind, subject, address, now, max_delta).await?;
        self.mark(realm, kind, subject);
        match lockout_after(s, kind, counted, lockouts, now) {
            Lockout::None => Ok(Outcome::Counted),
            Lockout::Permanent => Ok(Outcome::Disable),
            Lockout::Until(until) => {
                store.lock(&realm.id, kind, subject, until).await?;
                let notice = LockNotice {
                    realm_id: realm.id.clone(),
                    kind: Some(kind),
                    subject: Some(subject.to_owned()),
                    until_ms: until,
                };
                self.apply(&notice);
                if let Err(e) = store.publish_lock(&notice).await {
                    tracing::warn!(error = %e, "could not announce a lock to other instances");
                }
                tracing::warn!(
                    target: "portcullis::events",
                    realm = %realm.name, kind = kind.as_str(), subject, failures = counted.num_failures,
                    seconds = (until - now) / 1000,
                    "temporary lockout after repeated authentication failures"
                );
                Ok(Outcome::Locked(until - now))
            }
        }
    }

    /// After a success: forgets a failure count this instance saw (Keycloak resets the
    /// count on a successful login). Counts made only by other instances run out after
    /// `maxDeltaTimeSeconds`.
    pub async fn success(&self, store: &dyn Store, realm_id: &str, kind: FailureKind, subject: &str) {
        let k = key(realm_id, kind, subject);
        let had = self.failing.read().is_ok_and(|f| !f.is_empty() && f.contains(&k));
        if had {
            if let Ok(mut f) = self.failing.write() {
                f.remove(&k);
            }
            if let Err(e) = store.clear_login_failures(realm_id, Some(kind), Some(subject)).await {
                tracing::warn!(error = %e, "could not reset a failure count");
            }
        }
    }

    /// Applies a lock placed or cleared here or by another instance.
    pub fn apply(&self, n: &LockNotice) {
        let Ok(mut locks) = self.locks.write() else { return };
        if n.until_ms > 0 {
            if let (Some(kind), Some(subject)) = (n.kind, &n.subject) {
                if locks.len() >= CAP {
                    let now = now_ms();
                    locks.retain(|_, until| *until > now);
                }
                if locks.len() < CAP {
                    let until = locks.entry(key(&n.realm_id, kind, subject)).or_insert(0);
                    *until = (*until).max(n.until_ms);
                }
            }
            return;
        }
        locks.retain(|(realm, kind, subject), _| {
            !(realm == &n.realm_id
                && n.kind.is_none_or(|k| k == *kind)
                && n.subject.as_ref().is_none_or(|s| s == subject))
        });
        if let Ok(mut f) = self.failing.write() {
            f.retain(|(realm, kind, subject)| {
                !(realm == &n.realm_id
                    && n.kind.is_none_or(|k| k == *kind)
                    && n.subject.as_ref().is_none_or(|s| s == subject))
            });
        }
    }

    /// Clears counters in the database, here and on other instances.
    pub async fn clear(
        &self,
        store: &dyn Store,
        realm_id: &str,
        kind: Option<FailureKind>,
        subject: Option<&str>,
    ) -> CoreResult<u64> {
        let n = store.clear_login_failures(realm_id, kind, subject).await?;
        let notice =
            LockNotice { realm_id: realm_id.to_owned(), kind, subject: subject.map(str::to_owned), until_ms: 0 };
        self.apply(&notice);
        if let Err(e) = store.publish_lock(&notice).await {
            tracing::warn!(error = %e, "could not announce cleared locks to other instances");
        }
        Ok(n)
    }

    /// Forgets every lock (the change feed was interrupted: notices may be lost). Locks
    /// are reloaded from the database by [`BruteForce::reload`].
    pub async fn reload(&self, store: &dyn Store) -> CoreResult<()> {
        let now = now_ms();
        let mut fresh = HashMap::new();
        for realm in store.list_realms().await? {
            if !realm.brute_force.brute_force_protected {
                continue;
            }
            for r in store.list_login_failures(&realm.id, None).await? {
                if r.locked_until_ms > now && fresh.len() < CAP {
                    fresh.insert(key(&r.realm_id, r.kind, &r.subject), r.locked_until_ms);
                }
            }
        }
        if let Ok(mut locks) = self.locks.write() {
            *locks = fresh;
        }
        Ok(())
    }

    fn mark(&self, realm: &Realm, kind: FailureKind, subject: &str) {
        if let Ok(mut f) = self.failing.write() {
            if f.len() >= CAP {
                f.clear();
            }
            f.insert(key(&realm.id, kind, subject));
        }
    }
}
