//! The console's pages: askama templates (HTML-escaped by default) and how they are sent.

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// What every signed-in page shows around its content.
pub struct Nav {
    pub realm: String,
    pub realms: Vec<String>,
    pub username: String,
    pub home_realm: String,
    pub csrf: String,
    pub section: &'static str,
}

#[derive(Template)]
#[template(path = "console/login.html")]
pub struct Login {
    pub base: String,
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub csrf: String,
    pub realm: String,
    pub username: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "console/message.html")]
pub struct Message {
    pub base: String,
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub heading: String,
    pub text: String,
}

/// A row of the clients list.
pub struct ClientRow {
    pub id: String,
    pub client_id: String,
    pub name: String,
    pub kind: &'static str,
    pub service_account: bool,
    pub enabled: bool,
}

#[derive(Template)]
#[template(path = "console/clients.html")]
pub struct Clients {
    pub base: String,
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub realm: String,
    pub query: String,
    pub clients: Vec<ClientRow>,
}

/// The fields of the create-client wizard, carried from step to step.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct NewClientForm {
    #[serde(default)]
    pub step: u8,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default, deserialize_with = "checkbox")]
    pub always_display: bool,
    #[serde(default, deserialize_with = "checkbox")]
    pub client_auth: bool,
    #[serde(default, deserialize_with = "checkbox")]
    pub authorization: bool,
    #[serde(default, deserialize_with = "checkbox")]
    pub standard_flow: bool,
    #[serde(default, deserialize_with = "checkbox")]
    pub direct_access: bool,
    #[serde(default, deserialize_with = "checkbox")]
    pub service_accounts: bool,
    #[serde(default, deserialize_with = "checkbox")]
    pub implicit: bool,
    #[serde(default)]
    pub root_url: String,
    #[serde(default)]
    pub home_url: String,
    #[serde(default)]
    pub redirect_uris: String,
    #[serde(default)]
    pub post_logout_redirect_uris: String,
    #[serde(default)]
    pub web_origins: String,
    #[serde(default)]
    pub go: String,
    #[serde(default)]
    pub csrf: String,
}

/// A checkbox is sent as `on` when checked and not at all otherwise.
fn checkbox<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let v: String = serde::Deserialize::deserialize(d)?;
    Ok(v == "on" || v == "true")
}

/// Messages next to the wizard's fields.
#[derive(Debug, Default)]
pub struct NewClientErrors {
    pub client_id: Option<String>,
    pub flows: Option<String>,
    pub root_url: Option<String>,
    pub save: Option<String>,
}

#[derive(Template)]
#[template(path = "console/client_new.html")]
pub struct NewClient {
    pub base: String,
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub realm: String,
    pub csrf: String,
    pub form: NewClientForm,
    pub errors: NewClientErrors,
}

#[derive(Template)]
#[template(path = "console/client.html")]
pub struct ClientPage {
    pub base: String,
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub realm: String,
    pub id: String,
    pub client_id: String,
    pub tab: String,
    pub confidential: bool,
    pub settings: ClientSettings,
    pub settings_errors: NewClientErrors,
    /// The authenticator type (`client-secret`, `client-jwt`, `client-secret-jwt`).
    pub authenticator: String,
    pub authenticators: Vec<(String, String)>,
    /// The rotated secret and until when it works.
    pub rotated: Option<(String, String)>,
    /// Where the JWT keys are (`url`, `json`, `none`), the URL and the JWKS.
    pub keys: (String, String, String),
    pub keys_error: Option<String>,
    pub secret: String,
    pub confirm_regenerate: bool,
    pub grace: bool,
    pub csrf: String,
    pub service_account: bool,
    pub scopes: Vec<ScopeRow>,
    pub available_scopes: Vec<(String, String)>,
    pub confirm_remove: String,
    pub sa_user_id: String,
    pub sa_username: String,
    /// key (`realm:NAME` or `client:ID:NAME`), name, realm or clientId, description.
    pub sa_roles: Vec<(String, String, String, String)>,
    /// key and label.
    pub assignable_roles: Vec<(String, String)>,
    pub confirm_unassign: String,
}

