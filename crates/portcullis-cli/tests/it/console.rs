//! The admin web console over HTTP, as a browser without JavaScript uses it: sign-in with a
//! sealed session cookie, CSRF on every form, the create-client wizard, the credentials
//! tab with a confirmed regeneration, sign-out, and realm boundaries.

use std::time::Duration;

use reqwest::blocking::{Client, Response};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{json, Value};

use crate::harness::{client_credentials, Opts, Server, ADMIN_PASSWORD, ADMIN_USER};

/// A browser: no automatic redirects, cookies kept by hand so the test sees them.
pub struct Browser<'a> {
    server: &'a Server,
    http: Client,
    pub cookies: Vec<(String, String)>,
}

pub fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[at..].split('"').next().unwrap().to_owned()
}

impl<'a> Browser<'a> {
    pub fn new(server: &'a Server) -> Self {
        let http = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        Self { server, http, cookies: Vec::new() }
    }

    fn keep(&mut self, r: &Response) {
        for v in r.headers().get_all(SET_COOKIE) {
            let text = v.to_str().unwrap();
            let (pair, _) = text.split_once(';').unwrap_or((text, ""));
            let (k, v) = pair.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !text.contains("Max-Age=0") {
                self.cookies.push((k.to_owned(), v.to_owned()));
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub fn get(&mut self, path: &str) -> Response {
        let r = self.http.get(self.server.url(path)).header(COOKIE, self.cookie_header()).send().unwrap();
        self.keep(&r);
        r
    }

    pub fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Response {
        let r = self.http.post(self.server.url(path)).header(COOKIE, self.cookie_header()).form(form).send().unwrap();
        self.keep(&r);
        r
    }

    /// Signs in; the page's CSRF token.
    pub fn sign_in(&mut self, realm: &str, user: &str, password: &str) -> String {
        let page = self.get("/admin/console/login").text().unwrap();
        let csrf = csrf_of(&page);
        let r = self.post(
            "/admin/console/login",
            &[("csrf", &csrf), ("realm", realm), ("username", user), ("password", password)],
        );
        assert_eq!(r.status(), 303, "sign-in");
        let to = r.headers()[LOCATION].to_str().unwrap().to_owned();
        csrf_of(&self.get(&to).text().unwrap())
    }
}

pub fn location(r: &Response) -> String {
    r.headers()[LOCATION].to_str().unwrap().to_owned()
}

#[test]
fn sign_in_then_create_a_client_with_the_wizard_and_regenerate_its_secret() {
    let server = Server::start();
    server.admin().create_realm("shop");
    let mut b = Browser::new(&server);

    // No session: to the sign-in page.
    let r = b.get("/admin/");
    assert_eq!(r.status(), 303);
    let r = b.get("/admin/console/shop/clients");
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/admin/console/login".to_owned()));

    let page = b.get("/admin/console/login");
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("default-src 'none'") && csp.contains("form-action 'self'"), "{csp}");
    let csrf = csrf_of(&page.text().unwrap());
    // Without the pre-login cookie, another site cannot post the form.
    let saved = std::mem::take(&mut b.cookies);
    let r = b.post(
        "/admin/console/login",
        &[("csrf", &csrf), ("realm", "master"), ("username", ADMIN_USER), ("password", ADMIN_PASSWORD)],
    );
    assert_eq!(r.status(), 403);
    b.cookies = saved;
    let r = b.post(
        "/admin/console/login",
        &[("csrf", &csrf), ("realm", "master"), ("username", ADMIN_USER), ("password", "wrong")],
    );
    assert_eq!(r.status(), 401);
    assert!(r.text().unwrap().contains("Wrong username or password"));
    let r = b.post(
        "/admin/console/login",
        &[("csrf", &csrf), ("realm", "master"), ("username", ADMIN_USER), ("password", ADMIN_PASSWORD)],
    );
    assert_eq!(r.status(), 303);
    let set = r.headers().get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect::<Vec<_>>();
    let session = set.iter().find(|c| c.starts_with("portcullis_console=")).expect("session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax") && session.contains("Path=/admin/console"),
        "{session}"
    );
    assert!(!session.contains("Secure"), "plain HTTP: no Secure flag");
    assert!(!session.contains(ADMIN_PASSWORD));

    let list = b.get("/admin/console/shop/clients");
    assert_eq!(list.status(), 200);
    let html = list.text().unwrap();
    assert!(html.contains("admin-cli") && html.contains("Create client"), "{html}");
    let csrf = csrf_of(&html);

    // The wizard: each step checks its fields and says what is wrong next to them.
    let r =
        b.post("/admin/console/shop/clients/new", &[("csrf", &csrf), ("step", "1"), ("client_id", ""), ("go", "next")]);
    assert_eq!(r.status(), 422);
    assert!(r.text().unwrap().contains("Enter a client ID"));
    let r = b.post(
        "/admin/console/shop/clients/new",
        &[("csrf", &csrf), ("step", "1"), ("client_id", "admin-cli"), ("go", "next")],
    );
    assert!(r.text().unwrap().contains("exists in this realm already"));
    let r = b.post(
        "/admin/console/shop/clients/new",
        &[
            ("csrf", &csrf),
            ("step", "1"),
            ("client_id", "api-demo-project"),
            ("name", "api-demo-project"),
            ("go", "next"),
        ],
    );
    assert_eq!(r.status(), 200);
    assert!(r.text().unwrap().contains("Capability config"));
    let step2 = [
        ("csrf", csrf.as_str()),
        ("step", "2"),
        ("client_id", "api-demo-project"),
        ("name", "api-demo-project"),
        ("go", "next"),
    ];
    let mut no_auth = step2.to_vec();
    no_auth.extend([("service_accounts", "on"), ("standard_flow", "on")]);
    let r = b.post("/admin/console/shop/clients/new", &no_auth);
    assert_eq!(r.status(), 422);
    assert!(r.text().unwrap().contains("Service accounts need client authentication"));
    let mut ok = step2.to_vec();
    ok.extend([("client_auth", "on"), ("service_accounts", "on"), ("standard_flow", "on"), ("direct_access", "on")]);
    let r = b.post("/admin/console/shop/clients/new", &ok);
    assert!(r.text().unwrap().contains("Valid redirect URIs"));
    let mut save = ok.clone();
    save.retain(|(k, _)| *k != "step" && *k != "go");
    save.extend([
        ("step", "3"),
        ("go", "save"),
        ("root_url", "https://codemie.example.com"),
        ("redirect_uris", "https://codemie.example.com/*"),
        ("post_logout_redirect_uris", "+"),
        ("web_origins", "https://codemie.example.com"),
    ]);
    let mut bad_url = save.clone();
    bad_url.retain(|(k, _)| *k != "root_url");
    bad_url.push(("root_url", "codemie.example.com"));
    let r = b.post("/admin/console/shop/clients/new", &bad_url);
    assert_eq!(r.status(), 422);
    assert!(r.text().unwrap().contains("must start with https://"));
    let r = b.post("/admin/console/shop/clients/new", &save);
    assert_eq!(r.status(), 303, "saved");
    let client_page = location(&r);
    assert!(b.get(&client_page).text().unwrap().contains("Client api-demo-project created."));

    // What the wizard made, through the Admin API.
    let admin = server.admin();
    let c = admin.get_json("/admin/realms/shop/clients?clientId=api-demo-project")[0].clone();
    assert_eq!(c["publicClient"], false);
    assert_eq!((c["serviceAccountsEnabled"].as_bool(), c["standardFlowEnabled"].as_bool()), (Some(true), Some(true)));
    assert_eq!(c["redirectUris"], json!(["https://codemie.example.com/*"]));
    assert_eq!(c["attributes"]["post.logout.redirect.uris"], "+");
    let id = c["id"].as_str().unwrap().to_owned();

    // Credentials: the secret works for a token; regenerating asks first.
    let creds = b.get(&format!("/admin/console/shop/clients/{id}?tab=credentials")).text().unwrap();
    let secret =
        admin.get_json(&format!("/admin/realms/shop/clients/{id}/client-secret"))["value"].as_str().unwrap().to_owned();
    assert!(creds.contains(&secret), "the secret is on the page (masked by the input type)");
    assert!(creds.contains("type=\"password\""));
    assert_eq!(client_credentials(&server, "shop", "api-demo-project", &secret, &[]).0, 200);
    let r = b.post(&format!("/admin/console/shop/clients/{id}/secret"), &[("csrf", &csrf)]);
    assert_eq!(r.status(), 303);
    assert!(location(&r).contains("confirm=regenerate"), "first a confirmation");
    assert!(b.get(&location(&r)).text().unwrap().contains("Regenerate the secret?"));
    // A form without the session's CSRF token changes nothing.
    let r = b.post(&format!("/admin/console/shop/clients/{id}/secret"), &[("csrf", "forged"), ("confirm", "yes")]);
    assert_eq!(r.status(), 403);
    let r = b.post(&format!("/admin/console/shop/clients/{id}/secret"), &[("confirm", "yes")]);
    assert_eq!(r.status(), 403);
    assert_eq!(admin.get_json(&format!("/admin/realms/shop/clients/{id}/client-secret"))["value"], secret.as_str());
    let r = b.post(&format!("/admin/console/shop/clients/{id}/secret"), &[("csrf", &csrf), ("confirm", "yes")]);
    assert_eq!(r.status(), 303);
    let new =
        admin.get_json(&format!("/admin/realms/shop/clients/{id}/client-secret"))["value"].as_str().unwrap().to_owned();
    assert_ne!(new, secret);

    // Search.
    let html = b.get("/admin/console/shop/clients?q=demo").text().unwrap();
    assert!(html.contains("api-demo-project") && !html.contains(">admin-cli<"), "{html}");

    // Sign-out ends the session, also for a copy of the cookie.
    let stolen = b.cookies.clone();
    let r = b.post("/admin/console/logout", &[("csrf", &csrf)]);
    assert_eq!(r.status(), 303);
    assert!(!b.cookies.iter().any(|(k, _)| k == "portcullis_console"), "cookie cleared");
    b.cookies = stolen;
    let r = b.get("/admin/console/shop/clients");
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/admin/console/login".to_owned()),
        "the tokens were revoked"
    );
}

