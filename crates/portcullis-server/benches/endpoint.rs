//! The whole token endpoint in process: axum router, extractors, cache, claims, signature
//! and JSON response, for one known client (everything but socket I/O and HTTP parsing).
//! EdDSA keeps the signature small so that the rest of the request stays visible.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use criterion::{criterion_group, criterion_main, Criterion};
use portcullis_core::client::Client;
use portcullis_core::defaults::realm_seed;
use portcullis_core::keys::generate_key;
use portcullis_core::realm::Realm;
use portcullis_core::sealing::MasterKey;
use portcullis_core::secret::ClientSecret;
use portcullis_core::store::{ClientSeed, ClientStore, RealmStore};
use portcullis_core::user::User;
use portcullis_server::{app, AppState, ServerConfig};
use portcullis_store::SqlStore;
use tower::ServiceExt as _;

fn request(realm: &str) -> Request<Body> {
    Request::post(format!("/realms/{realm}/protocol/openid-connect/token"))
        .header(header::HOST, "127.0.0.1:8080")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        // bench-client:bench-secret
        .header(header::AUTHORIZATION, "Basic YmVuY2gtY2xpZW50OmJlbmNoLXNlY3JldA==")
        .body(Body::from("grant_type=client_credentials&scope=profile&resource=https%3A%2F%2Fapi.example.com"))
        .unwrap()
}

fn endpoint(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("db").display());
    let master = MasterKey::generate();
    let router = rt.block_on(async {
        let store = SqlStore::connect(&url, &master).await.unwrap();
        for alg in ["RS256", "EdDSA"] {
            let name = format!("r-{}", alg.to_lowercase());
            let mut realm = Realm::new(&name).unwrap();
            realm.default_signature_algorithm = alg.into();
            store.create_realm(&realm_seed(realm).unwrap(), &generate_key(&name, alg, 0).unwrap()).await.unwrap();
            let mut client = Client::new(&name, "bench-client").unwrap();
            client.secret = Some(ClientSecret::Plain("bench-secret".into()));
            client.service_accounts_enabled = true;
            let sa = User::service_account(&name, &client.id, "bench-client", 0);
            let scopes = store.realm_default_scopes(&name).await.unwrap();
            store.create_client(&ClientSeed { client, service_account: Some((sa, vec![])), scopes }).await.unwrap();
        }
        let config = ServerConfig::new(url.clone(), master.clone());
        app(AppState::new(Arc::new(store.clone()), store.secret_hasher(), config))
    });
    let mut g = c.benchmark_group("endpoint");
    for realm in ["r-eddsa", "r-rs256"] {
        let resp = rt.block_on(router.clone().oneshot(request(realm))).unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        g.bench_function(format!("client_credentials_{realm}"), |b| {
            b.iter(|| {
                let resp = rt.block_on(router.clone().oneshot(request(black_box(realm)))).unwrap();
                let body = rt.block_on(axum::body::to_bytes(resp.into_body(), 64 * 1024)).unwrap();
                black_box(body.len())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, endpoint);
criterion_main!(benches);