/// The editable settings of a client, as the form shows them.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct ClientSettings {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default, deserialize_with = "checkbox")]
    pub enabled: bool,
    #[serde(default, deserialize_with = "checkbox")]
    pub client_auth: bool,
    #[serde(default, deserialize_with = "checkbox")]
    pub standard_flow: bool,
    #[serde(default, deserialize_with = "checkbox")]
    pub direct_access: bool,
    #[serde(default, deserialize_with = "checkbox")]
    pub service_accounts: bool,
    #[serde(default, deserialize_with = "checkbox")]
    pub implicit: bool,
    #[serde(default)]
    pub root_url: String,
    #[serde(default)]
    pub home_url: String,
    #[serde(default)]
    pub redirect_uris: String,
    #[serde(default)]
    pub post_logout_redirect_uris: String,
    #[serde(default)]
    pub web_origins: String,
    #[serde(default)]
    pub csrf: String,
}

/// A client scope assigned to a client.
pub struct ScopeRow {
    pub id: String,
    pub name: String,
    /// `Default` or `Optional`.
    pub kind: &'static str,
}

/// The console's Content-Security-Policy: its own styles and script, forms to itself.
const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Renders a page with `status`.
pub fn html<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(body) => {
            let mut resp = (status, body).into_response();
            let h = resp.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "console page could not be rendered");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "console/user.html")]
pub struct UserPage {
    pub base: String,
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub realm: String,
    pub id: String,
    pub username: String,
    /// `(client uuid, clientId)` when the user is a service account.
    pub service_account_of: Option<(String, String)>,
    pub tab: String,
    pub csrf: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub enabled: bool,
    pub email_error: Option<String>,
    /// One row per value.
    pub attributes: Vec<(String, String)>,
    pub attributes_error: Option<String>,
}

#[derive(Template)]
#[template(path = "console/users.html")]
pub struct Users {
    pub base: String,
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub realm: String,
    pub query: String,
    /// id, username, email, first name, last name, enabled.
    pub rows: Vec<(String, String, String, String, String, &'static str)>,
}

#[derive(Template)]
#[template(path = "console/roles.html")]
pub struct Roles {
    pub base: String,
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub realm: String,
    pub csrf: String,
    /// name, composite, description.
    pub rows: Vec<(String, bool, String)>,
    pub confirm_delete: String,
    pub name: String,
    pub description: String,
    pub error: Option<String>,
}

/// Messages next to the realm settings' fields.
#[derive(Debug, Default)]
pub struct SettingsErrors {
    pub lifespan: Option<String>,
    pub sso_idle: Option<String>,
    pub sso_max: Option<String>,
    pub failures: Option<String>,
    pub wait: Option<String>,
    pub save: Option<String>,
}

#[derive(Template)]
#[template(path = "console/settings.html")]
pub struct Settings {
    pub base: String,
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub csrf: String,
    pub display_name: String,
    pub enabled: bool,
    pub access_token_lifespan: String,
    pub sso_idle: String,
    pub sso_max: String,
    pub algorithm: String,
    pub algorithms: Vec<String>,
    pub brute_force: bool,
    pub permanent_lockout: bool,
    pub failure_factor: String,
    pub wait_increment: String,
    pub errors: SettingsErrors,
}

#[derive(Template)]
#[template(path = "console/keys.html")]
pub struct Keys {
    pub base: String,
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub csrf: String,
    /// algorithm, type, kid, status, created, valid to.
    pub rows: Vec<(String, String, String, String, String, String)>,
    pub confirm: bool,
}

#[derive(Template)]
#[template(path = "console/events.html")]
pub struct Events {
    pub base: String,
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub kind: String,
    pub enabled: bool,
    /// time, type, client or resource, user or path, address, error.
    pub rows: Vec<(String, String, String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "console/scopes.html")]
pub struct ScopesPage {
    pub base: String,
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub realm: String,
    pub csrf: String,
    /// id, name, description, mapper count.
    pub rows: Vec<(String, String, String, usize)>,
    pub name: String,
    pub description: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "console/scope.html")]
pub struct ScopePage {
    pub base: String,
    pub nav: Option<Nav>,
    pub flash: Option<String>,
    pub realm: String,
    pub id: String,
    pub name: String,
    pub csrf: String,
    /// id, name, type, claim.
    pub mappers: Vec<(String, String, String, String)>,
    pub confirm_delete: String,
    /// The refused mapper form: name, attribute, claim.
    pub form: (String, String, String),
    pub error: Option<String>,
}
