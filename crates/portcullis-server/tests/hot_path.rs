//! The token endpoint reads no database for a known client: once a client is cached, the
//! pool can be closed and tokens keep coming; an uncached client then fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
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

async fn add_client(store: &SqlStore, client_id: &str) {
    let mut c = Client::new("r", client_id).unwrap();
    c.secret = Some(ClientSecret::Plain("secret".into()));
    c.service_accounts_enabled = true;
    let sa = User::service_account("r", &c.id, client_id, 0);
    let scopes = store.realm_default_scopes("r").await.unwrap();
    store.create_client(&ClientSeed { client: c, service_account: Some((sa, vec![])), scopes }).await.unwrap();
}

fn token_request(client_id: &str) -> Request<Body> {
    Request::post("/realms/r/protocol/openid-connect/token")
        .header(header::HOST, "localhost")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("grant_type=client_credentials&client_id={client_id}&client_secret=secret")))
        .unwrap()
}

#[tokio::test]
async fn cached_client_needs_no_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("db").display());
    let master = MasterKey::generate();
    let store = SqlStore::connect(&url, &master).await.unwrap();
    let key = generate_key("r", "RS256", 0).unwrap();
    store.create_realm(&realm_seed(Realm::new("r").unwrap()).unwrap(), &key).await.unwrap();
    add_client(&store, "cached").await;
    add_client(&store, "cold").await;

    let config = ServerConfig::new(url, master);
    let router = app(AppState::new(Arc::new(store.clone()), store.secret_hasher(), config));
    assert_eq!(router.clone().oneshot(token_request("cached")).await.unwrap().status(), StatusCode::OK);

    store.close().await;
    for _ in 0..3 {
        let resp = router.clone().oneshot(token_request("cached")).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "a cached client must not touch the database");
    }
    let resp = router.clone().oneshot(token_request("cold")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE, "an uncached client does need the database");
}
