//! Retries of the token request: on network errors, 5xx and 429 only, with exponential
//! backoff and jitter (so that many instances failing together do not retry together), and
//! `Retry-After` honoured up to the longest delay.

use std::time::Duration;

use rand::Rng as _;

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Attempts in all, the first included; 1 disables retries.
    pub max_attempts: u32,
    /// Delay before the second attempt; doubled before each next one.
    pub initial_delay: Duration,
    /// The longest delay, also the cap on `Retry-After`.
    pub max_delay: Duration,
}

impl Default for Retry {
    /// 4 attempts, 200 ms doubling up to 5 s: a restart of the authorization server within
    /// about 1.5 s goes unnoticed.
    fn default() -> Self {
        Self { max_attempts: 4, initial_delay: Duration::from_millis(200), max_delay: Duration::from_secs(5) }
    }
}

impl Retry {
    /// No retries.
    pub fn never() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// The delay after failed attempt number `attempt` (1-based): the server's `Retry-After`
    /// when it gave one, else `initial_delay · 2^(attempt-1)` with "equal jitter" (between
    /// half and all of it); both capped at `max_delay`.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.max_delay);
        }
        let exp = self.initial_delay.saturating_mul(1u32 << attempt.saturating_sub(1).min(20)).min(self.max_delay);
        let half = exp / 2;
        half + rand::thread_rng().gen_range(Duration::ZERO..=half)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let r =
            Retry { max_attempts: 10, initial_delay: Duration::from_millis(100), max_delay: Duration::from_secs(1) };
        for _ in 0..100 {
            let d1 = r.delay(1, None);
            assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100), "{d1:?}");
            let d3 = r.delay(3, None);
            assert!(d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400), "{d3:?}");
            assert!(r.delay(40, None) <= Duration::from_secs(1));
        }
        assert_eq!(r.delay(1, Some(Duration::from_secs(3))), Duration::from_secs(1));
        assert_eq!(r.delay(1, Some(Duration::from_millis(300))), Duration::from_millis(300));
    }
}
