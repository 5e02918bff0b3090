//! Client credentials as presented: HTTP Basic (`client_secret_basic`), body parameters
//! (`client_secret_post`), or a client assertion (`private_key_jwt`, `client_secret_jwt`,
//! RFC 7523 §2.2).

use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use portcullis_core::client::AuthMethod;
use portcullis_core::client_assertion::{claimed_client_id, JWT_BEARER};
use portcullis_core::OAuthError;

use crate::error::OAuthResponseError;
use crate::extract::form::TokenForm;

/// Who the client says it is.
#[derive(Debug)]
pub struct PresentedClient {
    /// `client_id`.
    pub client_id: String,
    /// Secret, absent for public clients and assertions.
    pub secret: Option<String>,
    /// A client assertion (JWT), verified later against the client's keys or secret.
    pub assertion: Option<String>,
    /// Whether it came in a Basic header (decides the 401 challenge).
    pub basic: bool,
}

impl PresentedClient {
    /// The method used, as far as the request shows: an assertion's kind (key or
    /// secret) is known only from its algorithm, so both JWT methods are decided by the
    /// client's configuration.
    pub fn method(&self) -> Option<AuthMethod> {
        match (&self.assertion, &self.secret, self.basic) {
            (Some(_), _, _) => None,
            (None, Some(_), true) => Some(AuthMethod::ClientSecretBasic),
            (None, Some(_), false) => Some(AuthMethod::ClientSecretPost),
            (None, None, _) => Some(AuthMethod::None),
        }
    }
}

/// Extracts client credentials; exactly one method may be used (RFC 6749 §2.3).
pub fn presented_client(headers: &HeaderMap, form: &TokenForm) -> Result<PresentedClient, OAuthResponseError> {
    let basic_header = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes())
        // A bare "Basic" (hyper trims the space of "Basic ") is a Basic attempt too.
        .filter(|v| v.len() >= 5 && v[..5].eq_ignore_ascii_case(b"basic") && v.get(5).is_none_or(|b| *b == b' '));
    match basic_header {
        Some(raw) => {
            let fail = |d: &str| OAuthResponseError { error: OAuthError::invalid_client(d), basic_auth_used: true };
            let (id, secret) = decode_basic(raw.get(6..).unwrap_or_default())
                .ok_or_else(|| fail("malformed Basic authorization header"))?;
            if form.get("client_secret").is_some() || form.get("client_assertion").is_some() {
                return Err(OAuthError::invalid_request("client authenticated with more than one method").into());
            }
            if form.get("client_id").is_some_and(|c| c != id) {
                return Err(OAuthError::invalid_request("client_id differs from the Basic credentials").into());
            }
            Ok(PresentedClient { client_id: id, secret: Some(secret), assertion: None, basic: true })
        }
        None if form.get("client_assertion_type").is_some() || form.get("client_assertion").is_some() => {
            presented_assertion(form)
        }
        None => {
            let id = form
                .get("client_id")
                .ok_or_else(|| OAuthError::invalid_client("client authentication required (client_id missing)"))?;
            Ok(PresentedClient {
                client_id: id.to_owned(),
                secret: form.get("client_secret").map(str::to_owned),
                assertion: None,
                basic: false,
            })
        }
    }
}

/// RFC 7521 §4.2: `client_assertion_type` and `client_assertion`; `client_id` optional,
/// and when given it must be the assertion's subject.
fn presented_assertion(form: &TokenForm) -> Result<PresentedClient, OAuthResponseError> {
    if form.get("client_assertion_type") != Some(JWT_BEARER) {
        return Err(OAuthError::invalid_client(format!("client_assertion_type must be {JWT_BEARER}")).into());
    }
    let assertion =
        form.get("client_assertion").ok_or_else(|| OAuthError::invalid_client("client_assertion missing"))?;
    if form.get("client_secret").is_some() {
        return Err(OAuthError::invalid_request("client authenticated with more than one method").into());
    }
    let client_id = claimed_client_id(assertion).map_err(|e| OAuthError::invalid_client(e.to_string()))?;
    if form.get("client_id").is_some_and(|c| c != client_id) {
        return Err(OAuthError::invalid_client("client_id differs from the client assertion's subject").into());
    }
    Ok(PresentedClient { client_id, secret: None, assertion: Some(assertion.to_owned()), basic: false })
}

/// RFC 6749 §2.3.1 / RFC 7617: base64 of `form-urlencode(id):form-urlencode(secret)`.
pub(crate) fn decode_basic(b64: &[u8]) -> Option<(String, String)> {
    let decoded = STANDARD.decode(b64.trim_ascii()).ok()?;
    let text = std::str::from_utf8(&decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let (id, secret) = (form_decode(id)?, form_decode(secret)?);
    (!id.is_empty()).then_some((id, secret))
}

/// `application/x-www-form-urlencoded` decoding of one value: `+` is a space, `%XX` a
/// byte, everything else (`&` and `=` included) itself; the result must be UTF-8.
fn form_decode(s: &str) -> Option<String> {
    let out = percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8().ok()?.into_owned();
    (!out.contains('\u{FFFD}')).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_is_form_decoded() {
        let h = STANDARD.encode("my%3Aclient:p%40ss+word%25");
        assert_eq!(decode_basic(h.as_bytes()), Some(("my:client".into(), "p@ss word%".into())));
        assert_eq!(decode_basic(b"!!!"), None);
        assert_eq!(decode_basic(STANDARD.encode("nocolon").as_bytes()), None);
        assert_eq!(decode_basic(STANDARD.encode(b"a:\xff").as_bytes()), None);
        assert_eq!(decode_basic(STANDARD.encode("a:%FF").as_bytes()), None);
        // '&' and '=' are ordinary characters (found by the basic_header fuzz target).
        assert_eq!(decode_basic(STANDARD.encode("a&b:s&t=u").as_bytes()), Some(("a&b".into(), "s&t=u".into())));
        assert_eq!(decode_basic(STANDARD.encode("&:").as_bytes()), Some(("&".into(), String::new())));
    }
}
