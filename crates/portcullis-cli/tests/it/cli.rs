//! Start-up behaviour of `portcullis serve`: clear errors for bad flags, an unwritable data
//! dir or a taken port; graceful shutdown.

use std::process::Output;

use crate::harness::{run, Server};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn bad_flags_fail_with_usage_errors() {
    let o = run(&["serve", "--http-addr", "not-an-address"]);
    assert_eq!(o.status.code(), Some(2), "clap usage errors exit 2");
    assert!(stderr(&o).contains("--http-addr"), "{}", stderr(&o));

    let o = run(&["serve", "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let o = run(&["serve", "--http-addr", "127.0.0.1:0", "--data-dir", d, "--http-relative-path", "/a b"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--http-relative-path"), "{}", stderr(&o));

    let o = run(&["serve", "--http-addr", "127.0.0.1:0", "--data-dir", d, "--public-url", "ftp://x"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--public-url"), "{}", stderr(&o));

    let o = run(&["serve", "--http-addr", "127.0.0.1:0", "--database-url", "mysql://localhost/x"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("unsupported database URL"), "{}", stderr(&o));
}

#[test]
fn unreachable_database_is_reported_without_its_password() {
    // Port 1 refuses at once: the error comes from the first connection, not a pool timeout.
    let url = "postgres://portcullis:s3cret@127.0.0.1:1/db";
    let o = run(&["serve", "--http-addr", "127.0.0.1:0", "--database-url", url]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot connect to the database at postgres://portcullis:***@127.0.0.1:1/db"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("s3cret"), "{}", stderr(&o));

    let o = run(&["serve", "--http-addr", "127.0.0.1:0", "--database-url", url, "--db-pool-size", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn unwritable_data_dir_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    // A data dir below a regular file can never be created, whoever runs the test.
    let bad = file.join("data");
    let o = run(&["serve", "--http-addr", "127.0.0.1:0", "--data-dir", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("data dir"), "{}", stderr(&o));
}

#[test]
fn taken_port_is_reported_and_sigterm_exits_cleanly() {
    let server = Server::start();
    let addr = server.base.trim_start_matches("http://").to_owned();
    let dir = tempfile::tempdir().unwrap();
    let o = run(&["serve", "--http-addr", &addr, "--data-dir", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains(&format!("cannot listen on {addr}")), "{}", stderr(&o));
    assert!(server.stop(), "SIGTERM must end the server with exit code 0");
}

#[test]
fn help_lists_env_vars() {
    let o = run(&["serve", "--help"]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    for var in [
        "PORTCULLIS_HTTP_ADDR",
        "PORTCULLIS_DATA_DIR",
        "PORTCULLIS_DATABASE_URL",
        "PORTCULLIS_DB_POOL_SIZE",
        "PORTCULLIS_HTTP_RELATIVE_PATH",
        "PORTCULLIS_PUBLIC_URL",
    ] {
        assert!(out.contains(var), "{var} missing from --help");
    }
}

#[test]
fn public_url_sets_the_issuer() {
    let server = Server::start_with(crate::harness::Opts {
        extra_args: vec!["--public-url".into(), "https://id.example.com/".into()],
        ..Default::default()
    });
    let meta: serde_json::Value =
        server.http.get(server.url("/realms/master/.well-known/openid-configuration")).send().unwrap().json().unwrap();
    assert_eq!(meta["issuer"], "https://id.example.com/realms/master");
    assert_eq!(meta["token_endpoint"], "https://id.example.com/realms/master/protocol/openid-connect/token");
    let token = server.admin_token();
    assert_eq!(crate::harness::claims(&token)["iss"], "https://id.example.com/realms/master");
}