#[test]
fn a_realm_admin_session_is_refused_in_another_realm() {
    let server = Server::with_realm("alpha");
    let admin = server.admin();
    admin.create_realm("beta");
    let user = admin.create(
        "/admin/realms/alpha/users",
        &json!({"username": "ops", "enabled": true, "credentials": [{"type": "password", "value": "ops-pw-1", "temporary": false}]}),
    );
    let rm =
        admin.get_json("/admin/realms/alpha/clients?clientId=realm-management")[0]["id"].as_str().unwrap().to_owned();
    let role: Value = admin.get_json(&format!("/admin/realms/alpha/clients/{rm}/roles/realm-admin"));
    let r = admin.post(&format!("/admin/realms/alpha/users/{user}/role-mappings/clients/{rm}"), &json!([role]));
    assert!(r.status().is_success(), "{}", r.status());

    let mut b = Browser::new(&server);
    b.sign_in("alpha", "ops", "ops-pw-1");
    assert_eq!(b.get("/admin/console/alpha/clients").status(), 200);
    let r = b.get("/admin/console/beta/clients");
    assert_eq!(r.status(), 403);
    assert!(r.text().unwrap().contains("no right to this realm"));
    let r = b.get("/admin/console/master/clients");
    assert_eq!(r.status(), 403);
}

