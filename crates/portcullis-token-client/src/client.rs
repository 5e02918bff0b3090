//! The client: one cached token per client, replaced before it expires by a single request
//! however many callers are waiting, and token requests retried on transient failures.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::header::{AUTHORIZATION, RETRY_AFTER};
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};

use crate::auth::{basic_header, JWT_BEARER};
use crate::{AccessToken, ClientAuth, Config, Error};

/// A token request's answer, success or RFC 6749 §5.2 error.
#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<u64>,
    scope: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Lifetime assumed when the server does not say (`expires_in` is only RECOMMENDED).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(60);
/// After a failed refresh while the old token is still good, how long callers keep using
/// it before one of them tries again.
const FAILED_REFRESH_PAUSE: Duration = Duration::from_secs(1);

/// One attempt's outcome: final, or worth another try.
enum Attempt {
    Done(Result<AccessToken, Error>),
    Transient { reason: String, retry_after: Option<Duration> },
}

#[derive(Default)]
struct Cached {
    token: Option<AccessToken>,
    /// After a failed refresh: no new attempt before this.
    pause_until: Option<Instant>,
}

struct Inner {
    config: Config,
    http: reqwest::Client,
    cached: RwLock<Cached>,
    /// Held by the one caller that refreshes; the others wait for its result.
    refreshing: Mutex<()>,
    requests: AtomicU64,
}

/// Gets and keeps a client-credentials token. Clones share the cache.
///
/// ```no_run
/// # async fn run() -> Result<(), portcullis_token_client::Error> {
/// use portcullis_token_client::{ClientAuth, Config, TokenClient};
///
/// let client = TokenClient::new(Config::new(
///     "http://127.0.0.1:8080/realms/demo/protocol/openid-connect/token",
///     "archival-service",
///     ClientAuth::basic(std::env::var("CLIENT_SECRET").unwrap_or_default()),
/// ))?;
/// let token = client.token().await?; // asks the server once, then serves the cache
/// println!("Authorization: Bearer {}", token.secret());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TokenClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for TokenClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenClient").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

pub(crate) fn http_client(timeout: Duration) -> Result<reqwest::Client, Error> {
    // reqwest with rustls needs a process-wide crypto provider; an existing one is kept.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .map_err(|e| Error::Unavailable { attempts: 0, last: e.to_string() })
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    let secs: u64 = resp.headers().get(RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs))
}

impl TokenClient {
    /// A client with its own HTTP client (rustls, the configured timeout).
    pub fn new(config: Config) -> Result<Self, Error> {
        let http = http_client(config.http_timeout)?;
        Ok(Self::with_http_client(config, http))
    }

