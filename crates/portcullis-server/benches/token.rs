//! Micro-benchmarks of the token endpoint's hot path, through the public core APIs the
//! handler calls (`oauth::token::token`): claims building, signing with each realm
//! algorithm (RS256, ES256, EdDSA), client authentication, and building the JWKS document.
//!
//!   cargo bench -p portcullis-server --bench token
//!   cargo bench -p portcullis-server --bench token -- --warm-up-time 1 --measurement-time 3
//!
//! Not measured here (private to the server crate, or I/O): HTTP and form parsing,
//! `presented_client` (Basic header decoding), the realm/client cache lookups, the JSON
//! response. The load benchmark (`bench/run.sh`) covers the whole request.

// Setup failures in a benchmark should abort loudly; there is no caller to report to.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use portcullis_core::client::{Authenticated, Client};
use portcullis_core::context::ClientContext;
use portcullis_core::grant::{self, parse_scope_param, TokenParams};
use portcullis_core::secret::{ClientSecret, SecretHasher, SecretStorage};
use portcullis_server::secrets::SecretVerifier;
use std::sync::Arc;

use portcullis_core::keys::{self, Signer};
use portcullis_core::mappers::Subject;
use portcullis_core::realm::Realm;
use portcullis_core::role::default_roles_name;
use portcullis_core::scope::ClientScope;
use portcullis_core::user::User;
use portcullis_server::jwks_json;

const ISSUER: &str = "http://127.0.0.1:8080/realms/bench";
const SECRET: &str = "bench-secret";
/// The form of the shared load scripts: `scope=api:read resource=https://api.example.com`.
const SCOPE: &str = "api:read";
const RESOURCE: &str = "https://api.example.com";
const NOW: i64 = 1_800_000_000;

/// The `bench-client` of `bench/run.sh`, as the server's cache holds it: a confidential
/// client with a service account, Keycloak's six default scopes as default scopes and
/// `api:read` as an optional scope; the service-account user has the realm's default
/// roles (`default-roles-bench` expanded to `offline_access` and `uma_authorization`).
fn bench_context() -> ClientContext {
    let realm = Realm::new("bench").unwrap();
    let mut client = Client::new(&realm.id, "bench-client").unwrap();
    client.secret = Some(ClientSecret::Plain(SECRET.to_owned()));
    client.service_accounts_enabled = true;
    let user = User::service_account(&realm.id, &client.id, &client.client_id, NOW * 1000);
    let mut realm_roles = vec![default_roles_name(&realm.name), "offline_access".into(), "uma_authorization".into()];
    realm_roles.sort();
    let service_account = Subject { user, realm_roles, client_roles: BTreeMap::new() };
    ClientContext {
        default_scopes: portcullis_core::defaults::default_scopes(&realm.id).unwrap(),
        optional_scopes: vec![ClientScope::new(&realm.id, SCOPE).unwrap()],
        service_account: Some(service_account),
        client,
        realm,
        mapped: Default::default(),
    }
}

fn signer(alg: &str) -> Signer {
    Signer::from_stored(&keys::generate_key("bench", alg, NOW).unwrap()).unwrap()
}

/// The realm algorithms, as named in the benchmark ids.
const ALGORITHMS: [(&str, &str); 3] = [(keys::RS256, "rs256"), (keys::ES256, "es256"), (keys::EDDSA, "eddsa")];

/// What the token handler does after authentication: a fresh `jti`, scope parsing, the
/// client-credentials policy and claims; with `sign`, the JWS too.
fn mint(ctx: &ClientContext, resources: &[String], signer: Option<&Signer>) -> usize {
    let jti = portcullis_core::new_id();
    let params = TokenParams { issuer: ISSUER, now: NOW, jti: &jti, resources };
    let scopes = parse_scope_param(Some(SCOPE)).unwrap();
    let (issued, scope) = grant::client_credentials::issue(ctx, &scopes, &params).unwrap();
    match signer {
        Some(s) => s.sign_json(&issued.to_json().unwrap()).unwrap().len() + scope.len(),
        None => issued.to_json().unwrap().len() + scope.len(),
    }
}

