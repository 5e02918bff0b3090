//! `portcullis client onboard`: the onboarding guide's steps 3 to 9 in one idempotent
//! command. Every step reads before it writes, so a second run changes nothing and says so.

use clap::Args;
use serde_json::{json, Map, Value};

use super::api::{seg, token_url};
use super::args::attributes;
use super::error::CliError;
use super::output::{self, Format};
use super::resolve::{self, realm_path};
use super::user::set_attributes;
use super::Api;

/// Flags of `client onboard`.
#[derive(Debug, Args)]
pub struct OnboardArgs {
    /// The clientId.
    pub client_id: String,
    /// The realm (it must exist).
    #[arg(short = 'r', long, env = "PORTCULLIS_REALM")]
    pub realm: String,
    /// Display name (default: the clientId).
    #[arg(long)]
    pub name: Option<String>,
    /// Description.
    #[arg(long)]
    pub description: Option<String>,
    /// Client scope to add as default (always in the token). Repeatable.
    #[arg(long = "scope")]
    pub scopes: Vec<String>,
    /// Client scope to add as optional (granted when the request asks). Repeatable.
    #[arg(long = "optional-scope")]
    pub optional_scopes: Vec<String>,
    /// Realm role for the service account. Repeatable.
    #[arg(long = "role")]
    pub roles: Vec<String>,
    /// Email of the service-account user.
    #[arg(long)]
    pub email: Option<String>,
    /// First name of the service-account user.
    #[arg(long)]
    pub first_name: Option<String>,
    /// Last name of the service-account user.
    #[arg(long)]
    pub last_name: Option<String>,
    /// Attribute of the service-account user, KEY=VALUE (e.g. applications=demo-project).
    /// Repeatable.
    #[arg(long = "attribute", value_name = "KEY=VALUE")]
    pub attributes: Vec<String>,
    /// Root URL (login settings).
    #[arg(long)]
    pub root_url: Option<String>,
    /// Home URL (login settings).
    #[arg(long)]
    pub home_url: Option<String>,
    /// Valid redirect URI. Repeatable.
    #[arg(long = "redirect-uri")]
    pub redirect_uris: Vec<String>,
    /// Valid post-logout redirect URI. Repeatable.
    #[arg(long = "post-logout-redirect-uri")]
    pub post_logout_redirect_uris: Vec<String>,
    /// Web origin (CORS). Repeatable.
    #[arg(long = "web-origin")]
    pub web_origins: Vec<String>,
    /// Turn on the standard (authorization code) flow, as the guide does.
    #[arg(long)]
    pub standard_flow: bool,
    /// Turn on direct access grants (password grant), as the guide does.
    #[arg(long)]
    pub direct_access_grants: bool,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t)]
    pub output: Format,
}

impl OnboardArgs {
    /// The client fields the flags ask for; absent flags leave the client's value alone.
    fn client_fields(&self) -> Map<String, Value> {
        let mut f = Map::new();
        f.insert("clientId".into(), json!(self.client_id));
        f.insert("enabled".into(), json!(true));
        f.insert("publicClient".into(), json!(false));
        f.insert("serviceAccountsEnabled".into(), json!(true));
        f.insert("name".into(), json!(self.name.as_deref().unwrap_or(&self.client_id)));
        let optional = [
            ("description", self.description.as_ref().map(|v| json!(v))),
            ("rootUrl", self.root_url.as_ref().map(|v| json!(v))),
            ("baseUrl", self.home_url.as_ref().map(|v| json!(v))),
            ("redirectUris", Some(&self.redirect_uris).filter(|v| !v.is_empty()).map(|v| json!(v))),
            ("webOrigins", Some(&self.web_origins).filter(|v| !v.is_empty()).map(|v| json!(v))),
            ("standardFlowEnabled", self.standard_flow.then_some(json!(true))),
            ("directAccessGrantsEnabled", self.direct_access_grants.then_some(json!(true))),
        ];
        f.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k.to_owned(), v))));
        f
    }
}

/// True when `current` already holds every field of `wanted`.
fn holds(current: &Value, wanted: &Map<String, Value>) -> bool {
    wanted.iter().all(|(k, v)| current.get(k) == Some(v))
}

