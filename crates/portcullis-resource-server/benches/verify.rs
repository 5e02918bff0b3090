//! Verification of one access token with cached keys, per signature algorithm: what a
//! resource server pays per request (`cargo bench -p portcullis-resource-server`).

#![allow(clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use portcullis_core::keys::{generate_key, Signer};
use portcullis_resource_server::{Config, Verifier};
use serde_json::json;

const ISSUER: &str = "https://sso.example.com/realms/bench";

fn jwks(signer: &Signer) -> String {
    let j = signer.jwk();
    json!({"keys": [{"kty": j.kty, "crv": j.crv, "n": j.n, "e": j.e, "x": j.x, "y": j.y,
                     "kid": signer.kid(), "alg": signer.algorithm().as_str(), "use": "sig"}]})
    .to_string()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64;
    let mut group = c.benchmark_group("verify");
    for alg in ["RS256", "ES256", "EdDSA"] {
        let key = generate_key("bench", alg, now).expect("key");
        let signer = Signer::from_stored(&key).expect("signer");
        let claims = json!({"iss": ISSUER, "sub": "s", "aud": "orders-api", "exp": now + 3600, "iat": now,
            "scope": "orders:read", "client_id": "svc", "azp": "svc",
            "realm_access": {"roles": ["Developer", "offline_access"]}});
        let token = signer.sign(&claims).expect("token");
        let verifier =
            Verifier::with_keys(Config::new(ISSUER).audience("orders-api"), &jwks(&signer)).expect("verifier");
        assert!(rt.block_on(verifier.verify(&token)).is_ok(), "{alg}: the benchmark token verifies");
        group.bench_function(alg.to_lowercase(), |b| b.iter(|| rt.block_on(verifier.verify(&token))));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
