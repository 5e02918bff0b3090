//! `portcullis token`: a client-credentials token, printed raw or decoded, and `token
//! verify`, which checks a token against a realm's discovery document and JWKS offline, as
//! a resource server would, and says why it is invalid.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use clap::{Args, Subcommand, ValueEnum};
use portcullis_resource_server::{Config, Error, Verifier};
use serde_json::{json, Value};

use super::api::{check, http_client, json, seg, send, token_url};
use super::error::CliError;
use super::output::{self, Format};
use super::session::{now, Session};

/// Flags of `token` (fetch a token).
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub verify: Option<TokenCommand>,
    #[command(flatten)]
    pub get: GetArgs,
}

/// `token` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Check a token's signature, issuer, expiry and audience against a realm.
    Verify(VerifyArgs),
}

/// Where the realm is.
#[derive(Debug, Args)]
pub struct Target {
    /// The server's base URL (default: PORTCULLIS_SERVER, else the login session's server).
    #[arg(long, env = "PORTCULLIS_SERVER")]
    pub server: Option<String>,
    /// The realm.
    #[arg(short = 'r', long, env = "PORTCULLIS_REALM")]
    pub realm: Option<String>,
}

impl Target {
    fn resolve(&self) -> Result<(String, String), CliError> {
        let realm =
            self.realm.clone().ok_or_else(|| CliError::Invalid("the realm is required: --realm NAME".into()))?;
        let server = match &self.server {
            Some(s) => s.clone(),
            None => Session::load().ok().flatten().map(|s| s.server).ok_or_else(|| {
                CliError::Invalid("no server: give --server URL (or log in with portcullis login)".into())
            })?,
        };
        Ok((server.trim_end_matches('/').to_owned(), realm))
    }
}

/// How the client authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum AuthMethod {
    /// HTTP Basic (client_secret_basic), id and secret form-encoded first (RFC 6749 §2.3.1).
    #[default]
    Basic,
    /// In the form body (client_secret_post).
    Post,
}

/// Flags of fetching a token.
#[derive(Debug, Args)]
pub struct GetArgs {
    #[command(flatten)]
    pub target: Target,
    /// The client's clientId.
    #[arg(long, env = "PORTCULLIS_CLIENT_ID")]
    pub client_id: Option<String>,
    /// Read the client secret from the first line of stdin (else PORTCULLIS_CLIENT_SECRET).
    #[arg(long)]
    pub client_secret_stdin: bool,
    /// How the client authenticates.
    #[arg(long, value_enum, default_value_t)]
    pub auth: AuthMethod,
    /// Scopes to ask for (space-separated, or the flag repeated).
    #[arg(long)]
    pub scope: Vec<String>,
    /// RFC 8707 resource (the token's audience). Repeatable.
    #[arg(long)]
    pub resource: Vec<String>,
    /// Print the token's header and claims instead of the token.
    #[arg(long)]
    pub decode: bool,
    /// Output: the token (table) or the whole token response (json).
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: Format,
}

/// Flags of `token verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub target: Target,
    /// The token; `-` or nothing reads it from stdin.
    pub token: Option<String>,
    /// Require this audience in `aud`.
    #[arg(long)]
    pub audience: Option<String>,
    /// Clock skew tolerated on exp and nbf, in seconds.
    #[arg(long, default_value_t = 60)]
    pub leeway: i64,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: Format,
}

/// Runs `token` or `token verify`.
pub fn run(args: TokenArgs) -> Result<(), CliError> {
    match args.verify {
        Some(TokenCommand::Verify(v)) => verify(v),
        None => get(args.get),
    }
}

fn get(args: GetArgs) -> Result<(), CliError> {
    let (server, realm) = args.target.resolve()?;
    let client_id = args.client_id.clone().ok_or_else(|| CliError::Invalid("--client-id is required".into()))?;
    let secret = if args.client_secret_stdin {
        super::user::read_stdin_line()?
    } else {
        std::env::var("PORTCULLIS_CLIENT_SECRET").ok().filter(|s| !s.is_empty()).ok_or_else(|| {
            CliError::Invalid("no client secret: use --client-secret-stdin or PORTCULLIS_CLIENT_SECRET".into())
        })?
    };
    let mut form: Vec<(&str, String)> = vec![("grant_type", "client_credentials".into())];
    let scope = args.scope.join(" ");
    if !scope.trim().is_empty() {
        form.push(("scope", scope));
    }
    form.extend(args.resource.iter().map(|r| ("resource", r.clone())));
    let http = http_client()?;
    let mut req = http.post(token_url(&server, &realm));
    match args.auth {
        AuthMethod::Basic => {
            req = req.header(
                reqwest::header::AUTHORIZATION,
                &*portcullis_core::secret::basic_credentials(&client_id, &secret),
            );
        }
        AuthMethod::Post => {
            form.push(("client_id", client_id.clone()));
            form.push(("client_secret", secret));
        }
    }
    let resp = send(req.form(&form), "token request")?;
    if resp.status().as_u16() == 400 || resp.status().as_u16() == 401 {
        let body: Value = resp.json().unwrap_or(Value::Null);
        let code = body.get("error").and_then(Value::as_str).unwrap_or("error");
        let why = body.get("error_description").and_then(Value::as_str).unwrap_or("");
        let msg = format!("token request refused: {code}: {why}");
        return Err(if code == "invalid_client" || code == "unauthorized_client" {
            CliError::Unauthenticated(msg)
        } else {
            CliError::Invalid(msg)
        });
    }
    let body = json(check(resp, "token request")?, "token request")?;
    let token = body.get("access_token").and_then(Value::as_str).unwrap_or_default();
    match (args.decode, args.output) {
        (true, _) => {
            // Nested claims read best as indented JSON, whatever the format.
            let (header, claims) = decode(token)?;
            output::object(Format::Json, &json!({"header": header, "claims": claims}));
        }
        (false, Format::Json) => output::object(Format::Json, &body),
        (false, Format::Table) => println!("{token}"),
    }
    Ok(())
}

