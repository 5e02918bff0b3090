//! Signing algorithms per realm (Keycloak's `defaultSignatureAlgorithm`) and per client
//! (`access.token.signed.response.alg`): RS256, PS256, ES256 and EdDSA tokens verified by a
//! third-party JWT library against the realm's JWKS; switching algorithms keeps earlier
//! tokens valid; anything else is refused.

use base64::Engine as _;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

use crate::harness::{client_credentials, Admin, Server};

fn jwks(server: &Server, realm: &str) -> Vec<Value> {
    server.jwks(realm)["keys"].as_array().unwrap().clone()
}

fn discovery(server: &Server, realm: &str) -> Value {
    let url = server.url(&format!("/realms/{realm}/.well-known/openid-configuration"));
    server.http.get(url).send().unwrap().json().unwrap()
}

/// Verifies `token` with jsonwebtoken against the realm's JWKS, taking the algorithm and
/// key type from the JWK (not from the token); returns the header `alg`, `kid` and claims.
fn verify(server: &Server, realm: &str, token: &str) -> (String, String, Value) {
    let header = decode_header(token).unwrap();
    let kid = header.kid.clone().expect("kid");
    let keys = jwks(server, realm);
    let jwk = keys.iter().find(|k| k["kid"] == kid.as_str()).unwrap_or_else(|| panic!("kid {kid} not in JWKS"));
    let s = |m: &str| jwk[m].as_str().unwrap_or_else(|| panic!("JWK member {m} missing: {jwk}"));
    assert_eq!(jwk["use"], "sig");
    let (alg, key) = match jwk["alg"].as_str().unwrap() {
        rsa @ ("RS256" | "PS256") => {
            assert_eq!(jwk["kty"], "RSA", "{jwk}");
            assert!(jwk.get("crv").is_none() && jwk.get("x").is_none(), "{jwk}");
            let alg = if rsa == "RS256" { Algorithm::RS256 } else { Algorithm::PS256 };
            (alg, DecodingKey::from_rsa_components(s("n"), s("e")).unwrap())
        }
        "ES256" => {
            assert_eq!((s("kty"), s("crv")), ("EC", "P-256"), "{jwk}");
            assert!(jwk.get("n").is_none() && jwk.get("e").is_none(), "{jwk}");
            (Algorithm::ES256, DecodingKey::from_ec_components(s("x"), s("y")).unwrap())
        }
        "EdDSA" => {
            assert_eq!((s("kty"), s("crv")), ("OKP", "Ed25519"), "{jwk}");
            assert!(jwk.get("n").is_none() && jwk.get("y").is_none(), "{jwk}");
            (Algorithm::EdDSA, DecodingKey::from_ed_components(s("x")).unwrap())
        }
        other => panic!("unexpected JWK alg {other}"),
    };
    assert_eq!(header.alg, alg, "header alg must be the key's");
    let mut v = Validation::new(alg);
    v.validate_aud = false;
    v.set_issuer(&[server.url(&format!("/realms/{realm}"))]);
    let data = decode::<Value>(token, &key, &v).unwrap_or_else(|e| panic!("token does not verify: {e}"));
    (s("alg").to_owned(), kid, data.claims)
}

/// A realm with a service client `svc`; `alg` as `defaultSignatureAlgorithm` if given.
fn realm_with_client(admin: &Admin<'_>, realm: &str, alg: Option<&str>) {
    let mut rep = json!({"realm": realm, "enabled": true});
    if let Some(alg) = alg {
        rep["defaultSignatureAlgorithm"] = json!(alg);
    }
    admin.create("/admin/realms", &rep);
    admin.create_service_client(realm, "svc", "s3cret");
}

