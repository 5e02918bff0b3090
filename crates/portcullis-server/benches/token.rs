//! Micro-benchmarks of the token endpoint's hot path, through the public core APIs the
//! handler calls (`oauth::token::token`): claims building, RS256 signing, client
//! authentication, and building the JWKS document.
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
use portcullis_core::client::Client;
use portcullis_core::context::ClientContext;
use portcullis_core::grant::{self, parse_scope_param, TokenParams};
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
    client.secret = Some(SECRET.to_owned());
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
    }
}

fn signer() -> Signer {
    Signer::from_stored(&keys::generate_key("bench", NOW).unwrap()).unwrap()
}

/// What the token handler does after authentication: a fresh `jti`, scope parsing, the
/// client-credentials policy and claims; with `sign`, the RS256 JWS too.
fn mint(ctx: &ClientContext, resources: &[String], signer: Option<&Signer>) -> usize {
    let jti = portcullis_core::new_id();
    let params = TokenParams { issuer: ISSUER, now: NOW, jti: &jti, resources };
    let scopes = parse_scope_param(Some(SCOPE)).unwrap();
    let (issued, scope) = grant::client_credentials::issue(ctx, &scopes, &params).unwrap();
    match signer {
        Some(s) => s.sign(&issued.claims).unwrap().len() + scope.len(),
        None => issued.claims.len() + scope.len(),
    }
}

fn token_minting(c: &mut Criterion) {
    let ctx = bench_context();
    let signer = signer();
    let resources = vec![RESOURCE.to_owned()];

    // Sanity: the token is what the server would issue, and it verifies.
    let jti = portcullis_core::new_id();
    let params = TokenParams { issuer: ISSUER, now: NOW, jti: &jti, resources: &resources };
    let (issued, scope) = grant::client_credentials::issue(&ctx, &[SCOPE], &params).unwrap();
    let jwt = signer.sign(&issued.claims).unwrap();
    let claims: serde_json::Value = keys::verify(&jwt, &[(signer.kid(), signer.public_der())]).unwrap();
    assert_eq!(claims["aud"], RESOURCE);
    assert!(scope.split(' ').any(|s| s == SCOPE), "scope {scope}");
    eprintln!("token: {} chars, {} claims, scope \"{scope}\"", jwt.len(), issued.claims.len());

    let mut g = c.benchmark_group("token");
    g.bench_function("mint_and_sign_rs256", |b| b.iter(|| mint(black_box(&ctx), black_box(&resources), Some(&signer))));
    g.bench_function("claims_only", |b| b.iter(|| mint(black_box(&ctx), black_box(&resources), None)));
    g.bench_function("sign_only_rs256", |b| b.iter(|| signer.sign(black_box(&issued.claims)).unwrap()));
    g.finish();
}

fn client_authentication(c: &mut Criterion) {
    let ctx = bench_context();
    let client = &ctx.client;
    assert!(client.authenticate(Some(SECRET)).is_ok());
    assert!(client.authenticate(Some("bench-secreT")).is_err());

    let mut g = c.benchmark_group("client_auth");
    g.bench_function("correct_secret", |b| b.iter(|| client.authenticate(black_box(Some(SECRET))).is_ok()));
    // Same length, last byte differs: the worst case of a naive comparison.
    g.bench_function("wrong_secret", |b| b.iter(|| client.authenticate(black_box(Some("bench-secreT"))).is_err()));
    g.finish();
}

fn jwks(c: &mut Criterion) {
    let one = [Arc::new(signer())];
    let two = [Arc::new(signer()), Arc::new(signer())];
    let mut g = c.benchmark_group("jwks");
    g.bench_function("build_json_1_key", |b| b.iter(|| jwks_json(black_box(&one))));
    g.bench_function("build_json_2_keys", |b| b.iter(|| jwks_json(black_box(&two))));
    g.finish();
}

criterion_group!(benches, token_minting, client_authentication, jwks);
criterion_main!(benches);
