//! Events and brute-force detection stay off the token path's database: with both on, a
//! cached client gets tokens while the pool is closed. Stored events expire with their
//! realm's retention.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use portcullis_core::client::Client;
use portcullis_core::defaults::realm_seed;
use portcullis_core::event::{Event, EventQuery, EventType};
use portcullis_core::keys::generate_key;
use portcullis_core::realm::Realm;
use portcullis_core::sealing::MasterKey;
use portcullis_core::secret::ClientSecret;
use portcullis_core::store::{ClientSeed, ClientStore, EventStore, RealmStore};
use portcullis_server::{app, AppState, ServerConfig};
use portcullis_store::SqlStore;
use tower::ServiceExt as _;

async fn store_with_realm(realm: Realm) -> (SqlStore, String, MasterKey, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("db").display());
    let master = MasterKey::generate();
    let store = SqlStore::connect(&url, &master).await.unwrap();
    let key = generate_key(&realm.id, "RS256", 0).unwrap();
    store.create_realm(&realm_seed(realm).unwrap(), &key).await.unwrap();
    (store, url, master, dir)
}

#[tokio::test]
async fn stored_events_and_brute_force_need_no_database_on_the_token_path() {
    let mut realm = Realm::new("r").unwrap();
    realm.events.events_enabled = true;
    realm.brute_force.brute_force_protected = true;
    let (store, url, master, _dir) = store_with_realm(realm).await;
    let mut c = Client::new("r", "svc").unwrap();
    c.secret = Some(ClientSecret::Plain("secret".into()));
    c.service_accounts_enabled = true;
    let sa = portcullis_core::user::User::service_account("r", &c.id, "svc", 0);
    let scopes = store.realm_default_scopes("r").await.unwrap();
    store.create_client(&ClientSeed { client: c, service_account: Some((sa, vec![])), scopes }).await.unwrap();

    let state = AppState::new(Arc::new(store.clone()), store.secret_hasher(), ServerConfig::new(url, master));
    let router = app(state.clone());
    let req = || {
        Request::post("/realms/r/protocol/openid-connect/token")
            .header(header::HOST, "localhost")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("grant_type=client_credentials&client_id=svc&client_secret=secret"))
            .unwrap()
    };
    assert_eq!(router.clone().oneshot(req()).await.unwrap().status(), StatusCode::OK);
    state.events.flush().await;
    let stored = store.query_events("r", &EventQuery { max: 10, ..Default::default() }).await.unwrap();
    assert_eq!(stored.len(), 1, "the event was written by the writer");
    assert_eq!(stored[0].event_type, EventType::ClientLogin);

    store.close().await;
    for _ in 0..5 {
        assert_eq!(router.clone().oneshot(req()).await.unwrap().status(), StatusCode::OK);
    }
}

fn event_at(realm_id: &str, time: i64) -> Event {
    Event {
        id: portcullis_core::new_id(),
        time,
        event_type: EventType::ClientLogin,
        realm_id: realm_id.into(),
        client_id: Some("svc".into()),
        user_id: None,
        ip_address: Some("127.0.0.1".into()),
        error: None,
        details: BTreeMap::new(),
    }
}

#[tokio::test]
async fn events_past_the_realm_expiration_are_pruned() {
    let mut realm = Realm::new("kept").unwrap();
    realm.events.events_expiration = Some(3600);
    let (store, _, _, _dir) = store_with_realm(realm).await;
    let other = Realm::new("forever").unwrap();
    store.create_realm(&realm_seed(other).unwrap(), &generate_key("forever", "RS256", 0).unwrap()).await.unwrap();
    let now = 1_800_000_000_000;
    let events: Vec<Event> = [now - 7_200_000, now - 3_000_000, now - 1000]
        .iter()
        .flat_map(|t| [event_at("kept", *t), event_at("forever", *t)])
        .collect();
    store.insert_events(&events, &[]).await.unwrap();

    let deleted = portcullis_server::events::prune_once(&store, now).await.unwrap();
    assert_eq!(deleted, 1, "only the two-hour-old event of the realm that keeps one hour");
    let q = EventQuery { max: 100, ..Default::default() };
    assert_eq!(store.query_events("kept", &q).await.unwrap().len(), 2);
    assert_eq!(store.query_events("forever", &q).await.unwrap().len(), 3);
    // Deleting a realm deletes its events.
    assert!(store.delete_realm("forever").await.unwrap());
    assert_eq!(store.query_events("forever", &q).await.unwrap().len(), 0);
}

#[tokio::test]
async fn large_batches_are_stored_whole() {
    let (store, _, _, _dir) = store_with_realm(Realm::new("big").unwrap()).await;
    let events: Vec<Event> = (0..1000).map(|i| event_at("big", 1_800_000_000_000 + i)).collect();
    store.insert_events(&events, &[]).await.unwrap();
    let stored = store.query_events("big", &EventQuery { max: 5000, ..Default::default() }).await.unwrap();
    assert_eq!(stored.len(), 1000);
    assert_eq!(stored[0].time, 1_800_000_000_999, "newest first");
    assert_eq!(stored[999], events[0]);
}