#[test]
fn the_session_cookie_is_secure_behind_https() {
    let server = Server::start_with(Opts {
        extra_args: vec!["--public-url".into(), "https://sso.example.com".into()],
        ..Opts::default()
    });
    let mut b = Browser::new(&server);
    let page = b.get("/admin/console/login");
    let login_cookie = page.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(login_cookie.contains("; Secure"), "{login_cookie}");
    let csrf = csrf_of(&page.text().unwrap());
    let r = b.post(
        "/admin/console/login",
        &[("csrf", &csrf), ("realm", "master"), ("username", ADMIN_USER), ("password", ADMIN_PASSWORD)],
    );
    assert_eq!(r.status(), 303);
    let set: Vec<String> = r.headers().get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    assert!(set.iter().any(|c| c.starts_with("portcullis_console=") && c.contains("; Secure")), "{set:?}");
}

#[test]
fn the_console_lives_under_the_relative_path() {
    let server = Server::start_with(Opts { relative_path: Some("/auth".into()), ..Opts::default() });
    let mut b = Browser::new(&server);
    let r = b.get("/admin/");
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/auth/admin/console/".to_owned()));
    let page = b.get("/admin/console/login");
    let cookie = page.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.contains("Path=/auth/admin/console"), "{cookie}");
    let html = page.text().unwrap();
    assert!(
        html.contains("href=\"/auth/admin/console/static/console.css\"")
            && html.contains("action=\"/auth/admin/console/login\"")
    );
    let csrf = csrf_of(&html);
    let r = b.post(
        "/admin/console/login",
        &[("csrf", &csrf), ("realm", "master"), ("username", ADMIN_USER), ("password", ADMIN_PASSWORD)],
    );
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/auth/admin/console/master/clients".to_owned()));
    let list = b.get("/admin/console/master/clients").text().unwrap();
    assert!(list.contains("href=\"/auth/admin/console/master/clients/"), "links carry the relative path");
    assert_eq!(b.get("/admin/console/static/console.css").status(), 200);
}
