//! Starts and stops the real binary; small helpers for HTTP calls.
//!
//! The backend: SQLite in the data dir by default; when `PORTCULLIS_TEST_POSTGRES_URL` is
//! set, every server gets a fresh PostgreSQL database unless its `Opts` hand it the
//! database of an earlier server (restarts), and the database is dropped with the last
//! server holding it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use portcullis_store::testing::TestDatabase;
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::{json, Value};

pub const ADMIN_USER: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin-password";
/// The master key of servers on PostgreSQL (base64 of 32 bytes).
pub const TEST_MASTER_KEY: &str = "dGVzdC1tYXN0ZXIta2V5LW9mLXBvcnRjdWxsaXMtMzI=";

/// A PostgreSQL test database shared by the servers of one test; dropped with the last.
pub type SharedDatabase = Arc<TestDatabase>;

/// How to start a server.
#[derive(Default, Clone)]
pub struct Opts {
    /// Reuse this data dir (for restart tests); a fresh temp dir otherwise.
    pub data_dir: Option<PathBuf>,
    /// Reuse this PostgreSQL database (restart tests pass the previous server's
    /// `database` along with its data dir); a fresh one when PostgreSQL is tested.
    pub database: Option<SharedDatabase>,
    /// SQLite in the data dir even when PostgreSQL is tested (SQLite-specific behaviour).
    pub sqlite: bool,
    /// `--http-relative-path`.
    pub relative_path: Option<String>,
    /// Skip the bootstrap admin variables.
    pub no_bootstrap: bool,
    /// More arguments after `serve`.
    pub extra_args: Vec<String>,
    /// More environment variables.
    pub extra_env: Vec<(String, String)>,
}

