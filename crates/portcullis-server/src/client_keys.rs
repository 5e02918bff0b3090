//! Clients' JWKS fetched from their `jwks.url` for `private_key_jwt`: cached, refetched
//! when the cache is old or an assertion names a key the cached set lacks (a client that
//! rotated its key), but at most once per [`MIN_REFETCH`] per URL, so that assertions with
//! made-up `kid`s cannot turn the server into a request amplifier.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long a fetched JWKS is used without asking again.
const TTL: Duration = Duration::from_secs(300);
/// Shortest time between two fetches of one URL.
const MIN_REFETCH: Duration = Duration::from_secs(10);
/// Largest JWKS document accepted.
const MAX_BYTES: usize = 256 * 1024;
/// URLs remembered at most; beyond, the cache starts over.
const MAX_URLS: usize = 10_000;

/// Why a client's JWKS could not be had.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("fetching the client's jwks.url failed: {0}")]
    Http(String),
    #[error("the client's jwks.url answered {0}")]
    Status(u16),
    #[error("the client's JWKS is larger than {MAX_BYTES} bytes")]
    TooLarge,
    #[error("the client's jwks.url failed moments ago; not asked again yet")]
    Recent,
}

#[derive(Clone)]
struct Entry {
    /// The last JWKS fetched, if any fetch succeeded.
    jwks: Option<Arc<str>>,
    /// When it was fetched.
    fetched: Option<Instant>,
    /// When the URL was last asked, successfully or not.
    attempted: Instant,
}

/// The fetcher and its cache, one per process.
pub struct ClientKeys {
    /// Built at the first fetch (loading the system's roots is not free, and most servers
    /// never fetch); `None` when it could not be built: every fetch fails.
    http: OnceLock<Option<reqwest::Client>>,
    cache: Mutex<HashMap<String, Entry>>,
}

impl std::fmt::Debug for ClientKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientKeys").finish_non_exhaustive()
    }
}

impl Default for ClientKeys {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientKeys {
    /// An empty cache.
    pub fn new() -> Self {
        Self { http: OnceLock::new(), cache: Mutex::new(HashMap::new()) }
    }

    /// Short timeouts; HTTPS checked against the system's roots.
    fn http(&self) -> Option<&reqwest::Client> {
        self.http
            .get_or_init(|| {
                // reqwest takes the process-wide rustls provider: aws-lc, as everywhere else.
                let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
                reqwest::Client::builder()
                    .connect_timeout(Duration::from_secs(3))
                    .timeout(Duration::from_secs(5))
                    .redirect(reqwest::redirect::Policy::limited(3))
                    .user_agent(concat!("portcullis/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .inspect_err(|e| tracing::error!(error = %e, "no HTTP client: clients' jwks.url cannot be fetched"))
                    .ok()
            })
            .as_ref()
    }

    /// The JWKS at `url`: the cached copy unless it is older than [`TTL`] or `refresh` asks
    /// for a newer one. A URL is fetched at most once per [`MIN_REFETCH`], failed fetches
    /// included; meanwhile the cached copy answers (`Ok(None)` for `refresh`: nothing
    /// newer), or the last failure when there is none.
    pub async fn get(&self, url: &str, refresh: bool) -> Result<Option<Arc<str>>, FetchError> {
        let entry = self.entry(url);
        let cached = entry.as_ref().and_then(|e| e.jwks.clone());
        let stale = entry.as_ref().and_then(|e| e.fetched).is_none_or(|at| at.elapsed() >= TTL);
        if !refresh && !stale {
            return Ok(cached);
        }
        if entry.as_ref().is_some_and(|e| e.attempted.elapsed() < MIN_REFETCH) {
            return match (cached, refresh) {
                (Some(_), true) => Ok(None),
                (Some(jwks), false) => Ok(Some(jwks)),
                (None, _) => Err(FetchError::Recent),
            };
        }
        let result = self.fetch(url).await;
        let now = Instant::now();
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= MAX_URLS {
                cache.clear();
            }
            let e = cache.entry(url.to_owned()).or_insert(Entry { jwks: None, fetched: None, attempted: now });
            e.attempted = now;
            if let Ok(jwks) = &result {
                e.jwks = Some(jwks.clone());
                e.fetched = Some(now);
            }
        }
        match (result, cached) {
            (Ok(jwks), _) => Ok(Some(jwks)),
            // A failed refetch keeps the client working with the keys it had.
            (Err(e), Some(jwks)) if !refresh => {
                tracing::warn!(error = %e, "refetching a client's JWKS failed; using the cached copy");
                Ok(Some(jwks))
            }
            (Err(e), _) => Err(e),
        }
    }

    fn entry(&self, url: &str) -> Option<Entry> {
        self.cache.lock().ok()?.get(url).cloned()
    }

    async fn fetch(&self, url: &str) -> Result<Arc<str>, FetchError> {
        let http = self.http().ok_or_else(|| FetchError::Http("no HTTP client".into()))?;
        let mut response = http.get(url).send().await.map_err(|e| FetchError::Http(e.without_url().to_string()))?;
        if !response.status().is_success() {
            return Err(FetchError::Status(response.status().as_u16()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| FetchError::Http(e.without_url().to_string()))? {
            if body.len() + chunk.len() > MAX_BYTES {
                return Err(FetchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        String::from_utf8(body).map(Arc::from).map_err(|_| FetchError::Http("JWKS is not UTF-8".into()))
    }
}
