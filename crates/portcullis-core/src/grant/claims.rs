//! An access token's claims as the token endpoint builds them: the claims the grant sets
//! on every token, and the protocol mappers' claims, which depend only on the subject,
//! the client and the granted scopes, so one client's tokens can share them.

use std::sync::{Arc, RwLock};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::{CoreError, CoreResult};
use crate::grant::GrantedScopes;
use crate::mappers::{self, MappedClaims, Subject};

/// Claims the grant sets; a mapper claim of the same name is dropped.
const GRANT_CLAIMS: [&str; 10] = ["exp", "iat", "jti", "iss", "aud", "sub", "typ", "azp", "client_id", "scope"];

/// Mapper claims kept per client context, one entry per set of granted optional scopes.
/// Clients ask for a handful of scope combinations; past this many, claims are computed
/// per token instead of growing the cache.
const MAX_CACHED: usize = 16;

/// What the protocol mappers make of one subject, client and set of granted scopes.
#[derive(Debug, Default)]
pub struct Mapped {
    /// Claims, without the grant's names.
    claims: Map<String, Value>,
    /// `claims` as JSON members without the braces, copied into each payload.
    json: String,
    /// Audiences the mappers ask for, sorted and deduplicated.
    audiences: Vec<String>,
}

impl Mapped {
    /// Applies the granted scopes' mappers, then the client's own.
    pub fn new(subject: &Subject, client: &Client, granted: &GrantedScopes<'_>) -> Self {
        let mut out = MappedClaims::default();
        mappers::apply(granted.scopes.iter().flat_map(|s| &s.protocol_mappers), subject, client, &mut out);
        mappers::apply(&client.protocol_mappers, subject, client, &mut out);
        let MappedClaims { mut claims, mut audiences } = out;
        for name in GRANT_CLAIMS {
            claims.remove(name);
        }
        audiences.sort();
        audiences.dedup();
        // Serializing a map of `String` keys and JSON values cannot fail.
        let object = serde_json::to_string(&claims).unwrap_or_else(|_| "{}".to_owned());
        let json = object.get(1..object.len().saturating_sub(1)).unwrap_or_default().to_owned();
        Self { claims, json, audiences }
    }

    /// Audiences the mappers ask for.
    pub fn audiences(&self) -> &[String] {
        &self.audiences
    }
}

/// [`Mapped`] claims of a client's service account by granted optional scopes. Part of
/// the cached client context, which is rebuilt whenever the client, its scopes, its
/// service-account user or the realm's roles change, so an entry never goes stale.
#[derive(Default)]
pub struct MappedCache(RwLock<Vec<(Vec<usize>, Arc<Mapped>)>>);

impl MappedCache {
    /// The mapper claims of `granted`, computed once per set of optional scopes.
    pub fn get_or_insert(&self, granted: &GrantedScopes<'_>, make: impl FnOnce() -> Mapped) -> Arc<Mapped> {
        let key = granted.optional.as_slice();
        if let Ok(entries) = self.0.read() {
            if let Some((_, m)) = entries.iter().find(|(k, _)| k == key) {
                return Arc::clone(m);
            }
        }
        let mapped = Arc::new(make());
        if let Ok(mut entries) = self.0.write() {
            if entries.len() < MAX_CACHED && !entries.iter().any(|(k, _)| k == key) {
                entries.push((key.to_vec(), Arc::clone(&mapped)));
            }
        }
        mapped
    }
}

impl Clone for MappedCache {
    /// A copy of a context starts with an empty cache: it may be about to change.
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl std::fmt::Debug for MappedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.read().map_or(0, |e| e.len());
        write!(f, "MappedCache({n} entries)")
    }
}

/// The claims the grant sets (RFC 9068 §2.2 and Keycloak's).
#[derive(Debug, Serialize)]
pub(crate) struct GrantClaims {
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub iss: String,
    pub aud: Value,
    pub sub: String,
    pub typ: &'static str,
    pub azp: String,
    /// RFC 9068 §2.2 requires client_id in every access token.
    pub client_id: String,
    pub scope: String,
}

/// Claims ready to sign.
#[derive(Debug)]
pub struct IssuedClaims {
    pub(crate) grant: GrantClaims,
    pub(crate) mapped: Arc<Mapped>,
    /// Seconds until expiry.
    pub expires_in: i64,
}

impl IssuedClaims {
    /// The token's subject.
    pub fn subject(&self) -> &str {
        &self.grant.sub
    }

    /// Replaces the audience (token exchange's `audience` parameter).
    pub fn set_audience(&mut self, aud: Value) {
        self.grant.aud = aud;
    }

    /// The JWT payload: the grant's claims, then the mappers' already serialized.
    pub fn to_json(&self) -> CoreResult<Vec<u8>> {
        let mut out = Vec::with_capacity(512 + self.mapped.json.len());
        serde_json::to_writer(&mut out, &self.grant)
            .map_err(|e| CoreError::Crypto(format!("cannot serialize claims: {e}")))?;
        if !self.mapped.json.is_empty() {
            out.pop();
            out.push(b',');
            out.extend_from_slice(self.mapped.json.as_bytes());
            out.push(b'}');
        }
        Ok(out)
    }

    /// Every claim as one JSON object.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut all = match serde_json::to_value(&self.grant) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        all.extend(self.mapped.claims.iter().map(|(k, v)| (k.clone(), v.clone())));
        all
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::context::ClientContext;
    use crate::grant::{client_credentials, TokenParams};
    use crate::realm::Realm;
    use crate::scope::{ClientScope, ProtocolMapper};
    use crate::user::User;