/// A running server.
pub struct Server {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT` plus the relative path.
    pub base: String,
    /// The data dir in use.
    pub data_dir: PathBuf,
    /// The PostgreSQL database in use; `None` for SQLite in the data dir.
    pub database: Option<SharedDatabase>,
    _temp: Option<tempfile::TempDir>,
    /// Everything the server logged.
    pub log: Arc<Mutex<Vec<String>>>,
    pub http: Client,
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_portcullis")
}

/// Runs the binary to completion in a throw-away working directory (so that defaults such
/// as `./portcullis-data` land there), with no `PORTCULLIS_*` setting from the caller's
/// environment that could change what is tested.
pub fn run(args: &[&str]) -> std::process::Output {
    let cwd = tempfile::tempdir().expect("temp dir");
    Command::new(bin())
        .args(args)
        .current_dir(cwd.path())
        .env_remove("PORTCULLIS_BOOTSTRAP_ADMIN_USERNAME")
        .env_remove("PORTCULLIS_BOOTSTRAP_ADMIN_PASSWORD")
        .env_remove("PORTCULLIS_DATABASE_URL")
        .env_remove("PORTCULLIS_MASTER_KEY")
        .env_remove("PORTCULLIS_MASTER_KEY_FILE")
        .output()
        .expect("run portcullis")
}

impl Server {
    pub fn start() -> Self {
        Self::start_with(Opts::default())
    }

    /// A fresh server with one realm created.
    pub fn with_realm(realm: &str) -> Self {
        let server = Self::start();
        server.admin().create_realm(realm);
        server
    }

    pub fn start_with(opts: Opts) -> Self {
        let (temp, data_dir) = match &opts.data_dir {
            Some(d) => (None, d.clone()),
            None => {
                let t = tempfile::tempdir().expect("temp dir");
                let p = t.path().join("data");
                (Some(t), p)
            }
        };
        // Also for a reused data dir, so that a restart test that forgets to pass the
        // database along fails on PostgreSQL instead of quietly testing SQLite.
        let database =
            if opts.sqlite { None } else { opts.database.clone().or_else(|| TestDatabase::from_env().map(Arc::new)) };
        let mut cmd = Command::new(bin());
        cmd.args(["serve", "--http-addr", "127.0.0.1:0", "--data-dir"]).arg(&data_dir);
        if let Some(db) = &database {
            cmd.args(["--database-url", db.url()]);
        }
        if let Some(rel) = &opts.relative_path {
            cmd.args(["--http-relative-path", rel]);
        }
        cmd.args(&opts.extra_args);
        cmd.env_remove("PORTCULLIS_PUBLIC_URL")
            .env_remove("PORTCULLIS_DATABASE_URL")
            .env_remove("PORTCULLIS_DB_POOL_SIZE")
            .env_remove("PORTCULLIS_MASTER_KEY")
            .env_remove("PORTCULLIS_MASTER_KEY_FILE");
        if database.is_some() {
            // Instances sharing a database need one master key; each has its own data dir.
            cmd.env("PORTCULLIS_MASTER_KEY", TEST_MASTER_KEY);
        }
        cmd.envs(opts.extra_env.iter().map(|(k, v)| (k, v)));
        if !opts.no_bootstrap {
            cmd.env("PORTCULLIS_BOOTSTRAP_ADMIN_USERNAME", ADMIN_USER)
                .env("PORTCULLIS_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD);
        } else {
            cmd.env_remove("PORTCULLIS_BOOTSTRAP_ADMIN_USERNAME").env_remove("PORTCULLIS_BOOTSTRAP_ADMIN_PASSWORD");
        }
        cmd.env("PORTCULLIS_LOG", "info").stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn portcullis");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let log2 = log.clone();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(i) = line.find("listening on http") {
                    // Text or JSON log lines: the URL ends at a space or a quote.
                    let rest = &line[i + "listening on ".len()..];
                    let addr = rest.split([' ', '"']).next().unwrap_or("").to_owned();
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(addr);
                    }
                }
                log2.lock().unwrap().push(line);
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                panic!("server did not start; log:\n{}", log.lock().unwrap().join("\n"));
            }
        };
        let base = format!("{addr}{}", opts.relative_path.unwrap_or_default());
        let http = http_client(Duration::from_secs(30));
        Server { child: Some(child), base, data_dir, database, _temp: temp, log, http }
    }

    /// Absolute URL of a path under the base.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The realm's JWKS document.
    pub fn jwks(&self, realm: &str) -> Value {
        let r = self.http.get(self.url(&format!("/realms/{realm}/protocol/openid-connect/certs"))).send().unwrap();
        assert_eq!(r.status(), 200, "GET certs of {realm}");
        r.json().unwrap()
    }

    pub fn token_url(&self, realm: &str) -> String {
        self.url(&format!("/realms/{realm}/protocol/openid-connect/token"))
    }

    /// An admin access token from the master realm (password grant through admin-cli).
    pub fn admin_token(&self) -> String {
        let resp = self
            .http
            .post(self.token_url("master"))
            .form(&[
                ("grant_type", "password"),
                ("client_id", "admin-cli"),
                ("username", ADMIN_USER),
                ("password", ADMIN_PASSWORD),
            ])
            .send()
            .expect("admin login");
        assert_eq!(resp.status(), 200, "admin login failed");
        resp.json::<Value>().unwrap()["access_token"].as_str().unwrap().to_owned()
    }

    /// An admin API helper holding a fresh admin token.
    pub fn admin(&self) -> Admin<'_> {
        Admin { server: self, token: self.admin_token() }
    }

    /// Sends SIGTERM and waits for exit; returns whether it exited successfully.
    pub fn stop(mut self) -> bool {
        let mut child = self.child.take().expect("running");
        let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
        for _ in 0..100 {
            if let Ok(Some(status)) = child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        false
    }

    /// Kills the process with SIGKILL (no drain, no cleanup) and waits for it to be gone.
    pub fn kill9(mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().expect("SIGKILL");
        let _ = child.wait();
    }

    /// The server's process id (for signals).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The `--database-url` given to the server, if not SQLite in the data dir.
    pub fn database_url(&self) -> Option<&str> {
        self.database.as_deref().map(TestDatabase::url)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Admin REST API calls with a bearer token.
pub struct Admin<'a> {
    pub server: &'a Server,
    pub token: String,
}

impl Admin<'_> {
    fn with_auth(&self, rb: RequestBuilder) -> RequestBuilder {
        rb.bearer_auth(&self.token)
    }
    pub fn get(&self, path: &str) -> Response {
        self.with_auth(self.server.http.get(self.server.url(path))).send().unwrap()
    }
    pub fn delete(&self, path: &str) -> Response {
        self.with_auth(self.server.http.delete(self.server.url(path))).send().unwrap()
    }
    pub fn post(&self, path: &str, body: &Value) -> Response {
        self.with_auth(self.server.http.post(self.server.url(path))).json(body).send().unwrap()
    }
    pub fn put(&self, path: &str, body: &Value) -> Response {
        self.with_auth(self.server.http.put(self.server.url(path))).json(body).send().unwrap()
    }
    pub fn get_json(&self, path: &str) -> Value {
        let r = self.get(path);
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().unwrap()
    }
    /// POSTs and returns the id from the Location header.
    pub fn create(&self, path: &str, body: &Value) -> String {
        let r = self.post(path, body);
        assert_eq!(r.status(), 201, "POST {path}: {}", r.text().unwrap_or_default());
        let loc = r.headers()["location"].to_str().unwrap().to_owned();
        loc.rsplit('/').next().unwrap().to_owned()
    }
    pub fn create_realm(&self, realm: &str) {
        self.create("/admin/realms", &json!({"realm": realm, "enabled": true}));
    }
    /// A confidential client with service accounts; returns its internal id.
    pub fn create_service_client(&self, realm: &str, client_id: &str, secret: &str) -> String {
        self.create(
            &format!("/admin/realms/{realm}/clients"),
            &json!({"clientId": client_id, "secret": secret, "serviceAccountsEnabled": true, "publicClient": false}),
        )
    }
}

/// A blocking HTTP client. reqwest takes rustls's process-wide crypto provider (the
/// server's JWKS fetcher chose rustls without a built-in one), so install aws-lc first.
pub fn http_client(timeout: Duration) -> Client {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    Client::builder().timeout(timeout).build().expect("http client")
}

/// The `kid` in the header of a token response's access token.
pub fn claims_header_kid(token_response: &Value) -> String {
    let jwt = token_response["access_token"].as_str().expect("access_token");
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jwt.split('.').next().unwrap()).unwrap()).unwrap();
    header["kid"].as_str().expect("kid").to_owned()
}

/// Decodes a JWT's payload without verifying (for assertions on claims).
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("jwt payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("b64")).expect("json")
}

/// Fetches a token with client_secret_basic, returning status and body.
pub fn client_credentials(
    server: &Server,
    realm: &str,
    id: &str,
    secret: &str,
    extra: &[(&str, &str)],
) -> (u16, Value) {
    let mut form = vec![("grant_type", "client_credentials")];
    form.extend_from_slice(extra);
    let r = server.http.post(server.token_url(realm)).basic_auth(id, Some(secret)).form(&form).send().unwrap();
    let status = r.status().as_u16();
    (status, r.json().unwrap_or(Value::Null))
}

/// Asserts an admin API error: the status and a JSON body with Keycloak's `errorMessage`.
pub fn assert_error(r: Response, status: u16) -> Value {
    assert_eq!(r.status().as_u16(), status);
    let body: Value = r.json().unwrap();
    assert!(body["errorMessage"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    body
}
