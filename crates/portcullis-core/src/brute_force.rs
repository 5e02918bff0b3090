//! Brute-force detection: Keycloak's per-realm settings and its lockout arithmetic, applied
//! to client authentication and user logins, each counted per client or user and per
//! source address.
//!
//! The rule (Keycloak's `DefaultBruteForceProtector`): failures more than
//! `maxDeltaTimeSeconds` apart start the count again; once the count reaches
//! `failureFactor`, each failure locks for `waitIncrementSeconds` times
//! `count / failureFactor`, capped at `maxFailureWaitSeconds`; two failures less than
//! `quickLoginCheckMilliSeconds` apart lock for at least `minimumQuickLoginWaitSeconds`.
//! A lock is always temporary for clients and addresses; `permanentLockout` disables
//! users only, as in Keycloak, so an attacker can never silence a client for good.

use serde::{Deserialize, Serialize};

/// Keycloak's brute-force detection settings, with its defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BruteForceSettings {
    /// Whether detection is on (off by default, as in Keycloak).
    pub brute_force_protected: bool,
    /// Disable a user for good after `max_temporary_lockouts` temporary ones.
    pub permanent_lockout: bool,
    /// Temporary lockouts before a permanent one (0: the first lockout is permanent).
    pub max_temporary_lockouts: i64,
    /// Cap of one lockout.
    pub max_failure_wait_seconds: i64,
    /// Lockout after two failures closer than `quick_login_check_milli_seconds`.
    pub minimum_quick_login_wait_seconds: i64,
    /// Lockout growth per `failure_factor` failures.
    pub wait_increment_seconds: i64,
    /// Two failures closer than this are "quick".
    pub quick_login_check_milli_seconds: i64,
    /// Failures further apart than this start the count again.
    pub max_delta_time_seconds: i64,
    /// Failures before the first lockout.
    pub failure_factor: i64,
}

impl Default for BruteForceSettings {
    fn default() -> Self {
        Self {
            brute_force_protected: false,
            permanent_lockout: false,
            max_temporary_lockouts: 0,
            max_failure_wait_seconds: 900,
            minimum_quick_login_wait_seconds: 60,
            wait_increment_seconds: 60,
            quick_login_check_milli_seconds: 1000,
            max_delta_time_seconds: 43_200,
            failure_factor: 30,
        }
    }
}

impl BruteForceSettings {
    /// Checks values an admin may set.
    pub fn validate(&self) -> crate::error::CoreResult<()> {
        let fields = [
            ("maxTemporaryLockouts", self.max_temporary_lockouts),
            ("maxFailureWaitSeconds", self.max_failure_wait_seconds),
            ("minimumQuickLoginWaitSeconds", self.minimum_quick_login_wait_seconds),
            ("waitIncrementSeconds", self.wait_increment_seconds),
            ("quickLoginCheckMilliSeconds", self.quick_login_check_milli_seconds),
            ("maxDeltaTimeSeconds", self.max_delta_time_seconds),
        ];
        if let Some((name, _)) = fields.iter().find(|(_, v)| *v < 0) {
            return Err(crate::CoreError::Invalid(format!("{name} must not be negative")));
        }
        if self.failure_factor < 1 {
            return Err(crate::CoreError::Invalid("failureFactor must be at least 1".into()));
        }
        Ok(())
    }
}

/// What a failure counter belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureKind {
    /// A client (by internal id): failed client authentication.
    Client,
    /// A user (by id): failed password login.
    User,
    /// A source address: any failure coming from it.
    Address,
}

impl FailureKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::User => "user",
            Self::Address => "address",
        }
    }

    /// Parses a stored or URL name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "client" | "clients" => Some(Self::Client),
            "user" | "users" => Some(Self::User),
            "address" | "addresses" => Some(Self::Address),
            _ => None,
        }
    }
}

/// One failure counter as stored, shared by every instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureRecord {
    /// Realm id.
    pub realm_id: String,
    /// What is counted.
    pub kind: FailureKind,
    /// Client id, user id or address.
    pub subject: String,
    /// Failures in the current count.
    pub num_failures: i64,
    /// Time of the last failure (epoch ms).
    pub last_failure_ms: i64,
    /// Address of the last failure.
    pub last_address: String,
    /// Locked until this time (epoch ms); 0 when never locked.
    pub locked_until_ms: i64,
    /// Lockouts so far in this count.
    pub lockouts: i64,
}

