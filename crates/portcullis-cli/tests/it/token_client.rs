//! The token-client crate against a real Portcullis: each client authentication method,
//! one token request for 100 concurrent callers, the token replaced before it expires,
//! retries of transient failures (through a proxy that fails on demand) and none of
//! refusals, and the reqwest middleware calling a protected API.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use portcullis_resource_server::{Config as VerifierConfig, Verifier};
use portcullis_token_client::{AccessToken, ClientAuth, Config, Error, PrivateKey, Retry, TokenClient};
use serde_json::json;

use crate::harness::{claims, Server};

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap()
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A token-endpoint proxy that counts requests and answers 503 to the next `fail` ones.
pub struct Proxy {
    target: String,
    http: reqwest::Client,
    pub requests: AtomicUsize,
    pub fail: AtomicUsize,
}

async fn forward(State(p): State<Arc<Proxy>>, headers: HeaderMap, body: Bytes) -> Response {
    p.requests.fetch_add(1, Ordering::SeqCst);
    if p.fail.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
        return (StatusCode::SERVICE_UNAVAILABLE, "down for maintenance").into_response();
    }
    let mut req = p.http.post(&p.target).body(body);
    for name in ["authorization", "content-type"] {
        if let Some(v) = headers.get(name) {
            req = req.header(name, v);
        }
    }
    let r = req.send().await.unwrap();
    let status = StatusCode::from_u16(r.status().as_u16()).unwrap();
    (status, [("content-type", "application/json")], r.bytes().await.unwrap()).into_response()
}

impl Proxy {
    /// Starts on the current runtime; returns the proxy and its URL.
    pub async fn start(target: String) -> (Arc<Self>, String) {
        let p = Arc::new(Proxy { target, http: reqwest::Client::new(), requests: 0.into(), fail: 0.into() });
        let app = axum::Router::new().route("/token", axum::routing::post(forward)).with_state(p.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/token", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (p, url)
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// `n` concurrent callers of `client.token()`; all must succeed.
async fn concurrently(client: &TokenClient, n: usize) -> Vec<AccessToken> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.token().await })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap().unwrap());
    }
    out
}

const SECRET: &str = "s3cret:with%odd+chars";

#[test]
fn each_client_authentication_method_gets_a_token_the_verifier_accepts() {
    let server = Server::with_realm("m2m");
    let admin = server.admin();
    admin.create_service_client("m2m", "basic-svc", SECRET);
    admin.create_service_client("m2m", "post-svc", SECRET);
    let key = PrivateKey::generate("ES256").unwrap();
    admin.create(
        "/admin/realms/m2m/clients",
        &json!({"clientId": "jwt-svc", "serviceAccountsEnabled": true, "clientAuthenticatorType": "client-jwt",
                "attributes": {"use.jwks.string": "true", "jwks.string": key.public_jwks().to_string()}}),
    );
    let token_url = server.token_url("m2m");
    let issuer = server.url("/realms/m2m");
    let rt = runtime();
    rt.block_on(async {
        let verifier = Verifier::discover(VerifierConfig::new(&issuer)).await.unwrap();
        let discovered = Config::discover(&issuer, "basic-svc", ClientAuth::basic(SECRET)).await.unwrap();
        assert_eq!(discovered.token_endpoint, token_url);
        let clients = [
            ("basic-svc", TokenClient::new(discovered).unwrap()),
            ("post-svc", TokenClient::new(Config::new(&token_url, "post-svc", ClientAuth::post(SECRET))).unwrap()),
            ("jwt-svc", TokenClient::new(Config::new(&token_url, "jwt-svc", ClientAuth::PrivateKeyJwt(key))).unwrap()),
        ];
        for (id, client) in &clients {
            let token = client.token().await.unwrap_or_else(|e| panic!("{id}: {e}"));
            let c = verifier.verify(token.secret()).await.unwrap();
            assert_eq!(c.client(), Some(*id));
            assert_eq!(client.requests_sent(), 1, "{id}");
        }
        // private_key_jwt makes a new assertion (jti) each time: a second token works.
        clients[2].1.invalidate(&clients[2].1.token().await.unwrap()).await;
        assert!(clients[2].1.token().await.is_ok());
        assert_eq!(clients[2].1.requests_sent(), 2);

        // Scope and resource reach the token.
        let scoped = TokenClient::new(
            Config::new(&token_url, "basic-svc", ClientAuth::basic(SECRET))
                .scope("email")
                .resource("https://archive.example.com"),
        )
        .unwrap();
        let t = scoped.token().await.unwrap();
        let c = claims(t.secret());
        assert!(c["scope"].as_str().unwrap().split(' ').any(|s| s == "email"), "{c}");
        assert_eq!(c["aud"], "https://archive.example.com");
        assert_eq!(t.scope(), c["scope"].as_str());

        // A refusal is returned at once, never retried, and says why.
        let wrong = TokenClient::new(Config::new(&token_url, "basic-svc", ClientAuth::basic("wrong"))).unwrap();
        let e = wrong.token().await.unwrap_err();
        assert_eq!(e.oauth_error(), Some("invalid_client"), "{e}");
        assert!(matches!(e, Error::Refused { status: 401, .. }));
        assert_eq!(wrong.requests_sent(), 1);
        let bad_scope =
            TokenClient::new(Config::new(&token_url, "post-svc", ClientAuth::post(SECRET)).scope("no-such-scope"))
                .unwrap();
        assert_eq!(bad_scope.token().await.unwrap_err().oauth_error(), Some("invalid_scope"));
    });
}