    fn hardcoded(claim: &str, value: &str) -> ProtocolMapper {
        ProtocolMapper::new(claim, "oidc-hardcoded-claim-mapper", &[("claim.name", claim), ("claim.value", value)])
    }

    /// A service-account client with the default scopes and four optional scopes `o0`..`o3`,
    /// each of which adds claim `from_oN`; `o0` also tries to overwrite grant claims.
    fn context() -> ClientContext {
        let realm = Realm::new("r").unwrap();
        let mut client = Client::new(&realm.id, "svc").unwrap();
        client.service_accounts_enabled = true;
        client.protocol_mappers.push(hardcoded("tenant", "acme"));
        let user = User::service_account(&realm.id, &client.id, &client.client_id, 0);
        let optional_scopes = (0..4)
            .map(|i| {
                let mut s = ClientScope::new(&realm.id, &format!("o{i}")).unwrap();
                s.protocol_mappers.push(hardcoded(&format!("from_o{i}"), "yes"));
                if i == 0 {
                    s.protocol_mappers.push(hardcoded("sub", "someone-else"));
                    s.protocol_mappers.push(hardcoded("iss", "https://evil.example"));
                }
                s
            })
            .collect();
        ClientContext {
            default_scopes: crate::defaults::default_scopes(&realm.id).unwrap(),
            optional_scopes,
            service_account: Some(Subject { user, realm_roles: vec!["r1".into()], client_roles: BTreeMap::new() }),
            client,
            realm,
            mapped: MappedCache::default(),
        }
    }

    fn issue(ctx: &ClientContext, scopes: &[&str], jti: &str) -> IssuedClaims {
        let params = TokenParams { issuer: "https://as.example/realms/r", now: 1000, jti, resources: &[] };
        client_credentials::issue(ctx, scopes, &params).unwrap().0
    }

    fn payload(issued: &IssuedClaims) -> Map<String, Value> {
        serde_json::from_slice(&issued.to_json().unwrap()).unwrap()
    }

    #[test]
    fn payload_holds_grant_and_mapper_claims_and_grant_claims_win() {
        let ctx = context();
        let issued = issue(&ctx, &["o0"], "jti-1");
        let claims = payload(&issued);
        assert_eq!(claims, issued.to_map());
        let sub = &ctx.service_account.as_ref().unwrap().user.id;
        assert_eq!(claims["sub"], sub.as_str());
        assert_eq!(issued.subject(), sub);
        assert_eq!(claims["iss"], "https://as.example/realms/r");
        assert_eq!(claims["jti"], "jti-1");
        assert_eq!(claims["exp"], 1000 + 300);
        assert_eq!(claims["aud"], "svc");
        assert_eq!(claims["tenant"], "acme");
        assert_eq!(claims["from_o0"], "yes");
        assert_eq!(claims["realm_access"]["roles"], serde_json::json!(["r1"]));
        assert_eq!(claims["azp"], "svc");
        assert!(!claims.contains_key("from_o1"));
    }

    #[test]
    fn mapper_claims_are_shared_per_set_of_optional_scopes() {
        let ctx = context();
        let a = issue(&ctx, &["o1"], "a");
        let b = issue(&ctx, &["o1"], "b");
        assert!(Arc::ptr_eq(&a.mapped, &b.mapped), "same scopes, one computation");
        assert_ne!(payload(&a)["jti"], payload(&b)["jti"]);
        let c = issue(&ctx, &["o2"], "c");
        assert!(!Arc::ptr_eq(&a.mapped, &c.mapped));
        assert_eq!(payload(&c)["from_o2"], "yes");
        assert!(!payload(&c).contains_key("from_o1"));
        // Another subject (a user of the password grant) never reads or fills the cache,
        // even one equal to the service account.
        let other = ctx.service_account.clone().unwrap();
        let granted = crate::grant::resolve_scopes(&ctx, &["o1"]).unwrap();
        let params = TokenParams { issuer: "https://as.example/realms/r", now: 1000, jti: "e", resources: &[] };
        let e = crate::grant::mint_claims(&ctx, &other, &granted, &params);
        assert!(!Arc::ptr_eq(&a.mapped, &e.mapped));
        assert_eq!(payload(&e)["from_o1"], "yes");
        assert_eq!(ctx.mapped.0.read().unwrap().len(), 2);
        // A cloned context (the cache rebuilding it) starts afresh.
        let d = issue(&ctx.clone(), &["o1"], "d");
        assert!(!Arc::ptr_eq(&a.mapped, &d.mapped));
        assert_eq!(payload(&d)["from_o1"], "yes");
    }

    #[test]
    fn cache_is_bounded_and_every_token_stays_right() {
        let ctx = context();
        let names = ["o0", "o1", "o2", "o3"];
        // Ordered choices of two scopes: 12 sets, plus the 4 singles and none: 17 > 16.
        let mut sets: Vec<Vec<&str>> = vec![vec![]];
        sets.extend(names.iter().map(|n| vec![*n]));
        for a in names {
            sets.extend(names.iter().filter(|b| **b != a).map(|b| vec![a, *b]));
        }
        assert!(sets.len() > MAX_CACHED);
        for round in 0..2 {
            for set in &sets {
                let claims = payload(&issue(&ctx, set, "j"));
                for n in names {
                    assert_eq!(claims.contains_key(&format!("from_{n}")), set.contains(&n), "{set:?} round {round}");
                }
            }
        }
        assert_eq!(ctx.mapped.0.read().unwrap().len(), MAX_CACHED);
    }
}