/// Runs `client onboard`.
pub fn run(args: OnboardArgs) -> Result<(), CliError> {
    attributes(&args.attributes)?;
    let api = Api::connect()?;
    let realm = &args.realm;
    let mut changes: Vec<String> = Vec::new();

    // Step 3-5: the client, with service accounts on.
    let mut wanted = args.client_fields();
    if !args.post_logout_redirect_uris.is_empty() {
        wanted.insert(
            "attributes".into(),
            json!({"post.logout.redirect.uris": args.post_logout_redirect_uris.join("##")}),
        );
    }
    let client = match resolve::client(&api, realm, &args.client_id) {
        Ok(current) => {
            let mut merged = current.clone();
            if let Some(obj) = merged.as_object_mut() {
                for (k, v) in &wanted {
                    match (k.as_str(), obj.get_mut(k), v) {
                        ("attributes", Some(Value::Object(have)), Value::Object(add)) => {
                            have.extend(add.clone());
                        }
                        _ => {
                            obj.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            if merged != current {
                let path = format!("{}/clients/{}", realm_path(realm), seg(resolve::id(&current)?));
                api.put(&path, Some(&merged))?;
                changes.push(format!("updated client {}", args.client_id));
            }
            merged
        }
        Err(CliError::NotFound(_)) => {
            let mut rep = Value::Object(wanted.clone());
            rep["protocol"] = json!("openid-connect");
            rep["clientAuthenticatorType"] = json!("client-secret");
            api.post(&format!("{}/clients", realm_path(realm)), &rep)?;
            changes.push(format!("created client {}", args.client_id));
            resolve::client(&api, realm, &args.client_id)?
        }
        Err(e) => return Err(e),
    };
    let client_path = format!("{}/clients/{}", realm_path(realm), seg(resolve::id(&client)?));

    // Step 6: client scopes.
    for (names, sub, kind) in [
        (&args.scopes, "default-client-scopes", "default"),
        (&args.optional_scopes, "optional-client-scopes", "optional"),
    ] {
        if names.is_empty() {
            continue;
        }
        let linked = api.get(&format!("{client_path}/{sub}"))?;
        for name in names {
            let present = linked
                .as_array()
                .is_some_and(|l| l.iter().any(|s| s.get("name").and_then(Value::as_str) == Some(name)));
            if !present {
                let scope = resolve::scope(&api, realm, name)?;
                api.put(&format!("{client_path}/{sub}/{}", seg(resolve::id(&scope)?)), None)?;
                changes.push(format!("added {kind} client scope {name}"));
            }
        }
    }

    // Step 7: service-account roles.
    let user = resolve::service_account(&api, realm, &args.client_id)?;
    let user_path = format!("{}/users/{}", realm_path(realm), seg(resolve::id(&user)?));
    if !args.roles.is_empty() {
        let have = api.get(&format!("{user_path}/role-mappings/realm"))?;
        let missing: Vec<String> = args
            .roles
            .iter()
            .filter(|r| {
                !have.as_array().is_some_and(|l| l.iter().any(|x| x.get("name").and_then(Value::as_str) == Some(r)))
            })
            .cloned()
            .collect();
        if !missing.is_empty() {
            super::user::assign(&api, realm, &user, &missing, true)?;
            changes.push(format!("assigned realm roles {}", missing.join(", ")));
        }
    }

    // Step 8: the service-account user's profile and attributes.
    let mut profile = Map::new();
    for (k, v) in [("email", &args.email), ("firstName", &args.first_name), ("lastName", &args.last_name)] {
        if let Some(v) = v {
            profile.insert(k.to_owned(), json!(v));
        }
    }
    if !holds(&user, &profile) {
        let mut updated = user.clone();
        if let Some(obj) = updated.as_object_mut() {
            obj.extend(profile);
        }
        api.put(&user_path, Some(&updated))?;
        changes.push("updated the service-account user".to_owned());
    }
    if !args.attributes.is_empty() {
        let want = attributes(&args.attributes)?;
        let user = api.get(&user_path)?;
        let have = user.get("attributes").cloned().unwrap_or(Value::Null);
        if !want.iter().all(|(k, v)| have.get(k) == Some(v)) {
            set_attributes(&api, realm, user, &args.attributes)?;
            changes.push(format!("set attributes {}", args.attributes.join(", ")));
        }
    }

    // Step 9: the secret.
    let secret = api.get(&format!("{client_path}/client-secret"))?;
    let secret = secret.get("value").and_then(Value::as_str).map(str::to_owned).ok_or_else(|| {
        CliError::Other(format!(
            "onboarded, but the realm keeps only a hash of the secret: run portcullis client secret regenerate -r {realm} {}",
            args.client_id
        ))
    })?;
    let token_endpoint = token_url(api.server(), realm);
    match args.output {
        Format::Json => output::object(
            Format::Json,
            &json!({"realm": realm, "clientId": args.client_id, "clientSecret": secret,
                    "tokenEndpoint": token_endpoint, "changes": changes}),
        ),
        Format::Table => {
            if changes.is_empty() {
                eprintln!("client {} is already onboarded; nothing changed", args.client_id);
            }
            for c in &changes {
                eprintln!("{c}");
            }
            println!("client_id      {}", args.client_id);
            println!("client_secret  {secret}");
            println!("token_endpoint {token_endpoint}");
        }
    }
    Ok(())
}
