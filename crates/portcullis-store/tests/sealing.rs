//! Secrets at rest: what the database holds is sealed or hashed, a wrong master key is
//! refused by name, rotation re-wraps, rows an earlier release left in the clear are sealed
//! at start, and concurrent first starts agree on one data key. SQLite always, PostgreSQL
//! when `PORTCULLIS_TEST_POSTGRES_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use portcullis_core::client::Client;
use portcullis_core::defaults::realm_seed;
use portcullis_core::keys::generate_key;
use portcullis_core::realm::Realm;
use portcullis_core::sealing::MasterKey;
use portcullis_core::secret::ClientSecret;
use portcullis_core::store::{ClientSeed, ClientStore, RealmStore};
use portcullis_store::testing::TestDatabase;
use portcullis_store::SqlStore;
use sqlx::{AnyPool, Row};

const SECRET: &str = "plain-secret-6f1c2d";

fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}?mode=rwc", dir.path().join("p.db").display())
}

async fn raw_pool(url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    AnyPool::connect(url).await.unwrap()
}

async fn seed_realm_and_client(store: &SqlStore) -> Vec<u8> {
    let key = generate_key("seal", "RS256", 1).unwrap();
    store.create_realm(&realm_seed(Realm::new("seal").unwrap()).unwrap(), &key).await.unwrap();
    let mut client = Client::new("seal", "svc").unwrap();
    client.secret = Some(ClientSecret::Plain(SECRET.into()));
    store.create_client(&ClientSeed { client, service_account: None, scopes: vec![] }).await.unwrap();
    key.private_pkcs8
}

async fn story(url: &str) {
    let (a, b) = (MasterKey::generate(), MasterKey::generate());
    let store = SqlStore::connect(url, &a).await.unwrap();
    let pkcs8 = seed_realm_and_client(&store).await;
    store.close().await;

    let raw = raw_pool(url).await;
    let column: String =
        sqlx::query("SELECT secret FROM clients WHERE secret IS NOT NULL").fetch_one(&raw).await.unwrap().get("secret");
    assert!(column.starts_with("sealed:") && !column.contains(SECRET), "{column}");
    let der: Vec<u8> = sqlx::query("SELECT private_key FROM signing_keys").fetch_one(&raw).await.unwrap().get(0);
    assert_ne!(der, pkcs8);
    assert!(!der.windows(64).any(|w| pkcs8.windows(64).any(|p| p == w)), "no 64-byte run of the key is stored");

    let err = SqlStore::connect(url, &b).await.unwrap_err().to_string();
    assert!(err.contains(&a.fingerprint()) && err.contains(&b.fingerprint()), "{err}");

    let store = SqlStore::connect(url, &a).await.unwrap();
    let hasher = store.secret_hasher().keyed("x");
    store.rotate_master_key(&a, &b).await.unwrap();
    assert!(store.rotate_master_key(&a, &b).await.unwrap_err().to_string().contains("already wrapped"));
    store.close().await;
    assert!(SqlStore::connect(url, &a).await.is_err(), "the old master key no longer opens the database");
    let store = SqlStore::connect(url, &b).await.unwrap();
    assert_eq!(store.secret_hasher().keyed("x"), hasher, "keyed hashes survive a master key rotation");
    let client = store.client_by_client_id("seal", "svc").await.unwrap().unwrap();
    assert_eq!(client.secret, Some(ClientSecret::Plain(SECRET.into())));
    assert_eq!(store.signing_keys("seal").await.unwrap()[0].private_pkcs8, pkcs8);

    // An earlier release stored both in the clear: the next start seals them.
    sqlx::query("UPDATE clients SET secret = $1").bind("legacy-cleartext").execute(&raw).await.unwrap();
    sqlx::query("UPDATE signing_keys SET private_key = $1").bind(pkcs8.clone()).execute(&raw).await.unwrap();
    store.close().await;
    let store = SqlStore::connect(url, &b).await.unwrap();
    let column: String =
        sqlx::query("SELECT secret FROM clients WHERE secret IS NOT NULL").fetch_one(&raw).await.unwrap().get("secret");
    assert!(column.starts_with("sealed:"), "{column}");
    let der: Vec<u8> = sqlx::query("SELECT private_key FROM signing_keys").fetch_one(&raw).await.unwrap().get(0);
    assert_ne!(der, pkcs8);
    let client = store.client_by_client_id("seal", "svc").await.unwrap().unwrap();
    assert_eq!(client.secret, Some(ClientSecret::Plain("legacy-cleartext".into())));
    assert_eq!(store.signing_keys("seal").await.unwrap()[0].private_pkcs8, pkcs8);
    store.close().await;
    raw.close().await;
}

#[tokio::test]
async fn secrets_at_rest_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    story(&sqlite_url(&dir)).await;
}

#[tokio::test]
async fn secrets_at_rest_on_postgres() {
    let Some(db) = TestDatabase::from_env() else { return };
    story(db.url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_starts_share_one_data_key() {
    let Some(db) = TestDatabase::from_env() else { return };
    let master = MasterKey::generate();
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let (url, master) = (db.url().to_owned(), master.clone());
            tokio::spawn(async move { SqlStore::connect(&url, &master).await })
        })
        .collect();
    let mut digests = Vec::new();
    for start in starts {
        let store = start.await.unwrap().unwrap();
        digests.push(store.secret_hasher().keyed("x"));
        store.close().await;
    }
    assert!(digests.windows(2).all(|w| w[0] == w[1]), "every instance opened the same data key");
}