fn token_minting(c: &mut Criterion) {
    let ctx = bench_context();
    let resources = vec![RESOURCE.to_owned()];
    let jti = portcullis_core::new_id();
    let params = TokenParams { issuer: ISSUER, now: NOW, jti: &jti, resources: &resources };
    let (issued, scope) = grant::client_credentials::issue(&ctx, &[SCOPE], &params).unwrap();
    assert!(scope.split(' ').any(|s| s == SCOPE), "scope {scope}");

    let mut g = c.benchmark_group("token");
    g.bench_function("claims_only", |b| b.iter(|| mint(black_box(&ctx), black_box(&resources), None)));
    for (alg, name) in ALGORITHMS {
        let signer = signer(alg);
        // Sanity: the token is what the server would issue, and it verifies.
        let jwt = signer.sign_json(&issued.to_json().unwrap()).unwrap();
        let claims: serde_json::Value = keys::verify(&jwt, &[signer.verify_key()]).unwrap();
        assert_eq!(claims["aud"], RESOURCE);
        eprintln!("{alg} token: {} chars, {} claims, scope \"{scope}\"", jwt.len(), issued.to_map().len());

        g.bench_function(format!("mint_and_sign_{name}"), |b| {
            b.iter(|| mint(black_box(&ctx), black_box(&resources), Some(&signer)))
        });
        g.bench_function(format!("sign_only_{name}"), |b| {
            b.iter(|| signer.sign_json(black_box(&issued.to_json().unwrap())).unwrap())
        });
    }
    g.finish();
}

fn client_authentication(c: &mut Criterion) {
    let hasher = SecretHasher::new(b"bench pepper");
    let plain = bench_context().client;
    let mut keyed = plain.clone();
    keyed.secret = Some(ClientSecret::Keyed(hasher.keyed(SECRET)));
    let verifier = SecretVerifier::new(hasher.clone());
    let mut slow = plain.clone();
    slow.secret = Some(ClientSecret::chosen(SecretStorage::Hashed, SECRET).unwrap());
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    for client in [&plain, &keyed] {
        assert_eq!(client.authenticate(Some(SECRET), &hasher, 0).ok(), Some(Authenticated::Yes));
        assert!(client.authenticate(Some("bench-secreT"), &hasher, 0).is_err());
    }
    rt.block_on(verifier.authenticate(&slow, Some(SECRET))).unwrap();

    let mut g = c.benchmark_group("client_auth");
    for (name, client) in [("encrypted", &plain), ("keyed_hash", &keyed)] {
        g.bench_function(format!("{name}_correct"), |b| {
            b.iter(|| client.authenticate(black_box(Some(SECRET)), &hasher, 0).is_ok())
        });
        // Same length, last byte differs: the worst case of a naive comparison.
        g.bench_function(format!("{name}_wrong"), |b| {
            b.iter(|| client.authenticate(black_box(Some("bench-secreT")), &hasher, 0).is_err())
        });
    }
    // An Argon2id-hashed (admin-chosen) secret after its first verification: the
    // server's cache of verified secrets answers.
    g.bench_function("argon2_cached_correct", |b| {
        b.iter(|| rt.block_on(verifier.authenticate(&slow, black_box(Some(SECRET)))).is_ok())
    });
    g.finish();
}

fn jwks(c: &mut Criterion) {
    let one = [Arc::new(signer(keys::RS256))];
    let two = [Arc::new(signer(keys::RS256)), Arc::new(signer(keys::RS256))];
    let mixed = ALGORITHMS.map(|(alg, _)| Arc::new(signer(alg)));
    let mut g = c.benchmark_group("jwks");
    g.bench_function("build_json_1_key", |b| b.iter(|| jwks_json(black_box(&one))));
    g.bench_function("build_json_2_keys", |b| b.iter(|| jwks_json(black_box(&two))));
    g.bench_function("build_json_3_algorithms", |b| b.iter(|| jwks_json(black_box(&mixed))));
    g.finish();
}

criterion_group!(benches, token_minting, client_authentication, jwks);
criterion_main!(benches);
