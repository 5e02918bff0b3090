//! CORS: the token endpoint lets a browser read its answer only from the client's
//! `webOrigins`; discovery and JWKS are readable from anywhere; the admin API from nowhere.

use serde_json::json;

use crate::harness::Server;

fn acao(r: &reqwest::blocking::Response) -> Option<String> {
    r.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap().to_owned())
}

#[test]
fn token_answers_only_the_clients_web_origins() {
    let server = Server::with_realm("web");
    let admin = server.admin();
    admin.create(
        "/admin/realms/web/clients",
        &json!({"clientId": "spa-backend", "secret": "s", "serviceAccountsEnabled": true,
                "webOrigins": ["https://spa.example"], "redirectUris": ["https://derived.example:8443/cb"]}),
    );
    let token = |origin: &str, secret: &str| {
        server
            .http
            .post(server.token_url("web"))
            .header("origin", origin)
            .basic_auth("spa-backend", Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .unwrap()
    };
    let ok = token("https://spa.example", "s");
    assert_eq!(ok.status(), 200);
    assert_eq!(acao(&ok).as_deref(), Some("https://spa.example"));
    assert_eq!(ok.headers()["access-control-allow-credentials"], "true");
    assert!(ok.headers().get_all("vary").iter().any(|v| v == "Origin"));
    // An error of a known client is readable too, so the page can show it.
    let bad = token("https://spa.example", "wrong");
    assert_eq!((bad.status().as_u16(), acao(&bad).as_deref()), (401, Some("https://spa.example")));
    for other in ["https://evil.example", "https://spa.example.evil", "null", "https://derived.example:8443"] {
        let r = token(other, "s");
        assert_eq!(r.status(), 200, "CORS is the browser's business: the server still answers");
        assert_eq!(acao(&r), None, "{other}");
    }
    // "+": the origins of the redirect URIs.
    let id = admin.get_json("/admin/realms/web/clients?clientId=spa-backend")[0]["id"].as_str().unwrap().to_owned();
    admin.put(&format!("/admin/realms/web/clients/{id}"), &json!({"webOrigins": ["+"]}));
    assert_eq!(acao(&token("https://derived.example:8443", "s")).as_deref(), Some("https://derived.example:8443"));
    assert_eq!(acao(&token("https://spa.example", "s")), None);

    let pre = server
        .http
        .request(reqwest::Method::OPTIONS, server.token_url("web"))
        .header("origin", "https://spa.example")
        .header("access-control-request-method", "POST")
        .send()
        .unwrap();
    assert_eq!(pre.status(), 204);
    assert_eq!(acao(&pre).as_deref(), Some("https://spa.example"));
    assert!(pre.headers()["access-control-allow-methods"].to_str().unwrap().contains("POST"));
    assert!(pre.headers()["access-control-allow-headers"].to_str().unwrap().contains("Authorization"));

    for path in ["/realms/web/protocol/openid-connect/certs", "/realms/web/.well-known/openid-configuration"] {
        let r = server.http.get(server.url(path)).header("origin", "https://anyone.example").send().unwrap();
        assert_eq!(acao(&r).as_deref(), Some("*"), "{path}");
    }
    let r = server
        .http
        .get(server.url("/admin/realms/web"))
        .bearer_auth(&admin.token)
        .header("origin", "https://spa.example")
        .send()
        .unwrap();
    assert_eq!(acao(&r), None, "the admin API is not for other origins");
}