impl FailureRecord {
    /// Milliseconds of lock left at `now_ms` (0: not locked).
    pub fn lock_left_ms(&self, now_ms: i64) -> i64 {
        (self.locked_until_ms - now_ms).max(0)
    }
}

/// A lock placed (`until_ms` in the future) or cleared (`until_ms` 0; `kind`/`subject`
/// `None` for all of a realm or kind), as announced between instances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockNotice {
    /// Realm id.
    pub realm_id: String,
    /// Kind, or all kinds.
    pub kind: Option<FailureKind>,
    /// Subject, or all of the kind.
    pub subject: Option<String>,
    /// Locked until (epoch ms); 0: cleared.
    pub until_ms: i64,
}

/// The counter after one more failure, as the store's atomic increment reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// Failures in the count, this one included.
    pub num_failures: i64,
    /// Time of the failure before this one (epoch ms), 0 when this is the first.
    pub previous_failure_ms: i64,
}

/// The lock a failure earns: `None`, a temporary one until an epoch-ms time, or (users
/// only) a permanent one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lockout {
    /// Below the threshold.
    None,
    /// Locked until this time (epoch ms).
    Until(i64),
    /// Disable the user (Keycloak's permanent lockout).
    Permanent,
}

/// The lockout one more failure earns, Keycloak's arithmetic; `lockouts` is the number of
/// temporary lockouts already given in this count.
pub fn lockout_after(s: &BruteForceSettings, kind: FailureKind, c: Counted, lockouts: i64, now_ms: i64) -> Lockout {
    let factor = s.failure_factor.max(1);
    let mut wait_s = 0;
    if c.num_failures >= factor {
        if s.permanent_lockout && kind == FailureKind::User && lockouts >= s.max_temporary_lockouts {
            return Lockout::Permanent;
        }
        wait_s = s.wait_increment_seconds.saturating_mul(c.num_failures / factor);
    }
    let quick = c.previous_failure_ms > 0 && now_ms - c.previous_failure_ms < s.quick_login_check_milli_seconds;
    if quick {
        wait_s = wait_s.max(s.minimum_quick_login_wait_seconds);
    }
    wait_s = wait_s.min(s.max_failure_wait_seconds);
    if wait_s > 0 {
        Lockout::Until(now_ms.saturating_add(wait_s.saturating_mul(1000)))
    } else {
        Lockout::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s() -> BruteForceSettings {
        BruteForceSettings { brute_force_protected: true, failure_factor: 3, ..Default::default() }
    }

    fn counted(n: i64, prev: i64) -> Counted {
        Counted { num_failures: n, previous_failure_ms: prev }
    }

    #[test]
    fn below_the_factor_nothing_happens_unless_quick() {
        let now = 100_000_000;
        assert_eq!(lockout_after(&s(), FailureKind::Client, counted(1, 0), 0, now), Lockout::None);
        assert_eq!(lockout_after(&s(), FailureKind::Client, counted(2, now - 5_000), 0, now), Lockout::None);
        // Two failures 500 ms apart: quick-login lock of 60 s.
        assert_eq!(
            lockout_after(&s(), FailureKind::Client, counted(2, now - 500), 0, now),
            Lockout::Until(now + 60_000)
        );
    }

    #[test]
    fn wait_grows_with_failures_and_is_capped() {
        let now = 100_000_000;
        let slow = |n| lockout_after(&s(), FailureKind::Address, counted(n, now - 10_000), 0, now);
        assert_eq!(slow(3), Lockout::Until(now + 60_000));
        assert_eq!(slow(5), Lockout::Until(now + 60_000));
        assert_eq!(slow(6), Lockout::Until(now + 120_000));
        assert_eq!(slow(3000), Lockout::Until(now + 900_000));
    }

    #[test]
    fn permanent_lockout_is_for_users_only() {
        let now = 100_000_000;
        let p = BruteForceSettings { permanent_lockout: true, max_temporary_lockouts: 1, ..s() };
        let c = counted(3, now - 10_000);
        assert_eq!(lockout_after(&p, FailureKind::User, c, 0, now), Lockout::Until(now + 60_000));
        assert_eq!(lockout_after(&p, FailureKind::User, c, 1, now), Lockout::Permanent);
        assert_eq!(lockout_after(&p, FailureKind::Client, c, 5, now), Lockout::Until(now + 60_000));
    }

    #[test]
    fn settings_are_checked() {
        assert!(s().validate().is_ok());
        assert!(BruteForceSettings { failure_factor: 0, ..s() }.validate().is_err());
        assert!(BruteForceSettings { wait_increment_seconds: -1, ..s() }.validate().is_err());
    }
}
