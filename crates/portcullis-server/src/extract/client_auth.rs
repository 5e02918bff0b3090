//! Client credentials as presented: HTTP Basic (`client_secret_basic`) or body parameters
//! (`client_secret_post`).

use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use portcullis_core::OAuthError;

use crate::error::OAuthResponseError;
use crate::extract::form::TokenForm;

/// Who the client says it is.
#[derive(Debug)]
pub struct PresentedClient {
    /// `client_id`.
    pub client_id: String,
    /// Secret, absent for public clients.
    pub secret: Option<String>,
    /// Whether it came in a Basic header (decides the 401 challenge).
    pub basic: bool,
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
            if form.get("client_secret").is_some() {
                return Err(OAuthError::invalid_request("client authenticated with more than one method").into());
            }
            if form.get("client_id").is_some_and(|c| c != id) {
                return Err(OAuthError::invalid_request("client_id differs from the Basic credentials").into());
            }
            Ok(PresentedClient { client_id: id, secret: Some(secret), basic: true })
        }
        None => {
            let id = form
                .get("client_id")
                .ok_or_else(|| OAuthError::invalid_client("client authentication required (client_id missing)"))?;
            Ok(PresentedClient {
                client_id: id.to_owned(),
                secret: form.get("client_secret").map(str::to_owned),
                basic: false,
            })
        }
    }
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
