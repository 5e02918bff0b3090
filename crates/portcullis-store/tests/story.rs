//! One story through the store traits: realm, client with service account, scopes, roles,
//! users. Runs on a SQLite file in a temp dir.

use portcullis_core::client::Client;
use portcullis_core::defaults::realm_seed;
use portcullis_core::error::CoreError;
use portcullis_core::keys::generate_key;
use portcullis_core::realm::Realm;
use portcullis_core::role::Role;
use portcullis_core::store::{ClientSeed, ClientStore, RealmStore, RoleStore, ScopeStore, UserQuery, UserStore};
use portcullis_core::user::User;
use portcullis_store::SqlStore;

#[tokio::test]
async fn realm_client_roles_users_story() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("p.db").display());
    let store = SqlStore::connect(&url).await.unwrap();

    let seed = realm_seed(Realm::new("demo").unwrap()).unwrap();
    let key = generate_key("demo", 1).unwrap();
    store.create_realm(&seed, &key).await.unwrap();
    assert!(matches!(store.create_realm(&seed, &key).await, Err(CoreError::Conflict(_))));
    assert_eq!(store.signing_keys("demo").await.unwrap()[0].private_pkcs8, key.private_pkcs8);
    assert_eq!(store.list_scopes("demo").await.unwrap().len(), 6);
    assert_eq!(store.realm_default_scopes("demo").await.unwrap().len(), 6);

    let mut client = Client::new("demo", "svc").unwrap();
    client.secret = Some("s3cret".into());
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
    assert_eq!(loaded.secret.as_deref(), Some("s3cret"));
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