fn token(server: &Server, realm: &str) -> String {
    let (status, body) = client_credentials(server, realm, "svc", "s3cret", &[]);
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

fn realm_created_with(alg: &str) {
    let server = Server::start();
    let admin = server.admin();
    realm_with_client(&admin, "r", Some(alg));
    assert_eq!(admin.get_json("/admin/realms/r")["defaultSignatureAlgorithm"], alg);

    let t = token(&server, "r");
    let (jwk_alg, kid, claims) = verify(&server, "r", &t);
    assert_eq!(jwk_alg, alg);
    assert_eq!(decode_header(&t).unwrap().typ.as_deref(), Some("at+jwt"));
    assert_eq!(claims["client_id"], "svc");
    let keys = jwks(&server, "r");
    assert_eq!(keys.len(), 1, "one key of the realm's algorithm: {keys:?}");
    assert_eq!(keys[0]["kid"], kid.as_str());
    assert_eq!(discovery(&server, "r")["id_token_signing_alg_values_supported"], json!([alg]));
}

#[test]
fn es256_realm_issues_es256_tokens_that_verify_against_jwks() {
    realm_created_with("ES256");
}

#[test]
fn ps256_realm_issues_ps256_tokens_that_verify_against_jwks() {
    realm_created_with("PS256");
}

#[test]
fn a_client_chooses_its_token_algorithm_and_rotation_keeps_it() {
    let server = Server::start();
    let admin = server.admin();
    realm_with_client(&admin, "r", None);
    let id = admin.create(
        "/admin/realms/r/clients",
        &json!({"clientId": "ec", "secret": "ec-secret", "serviceAccountsEnabled": true,
                "attributes": {"access.token.signed.response.alg": "ES256"}}),
    );
    let (status, body) = client_credentials(&server, "r", "ec", "ec-secret", &[]);
    assert_eq!(status, 200, "{body}");
    let (alg, ec_kid, claims) = verify(&server, "r", body["access_token"].as_str().unwrap());
    assert_eq!((alg.as_str(), claims["azp"].as_str()), ("ES256", Some("ec")));
    // Other clients keep the realm's algorithm.
    assert_eq!(verify(&server, "r", &token(&server, "r")).0, "RS256");

    // A rotation renews the key of every algorithm in use.
    assert_eq!(admin.post("/admin/realms/r/keys/rotate", &json!({})).status(), 200);
    let (status, body) = client_credentials(&server, "r", "ec", "ec-secret", &[]);
    assert_eq!(status, 200, "{body}");
    let (alg, kid, _) = verify(&server, "r", body["access_token"].as_str().unwrap());
    assert_eq!(alg, "ES256");
    assert_ne!(kid, ec_kid, "the ES256 key was rotated too");

    // Switching the client to PS256 creates that key; unknown algorithms are refused.
    let mut rep = admin.get_json(&format!("/admin/realms/r/clients/{id}"));
    rep["attributes"]["access.token.signed.response.alg"] = json!("PS256");
    assert_eq!(admin.put(&format!("/admin/realms/r/clients/{id}"), &rep).status(), 204);
    let (_, body) = client_credentials(&server, "r", "ec", "ec-secret", &[]);
    assert_eq!(verify(&server, "r", body["access_token"].as_str().unwrap()).0, "PS256");
    for bad in ["HS256", "none", "RS512"] {
        rep["attributes"]["access.token.signed.response.alg"] = json!(bad);
        assert_eq!(admin.put(&format!("/admin/realms/r/clients/{id}"), &rep).status(), 400, "{bad}");
    }
}

#[test]
fn eddsa_realm_issues_eddsa_tokens_that_verify_against_jwks() {
    realm_created_with("EdDSA");
}

#[test]
fn switching_rs256_realm_to_es256_keeps_earlier_tokens_valid() {
    let server = Server::start();
    let admin = server.admin();
    realm_with_client(&admin, "r", None);
    let before = token(&server, "r");
    let (alg, rsa_kid, _) = verify(&server, "r", &before);
    assert_eq!(alg, "RS256");

    let r = admin.put("/admin/realms/r", &json!({"defaultSignatureAlgorithm": "ES256"}));
    assert_eq!(r.status(), 204);
    assert_eq!(admin.get_json("/admin/realms/r")["defaultSignatureAlgorithm"], "ES256");
    let after = token(&server, "r");
    let (alg, ec_kid, _) = verify(&server, "r", &after);
    assert_eq!(alg, "ES256");
    assert_ne!(ec_kid, rsa_kid);
    // The RSA key stays published, so the token signed before the switch still verifies.
    assert_eq!(verify(&server, "r", &before).1, rsa_kid);
    assert_eq!(jwks(&server, "r").len(), 2);
    assert_eq!(discovery(&server, "r")["id_token_signing_alg_values_supported"], json!(["ES256", "RS256"]));

    // Back to RS256: the existing RSA key signs again; no new key.
    let r = admin.put("/admin/realms/r", &json!({"defaultSignatureAlgorithm": "RS256"}));
    assert_eq!(r.status(), 204);
    let again = token(&server, "r");
    assert_eq!(verify(&server, "r", &again).1, rsa_kid);
    assert_eq!(jwks(&server, "r").len(), 2);
    assert_eq!(verify(&server, "r", &after).1, ec_kid);
}

#[test]
fn unsupported_algorithms_get_400() {
    let server = Server::start();
    let admin = server.admin();
    for alg in ["HS256", "none", "es256", "PS384"] {
        let r = admin.post("/admin/realms", &json!({"realm": "bad", "defaultSignatureAlgorithm": alg}));
        assert_eq!(r.status(), 400, "create with {alg}");
        assert_eq!(admin.get("/admin/realms/bad").status(), 404, "no realm created with {alg}");
    }
    realm_with_client(&admin, "r", None);
    for alg in ["HS256", "none"] {
        let r = admin.put("/admin/realms/r", &json!({"defaultSignatureAlgorithm": alg}));
        assert_eq!(r.status(), 400, "update to {alg}");
    }
    assert_eq!(admin.get_json("/admin/realms/r")["defaultSignatureAlgorithm"], "RS256");
    assert_eq!(jwks(&server, "r").len(), 1);
    verify(&server, "r", &token(&server, "r"));
}

#[test]
fn admin_api_works_whatever_the_master_realm_algorithm() {
    let server = Server::start();
    let admin = server.admin();
    let r = admin.put("/admin/realms/master", &json!({"defaultSignatureAlgorithm": "EdDSA"}));
    assert_eq!(r.status(), 204);

    let ed_admin = server.admin();
    assert_eq!(decode_header(&ed_admin.token).unwrap().alg, Algorithm::EdDSA);
    assert_eq!(ed_admin.get("/admin/realms").status(), 200);
    // The RS256 admin token of before the switch still authenticates.
    assert_eq!(admin.get("/admin/realms").status(), 200);

    // A token whose header claims another algorithm than its key's is refused.
    let mut parts: Vec<String> = ed_admin.token.split('.').map(str::to_owned).collect();
    let header: Value = serde_json::from_slice(&b64().decode(&parts[0]).unwrap()).unwrap();
    parts[0] = b64().encode(json!({"alg": "RS256", "typ": "at+jwt", "kid": header["kid"]}).to_string());
    let confused = Admin { server: &server, token: parts.join(".") };
    assert_eq!(confused.get("/admin/realms").status(), 401);
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}