    /// A client sending token requests through `http` (for proxies, custom roots…).
    pub fn with_http_client(config: Config, http: reqwest::Client) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                http,
                cached: RwLock::new(Cached::default()),
                refreshing: Mutex::new(()),
                requests: AtomicU64::new(0),
            }),
        }
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Token requests sent so far, retries included.
    pub fn requests_sent(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// A token good for a while yet: the cached one until its refresh time, else a new
    /// one. Concurrent callers share one request. When the refresh fails but the cached
    /// token has not expired, that token is returned (and the refresh tried again a second
    /// later), so a short outage of the authorization server is not felt.
    pub async fn token(&self) -> Result<AccessToken, Error> {
        if let Some(t) = self.usable().await {
            return Ok(t);
        }
        let _one_at_a_time = self.inner.refreshing.lock().await;
        // Whoever held the lock before may have just refreshed.
        if let Some(t) = self.usable().await {
            return Ok(t);
        }
        match self.fetch().await {
            Ok(t) => {
                *self.inner.cached.write().await = Cached { token: Some(t.clone()), pause_until: None };
                Ok(t)
            }
            Err(e) => {
                let mut cached = self.inner.cached.write().await;
                match cached.token.clone().filter(|t| !t.is_expired()) {
                    Some(old) => {
                        tracing::warn!(error = %e, "token refresh failed; the current token is used until it expires");
                        cached.pause_until = Some(Instant::now() + FAILED_REFRESH_PAUSE);
                        Ok(old)
                    }
                    None => Err(e),
                }
            }
        }
    }

    /// Forgets `token` (for instance after an API refused it), so that the next call to
    /// [`token`](Self::token) asks for a new one. A token already replaced is left alone,
    /// so many callers refused at once still cause one request.
    pub async fn invalidate(&self, token: &AccessToken) {
        let mut cached = self.inner.cached.write().await;
        if cached.token.as_ref().is_some_and(|t| t.same(token)) {
            *cached = Cached::default();
        }
    }

    async fn usable(&self) -> Option<AccessToken> {
        let cached = self.inner.cached.read().await;
        let t = cached.token.as_ref()?;
        let now = Instant::now();
        let paused = cached.pause_until.is_some_and(|p| now < p);
        (now < t.refresh_at || (paused && now < t.expires_at)).then(|| t.clone())
    }

    /// Asks for a token, retrying transient failures.
    async fn fetch(&self) -> Result<AccessToken, Error> {
        let retry = self.inner.config.retry;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.attempt().await {
                Attempt::Done(result) => return result,
                Attempt::Transient { reason, retry_after } => {
                    if attempt >= retry.max_attempts.max(1) {
                        return Err(Error::Unavailable { attempts: attempt, last: reason });
                    }
                    let delay = retry.delay(attempt, retry_after);
                    tracing::debug!(attempt, %reason, ?delay, "token request failed; retrying");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    async fn attempt(&self) -> Attempt {
        let c = &self.inner.config;
        let mut form: Vec<(&str, String)> = vec![("grant_type", "client_credentials".into())];
        if let Some(scope) = &c.scope {
            form.push(("scope", scope.clone()));
        }
        form.extend(c.resources.iter().map(|r| ("resource", r.clone())));
        let mut req = self.inner.http.post(&c.token_endpoint);
        match &c.auth {
            ClientAuth::SecretBasic(secret) => req = req.header(AUTHORIZATION, &*basic_header(&c.client_id, secret)),
            ClientAuth::SecretPost(secret) => {
                form.push(("client_id", c.client_id.clone()));
                form.push(("client_secret", secret.expose().to_owned()));
            }
            ClientAuth::PrivateKeyJwt(key) => {
                // A fresh assertion each attempt: the server accepts each `jti` once.
                match key.assertion(&c.client_id, &c.token_endpoint, unix_now()) {
                    Ok(jwt) => {
                        form.push(("client_id", c.client_id.clone()));
                        form.push(("client_assertion_type", JWT_BEARER.into()));
                        form.push(("client_assertion", jwt));
                    }
                    Err(e) => return Attempt::Done(Err(e)),
                }
            }
        }
        let obtained = Instant::now();
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        let resp = match req.form(&form).send().await {
            Ok(r) => r,
            Err(e) => return Attempt::Transient { reason: e.to_string(), retry_after: None },
        };
        let status = resp.status();
        if status.is_server_error() || status.as_u16() == 429 {
            return Attempt::Transient { reason: format!("HTTP {}", status.as_u16()), retry_after: retry_after(&resp) };
        }
        let body = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return Attempt::Transient { reason: e.to_string(), retry_after: None },
        };
        let parsed: Option<TokenResponse> = serde_json::from_slice(&body).ok();
        Attempt::Done(match parsed {
            Some(r) if status.is_success() => self.accept(r, obtained),
            Some(TokenResponse { error: Some(error), error_description, .. }) => {
                Err(Error::Refused { status: status.as_u16(), error, description: error_description })
            }
            _ if status.is_success() => Err(Error::Response("not a JSON token response".into())),
            _ => Err(Error::Refused {
                status: status.as_u16(),
                error: "invalid_response".into(),
                description: Some(format!("HTTP {} without an OAuth error body", status.as_u16())),
            }),
        })
    }

    fn accept(&self, r: TokenResponse, obtained: Instant) -> Result<AccessToken, Error> {
        let token =
            r.access_token.filter(|t| !t.is_empty()).ok_or_else(|| Error::Response("no access_token".into()))?;
        if !r.token_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("bearer")) {
            return Err(Error::Response(format!("token_type {:?}, not Bearer", r.token_type)));
        }
        let lifetime = r.expires_in.map_or(DEFAULT_LIFETIME, Duration::from_secs);
        tracing::debug!(client_id = %self.inner.config.client_id, expires_in = lifetime.as_secs(), "access token obtained");
        Ok(AccessToken::new(token, obtained, lifetime, self.inner.config.refresh_before, r.scope))
    }
}
