//! One story through the store traits: realm, client with service account, scopes, roles,
//! users. Runs on a SQLite file in a temp dir and, when `PORTCULLIS_TEST_POSTGRES_URL` is
//! set, on a fresh PostgreSQL database (see `portcullis_store::testing`).

// Test code, also in the helpers the tests share: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use portcullis_core::client::Client;
use portcullis_core::defaults::realm_seed;
use portcullis_core::error::CoreError;
use portcullis_core::keys::generate_key;
use portcullis_core::realm::Realm;
use portcullis_core::role::Role;
use portcullis_core::scope::ClientScope;
use portcullis_core::sealing::MasterKey;
use portcullis_core::secret::ClientSecret;
use portcullis_core::store::{ClientSeed, ClientStore, RealmStore, RoleStore, ScopeStore, UserQuery, UserStore};
use portcullis_core::user::User;
use portcullis_store::testing::{TestDatabase, POSTGRES_URL_VAR};
use portcullis_store::{Backend, SqlStore};

#[tokio::test]
async fn story_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("p.db").display());
    let store = SqlStore::connect(&url, &MasterKey::generate()).await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    realm_client_roles_users_story(&store).await;
    portability(&store).await;
    store.close().await;
}

#[tokio::test]
async fn story_on_postgres() {
    let Some(db) = TestDatabase::from_env() else {
        eprintln!("{POSTGRES_URL_VAR} not set: PostgreSQL not tested");
        return;
    };
    let master = MasterKey::generate();
    let store = SqlStore::connect(db.url(), &master).await.unwrap();
    assert_eq!(store.backend(), Backend::Postgres);
    realm_client_roles_users_story(&store).await;
    portability(&store).await;
    store.close().await;
    // Migrations are recorded: a second start on the same database applies nothing twice.
    SqlStore::connect(db.url(), &master).await.unwrap().close().await;
}