#[test]
fn one_request_for_100_callers_and_the_token_replaced_before_it_expires() {
    let server = Server::with_realm("m2m");
    server.admin().create(
        "/admin/realms/m2m/clients",
        &json!({"clientId": "svc", "secret": SECRET, "serviceAccountsEnabled": true,
                "attributes": {"access.token.lifespan": "4"}}),
    );
    let rt = runtime();
    rt.block_on(async {
        let (proxy, url) = Proxy::start(server.token_url("m2m")).await;
        let retry =
            Retry { max_attempts: 2, initial_delay: Duration::from_millis(10), max_delay: Duration::from_millis(50) };
        // 30 s before expiry is more than half of 4 s: replaced after 2 s.
        let client = TokenClient::new(Config::new(&url, "svc", ClientAuth::basic(SECRET)).retry(retry)).unwrap();

        let start = Instant::now();
        let first = concurrently(&client, 100).await;
        assert_eq!(proxy.requests(), 1, "one request for 100 concurrent callers");
        assert!(first.iter().all(|t| t == &first[0]));
        let old = first[0].clone();
        assert_eq!(concurrently(&client, 100).await[0], old, "served from the cache");
        assert_eq!(proxy.requests(), 1);

        tokio::time::sleep_until((start + Duration::from_millis(2300)).into()).await;
        let second = concurrently(&client, 100).await;
        assert_eq!(proxy.requests(), 2, "one refresh for 100 concurrent callers");
        assert!(second.iter().all(|t| t == &second[0]));
        assert_ne!(second[0], old);
        assert!(claims(old.secret())["exp"].as_i64().unwrap() > unix_now(), "replaced before it expired");
        assert_eq!(client.requests_sent(), 2);

        // The server goes down at the next refresh: the current token, still good, is
        // served; callers right after do not ask again; once it expires, the error shows.
        let refreshed = Instant::now();
        proxy.fail.store(1000, Ordering::SeqCst);
        tokio::time::sleep_until((refreshed + Duration::from_millis(2300)).into()).await;
        let during = concurrently(&client, 100).await;
        assert!(during.iter().all(|t| t == &second[0]), "the still valid token is kept");
        assert_eq!(proxy.requests(), 4, "one refresh of 2 attempts");
        tokio::time::sleep_until((refreshed + Duration::from_millis(4300)).into()).await;
        let e = client.token().await.unwrap_err();
        assert_eq!(e, Error::Unavailable { attempts: 2, last: "HTTP 503".into() });
    });
}

#[test]
fn transient_failures_are_retried_with_backoff() {
    let server = Server::with_realm("m2m");
    server.admin().create_service_client("m2m", "svc", SECRET);
    let rt = runtime();
    rt.block_on(async {
        let (proxy, url) = Proxy::start(server.token_url("m2m")).await;
        let retry =
            Retry { max_attempts: 3, initial_delay: Duration::from_millis(100), max_delay: Duration::from_secs(1) };
        let config = || Config::new(&url, "svc", ClientAuth::basic(SECRET)).retry(retry);

        proxy.fail.store(2, Ordering::SeqCst);
        let client = TokenClient::new(config()).unwrap();
        let start = Instant::now();
        assert!(client.token().await.is_ok());
        assert_eq!(proxy.requests(), 3, "two 503s, then the token");
        // Backoff: at least half of 100 ms, then half of 200 ms.
        assert!(start.elapsed() >= Duration::from_millis(150), "{:?}", start.elapsed());

        proxy.fail.store(3, Ordering::SeqCst);
        let e = TokenClient::new(config()).unwrap().token().await.unwrap_err();
        assert_eq!(e, Error::Unavailable { attempts: 3, last: "HTTP 503".into() });
        assert_eq!(proxy.requests(), 6);

        // Nobody listening: network errors are retried too.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let gone = TokenClient::new(
            Config::new(format!("http://{closed}/token"), "svc", ClientAuth::basic(SECRET)).retry(retry),
        )
        .unwrap();
        assert!(matches!(gone.token().await.unwrap_err(), Error::Unavailable { attempts: 3, .. }));
        assert_eq!(gone.requests_sent(), 3);
    });
}
