//! The admin commands (`login`, `realm`, `client`, `client-scope`, `role`, `user`,
//! `service-account`, `client onboard`) and `token`/`token verify`, run as the real binary
//! against a real server.

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

use crate::harness::{bin, claims, Server, ADMIN_PASSWORD, ADMIN_USER};

/// A CLI user: their own config dir (the session lives there).
pub struct Cli {
    config: tempfile::TempDir,
    server: String,
}

impl Cli {
    pub fn new(server: &Server) -> Self {
        Self { config: tempfile::tempdir().unwrap(), server: server.base.clone() }
    }

    fn session_file(&self) -> PathBuf {
        self.config.path().join("portcullis").join("session.json")
    }

    pub fn run_with(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(bin());
        cmd.args(args)
            .env("PORTCULLIS_CONFIG_DIR", self.config.path().join("portcullis"))
            .env_remove("PORTCULLIS_SERVER")
            .env_remove("PORTCULLIS_REALM")
            .env_remove("PORTCULLIS_PASSWORD")
            .env_remove("PORTCULLIS_CLIENT_ID")
            .env_remove("PORTCULLIS_CLIENT_SECRET")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("run portcullis");
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, "", &[])
    }

    /// Runs and asserts success; stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(o.status.success(), "{args:?}: exit {:?}\n{}{}", o.status.code(), out(&o), err(&o));
        out(&o)
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.extend(["-o", "json"]);
        serde_json::from_str(&self.ok(&a)).unwrap_or_else(|e| panic!("{args:?}: not JSON: {e}"))
    }

    pub fn login(&self) {
        let o = self.run_with(
            &["login", "--server", &self.server, "--user", ADMIN_USER, "--password-stdin"],
            &format!("{ADMIN_PASSWORD}\n"),
            &[],
        );
        assert!(o.status.success(), "login: {}", err(&o));
    }

    /// Runs and asserts the exit code; stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let o = self.run(args);
        assert_eq!(o.status.code(), Some(code), "{args:?}\n{}{}", out(&o), err(&o));
        err(&o)
    }
}