#[tokio::test]
async fn unreachable_database_is_named_without_its_password() {
    // Port 1 refuses at once; the store must say so rather than wait for a pool timeout.
    let err = SqlStore::connect("postgres://portcullis:s3cret@127.0.0.1:1/db", &MasterKey::generate())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("postgres://portcullis:***@127.0.0.1:1/db"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
    let err = SqlStore::connect("mysql://h/db", &MasterKey::generate()).await.unwrap_err().to_string();
    assert!(err.contains("unsupported database URL scheme"), "{err}");
}

async fn realm_client_roles_users_story(store: &SqlStore) {
    let seed = realm_seed(Realm::new("demo").unwrap()).unwrap();
    let key = generate_key("demo", "RS256", 1).unwrap();
    store.create_realm(&seed, &key).await.unwrap();
    assert!(matches!(store.create_realm(&seed, &key).await, Err(CoreError::Conflict(_))));
    assert_eq!(store.signing_keys("demo").await.unwrap()[0].private_pkcs8, key.private_pkcs8);
    assert_eq!(store.list_scopes("demo").await.unwrap().len(), 6);
    assert_eq!(store.realm_default_scopes("demo").await.unwrap().len(), 6);

    let mut client = Client::new("demo", "svc").unwrap();
    client.secret = Some(ClientSecret::Plain("s3cret".into()));
    client.service_accounts_enabled = true;
    let sa = User::service_account("demo", &client.id, "svc", 0);
    let default_roles = store.realm_role_by_name("demo", "default-roles-demo").await.unwrap().unwrap();
    let seed = ClientSeed {
        client: client.clone(),
        service_account: Some((sa.clone(), vec![default_roles.id.clone()])),
        scopes: store.realm_default_scopes("demo").await.unwrap(),
    };
    store.create_client(&seed).await.unwrap();
    let again =
        ClientSeed { client: Client { id: "other".into(), ..client.clone() }, service_account: None, scopes: vec![] };
    assert!(matches!(store.create_client(&again).await, Err(CoreError::Conflict(_))));
    let loaded = store.client_by_client_id("demo", "svc").await.unwrap().unwrap();
    assert_eq!(loaded.secret, Some(ClientSecret::Plain("s3cret".into())));
    assert_eq!(store.service_account_user(&client.id).await.unwrap().unwrap().username, "service-account-svc");

    let dev = Role::new_realm_role("demo", "Developer", None).unwrap();
    store.create_role(&dev).await.unwrap();
    store.add_user_roles(&sa.id, &[dev.id.clone(), dev.id.clone()]).await.unwrap();
    let graph = store.role_graph("demo").await.unwrap();
    let (realm_roles, _) = graph.effective(&store.user_role_ids(&sa.id).await.unwrap());
    assert_eq!(realm_roles, vec!["Developer", "default-roles-demo", "offline_access", "uma_authorization"]);

    let q = UserQuery { search: Some("SVC".into()), max: 10, ..Default::default() };
    assert_eq!(store.list_users("demo", &q).await.unwrap().len(), 1);
    let q = UserQuery { username: Some("service-account-svc".into()), exact: true, max: 10, ..Default::default() };
    assert_eq!(store.count_users("demo", &q).await.unwrap(), 1);
    let q = UserQuery { search: Some("%".into()), max: 10, ..Default::default() };
    assert_eq!(store.list_users("demo", &q).await.unwrap().len(), 0, "LIKE wildcards are escaped");

    assert!(store.delete_client("demo", &client.id).await.unwrap());
    assert!(store.service_account_user(&client.id).await.unwrap().is_none(), "service account goes with its client");
    assert!(store.delete_realm("demo").await.unwrap());
    assert!(store.list_realms().await.unwrap().is_empty());
}

/// What differs between SQL dialects: unique violations on every table and on updates,
/// NULL binds, upserts (`excluded.`), LIKE escapes, COUNT's type and byte-wise ordering.
async fn portability(store: &SqlStore) {
    let seed = realm_seed(Realm::new("port").unwrap()).unwrap();
    store.create_realm(&seed, &generate_key("port", "RS256", 1).unwrap()).await.unwrap();
    let conflict = |r: Result<(), CoreError>| matches!(r, Err(CoreError::Conflict(_)));

    let mut other = Realm::new("other").unwrap();
    store.create_realm(&realm_seed(other.clone()).unwrap(), &generate_key("other", "RS256", 1).unwrap()).await.unwrap();
    other.name = "port".into();
    assert!(conflict(store.update_realm(&other).await), "realm rename onto a taken name");

    let role = Role::new_realm_role("port", "Dup", None).unwrap();
    store.create_role(&role).await.unwrap();
    assert!(conflict(store.create_role(&Role::new_realm_role("port", "Dup", None).unwrap()).await));
    let mut renamed = Role::new_realm_role("port", "Other", None).unwrap();
    store.create_role(&renamed).await.unwrap();
    renamed.name = "Dup".into();
    assert!(conflict(store.update_role(&renamed).await), "role rename onto a taken name");
    for name in ["b-role", "B-role", "a-role", "_role"] {
        store.create_role(&Role::new_realm_role("port", name, None).unwrap()).await.unwrap();
    }
    let names: Vec<String> = store.list_realm_roles("port").await.unwrap().into_iter().map(|r| r.name).collect();
    let mut bytewise = names.clone();
    bytewise.sort();
    assert_eq!(names, bytewise, "listings sort byte-wise on every backend");

    let scope = ClientScope::new("port", "dup-scope").unwrap();
    store.create_scope(&scope).await.unwrap();
    assert!(conflict(store.create_scope(&ClientScope::new("port", "dup-scope").unwrap()).await));

    // A client without a secret binds NULL.
    let public = Client::new("port", "public").unwrap();
    let seed = ClientSeed { client: public.clone(), service_account: None, scopes: vec![] };
    store.create_client(&seed).await.unwrap();
    assert_eq!(store.get_client("port", &public.id).await.unwrap().unwrap().secret, None);
    let mut second = Client::new("port", "second").unwrap();
    store.create_client(&ClientSeed { client: second.clone(), service_account: None, scopes: vec![] }).await.unwrap();
    second.client_id = "public".into();
    assert!(conflict(store.update_client(&second, None).await), "client rename onto a taken clientId");
    // Upsert: linking again flips the kind.
    store.link_client_scope(&public.id, &scope.id, true).await.unwrap();
    store.link_client_scope(&public.id, &scope.id, false).await.unwrap();
    assert_eq!(store.client_scope_links(&public.id).await.unwrap(), vec![(scope.id.clone(), false)]);
    assert!(!store.unlink_client_scope(&public.id, &scope.id, true).await.unwrap());
    assert!(store.unlink_client_scope(&public.id, &scope.id, false).await.unwrap());

    let mut alice = User::new("port", "a_b", 0).unwrap();
    alice.email = Some("Alice@Example.com".into());
    store.create_user(&alice, Some("hash-1"), std::slice::from_ref(&role.id)).await.unwrap();
    assert!(conflict(store.create_user(&User::new("port", "a_b", 0).unwrap(), None, &[]).await));
    let mut bob = User::new("port", "axb", 0).unwrap();
    store.create_user(&bob, None, &[]).await.unwrap();
    bob.username = "a_b".into();
    assert!(conflict(store.update_user(&bob).await), "user rename onto a taken username");
    store.set_password_hash(&alice.id, "hash-2").await.unwrap();
    assert_eq!(store.password_hash(&alice.id).await.unwrap().as_deref(), Some("hash-2"));
    store.set_password_hash(&bob.id, "hash-3").await.unwrap();
    assert_eq!(store.password_hash(&bob.id).await.unwrap().as_deref(), Some("hash-3"));

    let q = |search: &str| UserQuery { search: Some(search.into()), max: 10, ..Default::default() };
    assert_eq!(store.count_users("port", &q("a_b")).await.unwrap(), 1, "_ is not a wildcard");
    assert_eq!(store.count_users("port", &q("a")).await.unwrap(), 2);
    assert_eq!(store.count_users("port", &q("example.COM")).await.unwrap(), 1, "case-insensitive");
    let page = UserQuery { max: 1, first: 1, ..Default::default() };
    assert_eq!(store.list_users("port", &page).await.unwrap()[0].username, "axb");

    assert!(store.delete_realm("port").await.unwrap());
    assert!(store.delete_realm("other").await.unwrap());
    assert!(store.list_realms().await.unwrap().is_empty());
}
