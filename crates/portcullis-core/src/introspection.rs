//! RFC 7662 token introspection: whether a token whose signature verified is active, and
//! what the answer says about it (Keycloak's shape: the token's claims plus `active`,
//! `client_id`, `username` and `token_type`).

use serde_json::{Map, Value};

/// What decides activity besides the signature.
#[derive(Debug, Clone, Copy)]
pub struct Validity {
    /// Now, epoch seconds.
    pub now: i64,
    /// Tokens issued before this (realm's or client's `notBefore`, the later) are dead;
    /// 0 for none.
    pub not_before: i64,
    /// The token's `jti` is on the revocation list.
    pub revoked: bool,
}

fn int(claims: &Map<String, Value>, name: &str) -> Option<i64> {
    claims.get(name).and_then(Value::as_i64)
}

/// The introspection answer for verified `claims`: `None` when the token is not active
/// (expired, not yet valid, issued before a `notBefore`, revoked, or without `exp`).
pub fn active_claims(mut claims: Map<String, Value>, v: &Validity) -> Option<Map<String, Value>> {
    let exp = int(&claims, "exp")?;
    let iat = int(&claims, "iat").unwrap_or(0);
    let nbf = int(&claims, "nbf").unwrap_or(0);
    if v.revoked || exp <= v.now || nbf > v.now || (v.not_before > 0 && iat < v.not_before) {
        return None;
    }
    if let Some(azp) = claims.get("azp").cloned() {
        claims.entry("client_id").or_insert(azp);
    }
    if let Some(u) = claims.get("preferred_username").cloned() {
        claims.entry("username").or_insert(u);
    }
    claims.insert("token_type".into(), Value::from("Bearer"));
    claims.insert("active".into(), Value::Bool(true));
    Some(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims() -> Map<String, Value> {
        json!({"exp": 2000, "iat": 1000, "azp": "svc", "preferred_username": "service-account-svc", "scope": "email"})
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn active_answer_carries_keycloaks_fields() {
        let v = Validity { now: 1500, not_before: 0, revoked: false };
        let a = active_claims(claims(), &v).unwrap();
        assert_eq!(a["active"], true);
        assert_eq!(a["client_id"], "svc");
        assert_eq!(a["username"], "service-account-svc");
        assert_eq!(a["token_type"], "Bearer");
        assert_eq!(a["scope"], "email");
    }

    #[test]
    fn every_reason_to_be_inactive() {
        let ok = Validity { now: 1500, not_before: 0, revoked: false };
        assert!(active_claims(claims(), &Validity { now: 2000, ..ok }).is_none(), "expired");
        assert!(active_claims(claims(), &Validity { revoked: true, ..ok }).is_none(), "revoked");
        assert!(active_claims(claims(), &Validity { not_before: 1001, ..ok }).is_none(), "before notBefore");
        assert!(active_claims(claims(), &Validity { not_before: 1000, ..ok }).is_some(), "iat == notBefore");
        let mut future = claims();
        future.insert("nbf".into(), json!(1600));
        assert!(active_claims(future, &ok).is_none(), "not yet valid");
        let mut no_exp = claims();
        no_exp.remove("exp");
        assert!(active_claims(no_exp, &ok).is_none(), "no exp");
    }
}