fn decode_part(part: &str, what: &str) -> Result<Value, CliError> {
    let bytes = B64.decode(part).map_err(|_| CliError::TokenInvalid(format!("the {what} is not base64url")))?;
    serde_json::from_slice(&bytes).map_err(|_| CliError::TokenInvalid(format!("the {what} is not JSON")))
}

/// Header and claims of a compact JWS, unverified.
fn decode(token: &str) -> Result<(Value, Value), CliError> {
    let parts: Vec<&str> = token.split('.').collect();
    let [h, p, _] = parts.as_slice() else {
        return Err(CliError::TokenInvalid(format!("not a JWT: {} parts instead of 3", parts.len())));
    };
    Ok((decode_part(h, "header")?, decode_part(p, "payload")?))
}

fn read_token(arg: Option<String>) -> Result<String, CliError> {
    let t = match arg.filter(|t| t != "-") {
        Some(t) => t,
        None => {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
            s
        }
    };
    let t = t.trim().trim_start_matches("Bearer ").trim().to_owned();
    if t.is_empty() {
        return Err(CliError::Invalid("no token given".into()));
    }
    Ok(t)
}

fn seconds(v: Option<&Value>) -> Option<i64> {
    v.and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
}

fn verify(args: VerifyArgs) -> Result<(), CliError> {
    let (server, realm) = args.target.resolve()?;
    let token = read_token(args.token.clone())?;
    let (header, claims) = decode(&token)?;
    let issuer = format!("{server}/realms/{}", seg(&realm));
    let mut config = Config::new(&issuer).leeway(Duration::from_secs(args.leeway.max(0).unsigned_abs()));
    if let Some(aud) = &args.audience {
        config = config.audience(aud);
    }
    // The checks are the resource-server crate's; this only words its verdict for people,
    // with the details of this token.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let verified = runtime.block_on(async { Verifier::discover(config).await?.verify(&token).await });
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or_default();
    let kid = header.get("kid").and_then(Value::as_str).unwrap_or("(none)");
    let t = now();
    let exp = seconds(claims.get("exp")).unwrap_or_default();
    if let Err(e) = verified {
        let why = match e {
            Error::Unavailable(m) => return Err(CliError::Unavailable(m)),
            Error::Algorithm(a) => format!("algorithm '{a}' is not accepted for access tokens"),
            Error::UnknownKey => format!(
                "no key of realm {realm} matches kid {kid} and alg {alg} (rotated out, or another realm's token)"
            ),
            Error::Signature => format!("signature invalid (key {kid})"),
            Error::Malformed => "not a JWT, or its claims are not an access token's (exp and iss required)".into(),
            Error::Issuer => format!(
                "issuer is '{}', expected '{issuer}'",
                claims.get("iss").and_then(Value::as_str).unwrap_or_default()
            ),
            Error::Expired => format!("expired {} s ago (exp {exp})", t - exp),
            Error::NotYetValid => format!(
                "not valid yet (nbf {}, iat {}, now {t})",
                claims.get("nbf").unwrap_or(&Value::Null),
                claims.get("iat").unwrap_or(&Value::Null)
            ),
            Error::Audience => format!(
                "audience {} does not include '{}'",
                claims.get("aud").map_or("(none)".to_owned(), Value::to_string),
                args.audience.as_deref().unwrap_or_default()
            ),
            other => other.to_string(),
        };
        return Err(CliError::TokenInvalid(why));
    }
    let summary = format!("valid: {alg} signature by key {kid}, issuer {issuer}, expires in {} s", exp - t);
    match args.output {
        Format::Table => {
            eprintln!("{summary}");
            output::object(Format::Table, &claims);
        }
        Format::Json => output::object(Format::Json, &json!({"valid": true, "header": header, "claims": claims})),
    }
    Ok(())
}
