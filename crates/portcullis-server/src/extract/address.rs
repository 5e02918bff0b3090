//! The caller's address, for brute-force counters and events: the TCP peer, or with
//! `--proxy-headers xforwarded` the address the proxy in front of us saw.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;

use crate::state::AppState;

/// The caller's IP address as text (`unknown` when the server runs without a socket,
/// e.g. in-process tests).
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self(client_address(&parts.headers, &parts.extensions, state.config.proxy_headers)))
    }
}

/// See [`ClientAddress`].
pub fn client_address(headers: &HeaderMap, ext: &axum::http::Extensions, proxy_headers: bool) -> String {
    if proxy_headers {
        if let Some(ip) = forwarded_for(headers) {
            return ip.to_string();
        }
    }
    ext.get::<ConnectInfo<SocketAddr>>().map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())
}

/// The last address of the last `X-Forwarded-For` header: the one our proxy appended.
/// Earlier entries come from the client and can be anything, so they are never trusted.
fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let last = headers.get_all("x-forwarded-for").iter().next_back()?.to_str().ok()?;
    last.rsplit(',').next()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_forwarded_hop_wins() {
        let mut h = HeaderMap::new();
        h.append("x-forwarded-for", "6.6.6.6, 10.0.0.7".parse().unwrap());
        assert_eq!(forwarded_for(&h), Some("10.0.0.7".parse().unwrap()));
        h.append("x-forwarded-for", "192.0.2.1".parse().unwrap());
        assert_eq!(forwarded_for(&h), Some("192.0.2.1".parse().unwrap()));
        let mut bad = HeaderMap::new();
        bad.insert("x-forwarded-for", "not-an-ip".parse().unwrap());
        assert_eq!(forwarded_for(&bad), None);
        let ext = axum::http::Extensions::new();
        assert_eq!(client_address(&bad, &ext, true), "unknown");
    }
}