pub fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn login_keeps_a_private_session_that_refreshes_and_ends_with_logout() {
    let server = Server::start();
    let cli = Cli::new(&server);
    let e = cli.fails(&["realm", "list"], 3);
    assert!(e.contains("not logged in"), "{e}");

    let bad =
        cli.run_with(&["login", "--server", &cli.server, "--user", ADMIN_USER, "--password-stdin"], "wrong\n", &[]);
    assert_eq!(bad.status.code(), Some(3), "{}", err(&bad));
    assert!(err(&bad).contains("login as admin failed"), "{}", err(&bad));
    assert!(!cli.session_file().exists());

    // The password from the environment works too.
    let o = cli.run_with(
        &["login", "--server", &cli.server, "--user", ADMIN_USER],
        "",
        &[("PORTCULLIS_PASSWORD", ADMIN_PASSWORD)],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(mode(&cli.session_file()), 0o600);
    assert_eq!(mode(cli.session_file().parent().unwrap()), 0o700);
    let text = std::fs::read_to_string(cli.session_file()).unwrap();
    assert!(!text.contains(ADMIN_PASSWORD), "the password is never stored");

    let list = cli.json(&["realm", "list"]);
    assert!(list.as_array().unwrap().iter().any(|r| r["realm"] == "master"), "{list}");
    let table = cli.ok(&["realm", "list"]);
    assert!(table.lines().next().unwrap().starts_with("REALM"), "{table}");

    // An access token about to expire is refreshed with the stored refresh token.
    let mut s: Value = serde_json::from_str(&text).unwrap();
    let old_access = s["access_token"].clone();
    s["expires_at"] = json!(0);
    std::fs::write(cli.session_file(), s.to_string()).unwrap();
    cli.ok(&["realm", "get", "master"]);
    let s2: Value = serde_json::from_str(&std::fs::read_to_string(cli.session_file()).unwrap()).unwrap();
    assert_ne!(s2["access_token"], old_access, "refreshed");
    assert_eq!(mode(&cli.session_file()), 0o600, "still private after the refresh");

    // A refresh token the server does not know ends the session with a clear message.
    let mut s3 = s2.clone();
    s3["expires_at"] = json!(0);
    s3["refresh_token"] = json!("forged");
    std::fs::write(cli.session_file(), s3.to_string()).unwrap();
    let e = cli.fails(&["realm", "list"], 3);
    assert!(e.contains("session has expired"), "{e}");

    cli.login();
    let current: Value = serde_json::from_str(&std::fs::read_to_string(cli.session_file()).unwrap()).unwrap();
    let o = cli.run(&["logout"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(!cli.session_file().exists());
    // The refresh token was revoked at the server, not only forgotten.
    let refresh = current["refresh_token"].as_str().unwrap();
    let r = server
        .http
        .post(server.url("/realms/master/protocol/openid-connect/token"))
        .form(&[("grant_type", "refresh_token"), ("client_id", "admin-cli"), ("refresh_token", refresh)])
        .send()
        .unwrap();
    assert_eq!(r.status(), 400, "a refresh token from before the logout is dead");
    cli.fails(&["realm", "list"], 3);
}

#[test]
fn resources_are_managed_with_exit_codes_scripts_can_trust() {
    let server = Server::start();
    let cli = Cli::new(&server);
    cli.login();
    cli.ok(&["realm", "create", "shop", "-s", "accessTokenLifespan=120"]);
    assert_eq!(cli.json(&["realm", "get", "shop"])["accessTokenLifespan"], 120);
    cli.ok(&["realm", "update", "shop", "-s", "displayName=Shop"]);
    let realm = cli.json(&["realm", "get", "shop"]);
    assert_eq!((realm["displayName"].as_str(), realm["accessTokenLifespan"].as_i64()), (Some("Shop"), Some(120)));
    let e = cli.fails(&["realm", "create", "shop"], 6);
    assert!(e.contains("conflict"), "{e}");
    let e = cli.fails(&["realm", "get", "nope"], 5);
    assert!(e.contains("not found"), "{e}");
    let e = cli.fails(&["realm", "update", "shop", "-s", "defaultSignatureAlgorithm=HS1"], 7);
    assert!(e.contains("invalid"), "{e}");
    cli.fails(&["realm", "update", "shop", "-s", "novalue"], 7);

    // Clients.
    let created = cli.json(&["client", "create", "-r", "shop", "billing", "-s", "serviceAccountsEnabled=true"]);
    assert_eq!(created["created"], true);
    let c = cli.json(&["client", "get", "-r", "shop", "billing"]);
    assert_eq!((c["publicClient"].as_bool(), c["serviceAccountsEnabled"].as_bool()), (Some(false), Some(true)));
    cli.ok(&["client", "update", "-r", "shop", "billing", "-s", "description=Invoices", "-s", "attributes.team=blue"]);
    let c = cli.json(&["client", "get", "-r", "shop", "billing"]);
    assert_eq!((c["description"].as_str(), c["attributes"]["team"].as_str()), (Some("Invoices"), Some("blue")));
    cli.fails(&["client", "create", "-r", "shop", "billing"], 6);
    cli.fails(&["client", "get", "-r", "shop", "ghost"], 5);
    let table = cli.ok(&["client", "list", "-r", "shop", "--search", "bill"]);
    assert!(table.contains("billing") && !table.contains("account-console"), "{table}");

    // Its secret: printed bare for scripts, and regenerated.
    let secret = cli.ok(&["client", "secret", "get", "-r", "shop", "billing"]).trim().to_owned();
    assert!(secret.len() >= 32, "{secret}");
    let token = |s: &str| {
        server
            .http
            .post(server.token_url("shop"))
            .basic_auth("billing", Some(s))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(token(&secret), 200);
    let new =
        cli.json(&["client", "secret", "regenerate", "-r", "shop", "billing"])["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, secret);
    assert_eq!(token(&new), 200);
    assert_eq!(token(&secret), 401, "the old secret is gone");

    // Client scopes and the client's links to them.
    cli.ok(&["client-scope", "create", "-r", "shop", "invoices:read", "-s", "description=Read invoices"]);
    assert_eq!(cli.json(&["client-scope", "get", "-r", "shop", "invoices:read"])["description"], "Read invoices");
    cli.ok(&["client-scope", "update", "-r", "shop", "invoices:read", "-s", "description=Read"]);
    cli.ok(&["client", "scopes", "add", "-r", "shop", "billing", "invoices:read", "--optional"]);
    let links = cli.json(&["client", "scopes", "list", "-r", "shop", "billing"]);
    assert!(
        links.as_array().unwrap().iter().any(|l| l["name"] == "invoices:read" && l["type"] == "optional"),
        "{links}"
    );
    cli.fails(&["client", "scopes", "add", "-r", "shop", "billing", "nope"], 5);
    cli.ok(&["client", "scopes", "remove", "-r", "shop", "billing", "invoices:read", "--optional"]);
    let links = cli.json(&["client", "scopes", "list", "-r", "shop", "billing"]);
    assert!(!links.as_array().unwrap().iter().any(|l| l["name"] == "invoices:read"), "{links}");
    cli.ok(&["client-scope", "delete", "-r", "shop", "invoices:read"]);
    cli.fails(&["client-scope", "get", "-r", "shop", "invoices:read"], 5);

    // Roles, realm and client.
    cli.ok(&["role", "create", "-r", "shop", "Developer", "-s", "description=Sees its projects"]);
    cli.ok(&["role", "update", "-r", "shop", "Developer", "-s", "description=Sees own projects"]);
    assert_eq!(cli.json(&["role", "get", "-r", "shop", "Developer"])["description"], "Sees own projects");
    cli.ok(&["role", "create", "-r", "shop", "--client", "billing", "invoice-admin"]);
    let roles = cli.json(&["role", "list", "-r", "shop", "--client", "billing"]);
    assert!(roles.as_array().unwrap().iter().any(|r| r["name"] == "invoice-admin"), "{roles}");
    cli.ok(&["role", "delete", "-r", "shop", "--client", "billing", "invoice-admin"]);
    cli.fails(&["role", "get", "-r", "shop", "Nope"], 5);

    // Users: password from stdin, attributes, realm roles.
    let o = cli.run_with(
        &["user", "create", "-r", "shop", "Alice", "-s", "email=alice@example.com", "--password-stdin"],
        "pa55word!\n",
        &[],
    );
    assert!(o.status.success(), "{}", err(&o));
    cli.ok(&["user", "set-attribute", "-r", "shop", "alice", "team=blue", "team=green", "floor=3"]);
    let u = cli.json(&["user", "get", "-r", "shop", "alice"]);
    assert_eq!(u["attributes"]["team"], json!(["blue", "green"]));
    assert_eq!(u["email"], "alice@example.com");
    cli.ok(&["user", "update", "-r", "shop", "alice", "-s", "firstName=Alice"]);
    assert_eq!(cli.json(&["user", "get", "-r", "shop", "alice"])["attributes"]["floor"], json!(["3"]), "kept");
    cli.ok(&["user", "roles", "add", "-r", "shop", "alice", "--role", "Developer"]);
    let r = cli.json(&["user", "roles", "list", "-r", "shop", "alice"]);
    assert!(r.as_array().unwrap().iter().any(|x| x["name"] == "Developer"), "{r}");
    cli.fails(&["user", "roles", "add", "-r", "shop", "alice", "--role", "Ghost"], 5);
    cli.ok(&["user", "roles", "remove", "-r", "shop", "alice", "--role", "Developer"]);
    let listed = cli.ok(&["user", "list", "-r", "shop", "--search", "ali"]);
    assert!(listed.contains("alice"), "{listed}");
    let pw = server
        .http
        .post(server.token_url("shop"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", "admin-cli"),
            ("username", "alice"),
            ("password", "pa55word!"),
        ])
        .send()
        .unwrap();
    assert_eq!(pw.status(), 200, "the password from stdin was set");
    cli.ok(&["user", "delete", "-r", "shop", "alice"]);
    cli.fails(&["user", "get", "-r", "shop", "alice"], 5);

    // The service account behind a client.
    cli.ok(&["service-account", "update", "-r", "shop", "billing", "-s", "email=billing@example.com"]);
    cli.ok(&["service-account", "set-attribute", "-r", "shop", "billing", "applications=demo-project"]);
    cli.ok(&["service-account", "roles", "add", "-r", "shop", "billing", "--role", "Developer"]);
    let sa = cli.json(&["service-account", "get", "-r", "shop", "billing"]);
    assert_eq!(sa["username"], "service-account-billing");
    assert_eq!(sa["email"], "billing@example.com");
    assert_eq!(sa["attributes"]["applications"], json!(["demo-project"]));
    let t = server
        .http
        .post(server.token_url("shop"))
        .basic_auth("billing", Some(&new))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .unwrap()
        .json::<Value>()
        .unwrap();
    let roles = claims(t["access_token"].as_str().unwrap())["realm_access"]["roles"].clone();
    assert!(roles.as_array().unwrap().iter().any(|r| r == "Developer"), "{roles}");
    cli.ok(&["service-account", "roles", "remove", "-r", "shop", "billing", "--role", "Developer"]);
    cli.ok(&["client", "create", "-r", "shop", "web", "-s", "publicClient=true"]);
    let e = cli.fails(&["service-account", "get", "-r", "shop", "web"], 5);
    assert!(e.contains("no service account"), "{e}");

    cli.ok(&["client", "delete", "-r", "shop", "billing"]);
    cli.fails(&["client", "get", "-r", "shop", "billing"], 5);
    cli.ok(&["realm", "delete", "shop"]);
    cli.fails(&["realm", "get", "shop"], 5);
}

#[test]
fn an_administrator_without_the_role_gets_exit_code_4() {
    let server = Server::start();
    let admin = server.admin();
    let id = admin.create("/admin/realms/master/users", &json!({"username": "viewer", "enabled": true}));
    let r = admin.put(
        &format!("/admin/realms/master/users/{id}/reset-password"),
        &json!({"type": "password", "value": "viewer-pw", "temporary": false}),
    );
    assert_eq!(r.status(), 204);
    let cli = Cli::new(&server);
    let o =
        cli.run_with(&["login", "--server", &cli.server, "--user", "viewer", "--password-stdin"], "viewer-pw\n", &[]);
    assert!(o.status.success(), "{}", err(&o));
    let e = cli.fails(&["realm", "create", "sneaky"], 4);
    assert!(e.contains("forbidden"), "{e}");
}

#[test]
fn onboarding_in_one_command_is_idempotent_and_its_credentials_work() {
    let server = Server::start();
    let cli = Cli::new(&server);
    cli.login();
    cli.ok(&["realm", "create", "codemie-prod"]);
    cli.ok(&["client-scope", "create", "-r", "codemie-prod", "codemie"]);
    cli.ok(&["role", "create", "-r", "codemie-prod", "Developer"]);
    let onboard = [
        "client",
        "onboard",
        "--realm",
        "codemie-prod",
        "api-demo-project",
        "--scope",
        "codemie",
        "--role",
        "Developer",
        "--email",
        "api-demo-project@example.com",
        "--first-name",
        "api-demo",
        "--last-name",
        "project",
        "--attribute",
        "applications=demo-project",
        "--root-url",
        "https://codemie.example.com",
        "--redirect-uri",
        "https://codemie.example.com/*",
        "--web-origin",
        "https://codemie.example.com",
        "--standard-flow",
        "--direct-access-grants",
    ];
    let first = cli.json(&onboard);
    let changes: Vec<String> =
        first["changes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    assert_eq!(changes.len(), 5, "{changes:?}");
    assert!(changes[0].contains("created client"), "{changes:?}");
    let secret = first["clientSecret"].as_str().unwrap().to_owned();
    assert_eq!(first["tokenEndpoint"], server.token_url("codemie-prod"));

    let again = cli.json(&onboard);
    assert_eq!(again["changes"], json!([]), "a second run changes nothing");
    assert_eq!(again["clientSecret"], secret.as_str(), "and keeps the secret");

    let c = cli.json(&["client", "get", "-r", "codemie-prod", "api-demo-project"]);
    assert_eq!(c["redirectUris"], json!(["https://codemie.example.com/*"]));
    assert_eq!(
        (c["standardFlowEnabled"].as_bool(), c["directAccessGrantsEnabled"].as_bool()),
        (Some(true), Some(true))
    );
    let sa = cli.json(&["service-account", "get", "-r", "codemie-prod", "api-demo-project"]);
    assert_eq!(
        (sa["email"].as_str(), sa["firstName"].as_str()),
        (Some("api-demo-project@example.com"), Some("api-demo"))
    );
    assert_eq!(sa["attributes"]["applications"], json!(["demo-project"]));

    // The guide's step 10 with `portcullis token`, by both client authentication methods.
    for auth in ["basic", "post"] {
        let o = cli.run_with(
            &[
                "token",
                "--server",
                &cli.server,
                "-r",
                "codemie-prod",
                "--client-id",
                "api-demo-project",
                "--auth",
                auth,
                "--decode",
                "-o",
                "json",
            ],
            "",
            &[("PORTCULLIS_CLIENT_SECRET", &secret)],
        );
        assert!(o.status.success(), "{auth}: {}", err(&o));
        let decoded: Value = serde_json::from_str(&out(&o)).unwrap();
        assert_eq!(decoded["claims"]["azp"], "api-demo-project");
        assert!(decoded["claims"]["realm_access"]["roles"].as_array().unwrap().iter().any(|r| r == "Developer"));
        assert!(decoded["claims"]["scope"].as_str().unwrap().split(' ').any(|s| s == "codemie"), "{decoded}");
    }

    // A change is applied on the next run, and only that is reported.
    let mut changed: Vec<&str> = onboard.to_vec();
    changed.extend(["--role", "Admin"]);
    cli.fails(&changed, 5);
    cli.ok(&["role", "create", "-r", "codemie-prod", "Admin"]);
    let third = cli.json(&changed);
    assert_eq!(third["changes"], json!(["assigned realm roles Admin"]));

    // Table output: the credentials on stdout, progress on stderr.
    let o = cli.run(&onboard);
    assert!(o.status.success());
    assert!(out(&o).contains(&format!("client_secret  {secret}")), "{}", out(&o));
    assert!(err(&o).contains("nothing changed"), "{}", err(&o));
}

#[test]
fn token_verify_accepts_good_tokens_and_says_why_others_are_invalid() {
    let server = Server::with_realm("alpha");
    let admin = server.admin();
    admin.create_realm("beta");
    admin.create_service_client("alpha", "svc", "svc-secret");
    admin.create_service_client("beta", "svc", "svc-secret");
    let cli = Cli::new(&server);
    let get = |realm: &str, extra: &[&str]| {
        let mut args =
            vec!["token", "--server", &cli.server, "-r", realm, "--client-id", "svc", "--client-secret-stdin"];
        args.extend(extra);
        let o = cli.run_with(&args, "svc-secret\n", &[]);
        assert!(o.status.success(), "{}", err(&o));
        out(&o).trim().to_owned()
    };
    let token = get("alpha", &["--resource", "https://api.example.com"]);
    assert_eq!(token.split('.').count(), 3, "{token}");

    let verify = |realm: &str, token: &str, extra: &[&str]| {
        let mut args = vec!["token", "verify", "--server", &cli.server, "-r", realm];
        args.extend(extra);
        args.push("-");
        cli.run_with(&args, token, &[])
    };
    let ok = verify("alpha", &token, &["--audience", "https://api.example.com"]);
    assert!(ok.status.success(), "{}", err(&ok));
    assert!(err(&ok).contains("valid: RS256 signature"), "{}", err(&ok));
    assert!(out(&ok).contains("azp"), "{}", out(&ok));

    let refused = |o: Output, why: &str| {
        assert_eq!(o.status.code(), Some(9), "{}{}", out(&o), err(&o));
        assert!(err(&o).contains(why), "expected '{why}' in: {}", err(&o));
    };
    refused(verify("alpha", &token, &["--audience", "https://other.example.com"]), "does not include");
    refused(verify("beta", &token, &[]), "no key of realm beta");
    let beta = get("beta", &[]);
    refused(verify("alpha", &beta, &[]), "no key of realm alpha");

    // Tampered claims, alg none, a foreign issuer signed by nobody.
    let parts: Vec<&str> = token.split('.').collect();
    let b64 = |v: &Value| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let mut c = claims(&token);
    c["azp"] = json!("someone-else");
    refused(verify("alpha", &format!("{}.{}.{}", parts[0], b64(&c), parts[2]), &[]), "signature invalid");
    let none = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "at+jwt"})), parts[1]);
    refused(verify("alpha", &none, &[]), "algorithm 'none'");
    refused(verify("alpha", "not-a-token", &[]), "not a JWT");

    // Expiry: a one-second token, checked without leeway.
    admin.put("/admin/realms/alpha", &json!({"accessTokenLifespan": 1}));
    let short = get("alpha", &[]);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    refused(verify("alpha", &short, &["--leeway", "0"]), "expired");
}
