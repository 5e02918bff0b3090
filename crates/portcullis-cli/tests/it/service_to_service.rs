//! The seed tutorial's scenario in Rust: archival-service calls a protected messages API
//! with a client-credentials token through the reqwest middleware; the API checks tokens
//! with the tower layer (local verification, or introspection where a revocation must
//! take effect at once) and a realm role before it answers.

use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::{Extension, Router};
use portcullis_resource_server::{Claims, Config as VerifierConfig, Verifier, VerifyLayer};
use portcullis_token_client::{BearerAuth, ClientAuth, Config, TokenClient};
use serde_json::json;

use crate::harness::Server;
use crate::token_client::runtime;

const SECRET: &str = "archival-secret-0123456789";

async fn archive(Extension(claims): Extension<Claims>) -> String {
    format!("archived by {}", claims.client().unwrap_or("?"))
}

/// Starts the messages API in its own thread and runtime; returns its base URL.
fn start_api(issuer: String) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        runtime().block_on(async move {
            let local = Arc::new(Verifier::discover(VerifierConfig::new(&issuer)).await.unwrap());
            let strict = Arc::new(
                Verifier::discover(VerifierConfig::new(&issuer).introspect("messages-service", SECRET)).await.unwrap(),
            );
            let app = Router::new()
                .route("/api/messages", get(|| async { "[]" }))
                .route_layer(VerifyLayer::new(local.clone()))
                .merge(
                    Router::new()
                        .route("/api/messages/archive", post(archive))
                        .route_layer(VerifyLayer::new(local).require_realm_role("ADMIN")),
                )
                .merge(
                    Router::new()
                        .route("/api/messages/audit", get(archive))
                        .route_layer(VerifyLayer::new(strict).require_realm_role("ADMIN")),
                );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{}", rx.recv_timeout(Duration::from_secs(20)).unwrap())
}

#[test]
fn archival_service_calls_the_protected_api_with_a_fresh_token() {
    let server = Server::with_realm("sivalabs");
    let admin = server.admin();
    admin.create("/admin/realms/sivalabs/roles", &json!({"name": "ADMIN"}));
    let id = admin.create_service_client("sivalabs", "archival-service", SECRET);
    admin.create_service_client("sivalabs", "reporter", SECRET);
    admin.create_service_client("sivalabs", "messages-service", SECRET);
    let sa = admin.get_json(&format!("/admin/realms/sivalabs/clients/{id}/service-account-user"));
    let role = admin.get_json("/admin/realms/sivalabs/roles/ADMIN");
    admin.post(
        &format!("/admin/realms/sivalabs/users/{}/role-mappings/realm", sa["id"].as_str().unwrap()),
        &json!([role]),
    );
    let issuer = server.url("/realms/sivalabs");
    let api = start_api(issuer.clone());
    let token_url = server.token_url("sivalabs");

    runtime().block_on(async {
        let tokens = TokenClient::new(Config::new(&token_url, "archival-service", ClientAuth::basic(SECRET))).unwrap();
        let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
            .with(BearerAuth::new(tokens.clone()))
            .build();
        let r = http.post(format!("{api}/api/messages/archive")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.text().await.unwrap(), "archived by archival-service");
        let r = http.get(format!("{api}/api/messages/audit")).send().await.unwrap();
        assert_eq!(r.status(), 200, "introspection says active");
        assert_eq!(tokens.requests_sent(), 1, "one token for both calls");

        // Revoked (RFC 7009): local verification cannot know; introspection refuses it, and
        // the middleware gets a new token and sends the request again.
        let current = tokens.token().await.unwrap();
        let r = reqwest::Client::new()
            .post(format!("{issuer}/protocol/openid-connect/revoke"))
            .basic_auth("archival-service", Some(SECRET))
            .form(&[("token", current.secret())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let r = http.get(format!("{api}/api/messages")).send().await.unwrap();
        assert_eq!(r.status(), 200, "local verification does not see revocations");
        let r = http.get(format!("{api}/api/messages/audit")).send().await.unwrap();
        assert_eq!(r.status(), 200, "retried with a new token");
        assert_eq!(tokens.requests_sent(), 2);
        assert_ne!(tokens.token().await.unwrap(), current);

        // Without the role: 403, and no new token is asked for.
        let reporter = TokenClient::new(Config::new(&token_url, "reporter", ClientAuth::post(SECRET))).unwrap();
        let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
            .with(BearerAuth::new(reporter.clone()))
            .build();
        let r = http.post(format!("{api}/api/messages/archive")).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
        assert!(challenge.contains("error=\"insufficient_scope\"") && challenge.contains("ADMIN"), "{challenge}");
        assert_eq!(reporter.requests_sent(), 1);
        assert_eq!(http.get(format!("{api}/api/messages")).send().await.unwrap().status(), 200);

        // Introspection with wrong credentials of the resource server is its own fault:
        // unavailable (503), not the caller's token.
        let misconfigured =
            Verifier::discover(VerifierConfig::new(&issuer).introspect("messages-service", "wrong")).await.unwrap();
        let valid = tokens.token().await.unwrap();
        let e = misconfigured.verify(valid.secret()).await.unwrap_err();
        assert!(matches!(&e, portcullis_resource_server::Error::Unavailable(m) if m.contains("HTTP 401")), "{e}");

        // No token, and a token the server never issued.
        let plain = reqwest::Client::new();
        let r = plain.get(format!("{api}/api/messages")).send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
        for path in ["/api/messages", "/api/messages/audit"] {
            let r = plain.get(format!("{api}{path}")).bearer_auth("opaque-garbage").send().await.unwrap();
            assert_eq!(r.status(), 401, "{path}");
            assert!(r.headers()["www-authenticate"].to_str().unwrap().contains("invalid_token"), "{path}");
        }
    });
}
