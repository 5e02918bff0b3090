//! `portcullis login` and `logout`.

use std::io::IsTerminal as _;

use clap::Args;
use serde_json::Value;

use super::api::{absorb, check, http_client, json, send, token_url};
use super::error::CliError;
use super::session::{config_dir, Session};

/// Flags of `login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The server's base URL, relative path included (http://localhost:8080, https://sso.example.com/auth).
    #[arg(long, env = "PORTCULLIS_SERVER")]
    pub server: String,
    /// The administrator's username.
    #[arg(long)]
    pub user: String,
    /// The realm the administrator belongs to.
    #[arg(long, default_value = "master")]
    pub realm: String,
    /// The public client to log in through.
    #[arg(long, default_value = "admin-cli")]
    pub client_id: String,
    /// Read the password from the first line of stdin (else PORTCULLIS_PASSWORD, else a prompt).
    #[arg(long)]
    pub password_stdin: bool,
}

fn password(args: &LoginArgs) -> Result<String, CliError> {
    if args.password_stdin {
        return super::user::read_stdin_line();
    }
    if let Some(p) = std::env::var("PORTCULLIS_PASSWORD").ok().filter(|p| !p.is_empty()) {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Invalid(
            "no password: use --password-stdin or PORTCULLIS_PASSWORD when stdin is not a terminal".into(),
        ));
    }
    rpassword::prompt_password(format!("Password for {}: ", args.user)).map_err(CliError::from)
}

/// Logs in with the password grant and stores the session.
pub fn login(args: LoginArgs) -> Result<(), CliError> {
    let server = args.server.trim_end_matches('/').to_owned();
    if !(server.starts_with("http://") || server.starts_with("https://")) {
        return Err(CliError::Invalid(format!("--server {server}: expected an http:// or https:// URL")));
    }
    let pw = password(&args)?;
    let http = http_client()?;
    let form = [
        ("grant_type", "password"),
        ("client_id", args.client_id.as_str()),
        ("username", args.user.as_str()),
        ("password", pw.as_str()),
    ];
    let resp = send(http.post(token_url(&server, &args.realm)).form(&form), "log in")?;
    if resp.status().as_u16() == 401 || resp.status().as_u16() == 400 {
        let body: Value = resp.json().unwrap_or(Value::Null);
        let why = body.get("error_description").and_then(Value::as_str).unwrap_or("refused");
        return Err(CliError::Unauthenticated(format!("login as {} failed: {why}", args.user)));
    }
    let body = json(check(resp, "log in")?, "log in")?;
    let mut session = Session {
        server,
        realm: args.realm,
        client_id: args.client_id,
        username: args.user,
        access_token: String::new(),
        expires_at: 0,
        refresh_token: None,
        refresh_expires_at: 0,
    };
    absorb(&mut session, &body)?;
    session.save()?;
    eprintln!(
        "logged in to {} as {} (realm {}); session stored in {}",
        session.server,
        session.username,
        session.realm,
        config_dir()?.display()
    );
    Ok(())
}

/// Revokes the refresh token (best effort) and removes the stored session.
pub fn logout() -> Result<(), CliError> {
    let Some(session) = Session::load().ok().flatten() else {
        Session::remove()?;
        eprintln!("not logged in");
        return Ok(());
    };
    if let (Some(rt), Ok(http)) = (&session.refresh_token, http_client()) {
        let url =
            format!("{}/realms/{}/protocol/openid-connect/revoke", session.server, super::api::seg(&session.realm));
        let form = [("token", rt.as_str()), ("token_type_hint", "refresh_token"), ("client_id", &session.client_id)];
        if let Err(e) = send(http.post(url).form(&form), "revoke the session") {
            eprintln!("portcullis: could not revoke the session at the server ({e}); removing it locally");
        }
    }
    Session::remove()?;
    eprintln!("logged out of {}", session.server);
    Ok(())
}
