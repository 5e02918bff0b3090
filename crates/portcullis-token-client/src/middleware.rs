//! reqwest middleware: every request carries `Authorization: Bearer` with a fresh token.

use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::{Extensions, HeaderValue, StatusCode};
use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next};

use crate::TokenClient;

/// Adds the client's bearer token to each request. When the API answers 401 with
/// `error="invalid_token"` (the token was revoked, or the API's clock runs ahead), the
/// token is dropped and the request sent once more with a new one, if its body can be
/// replayed.
///
/// ```no_run
/// # async fn run(tokens: portcullis_token_client::TokenClient) -> Result<(), Box<dyn std::error::Error>> {
/// let api = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(portcullis_token_client::BearerAuth::new(tokens))
///     .build();
/// let answer = api.post("http://127.0.0.1:8181/api/messages/archive").send().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct BearerAuth {
    client: TokenClient,
}

impl BearerAuth {
    /// Middleware drawing tokens from `client`.
    pub fn new(client: TokenClient) -> Self {
        Self { client }
    }
}

fn bearer(token: &str) -> reqwest_middleware::Result<HeaderValue> {
    let mut v = HeaderValue::from_str(&format!("Bearer {token}")).map_err(reqwest_middleware::Error::middleware)?;
    v.set_sensitive(true);
    Ok(v)
}

fn token_refused(resp: &Response) -> bool {
    resp.status() == StatusCode::UNAUTHORIZED
        && resp
            .headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("invalid_token"))
}

#[async_trait::async_trait]
impl Middleware for BearerAuth {
    async fn handle(
        &self,
        mut req: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        let token = self.client.token().await.map_err(reqwest_middleware::Error::middleware)?;
        let replay = req.try_clone();
        req.headers_mut().insert(AUTHORIZATION, bearer(token.secret())?);
        let resp = next.clone().run(req, extensions).await?;
        let Some(mut replay) = replay.filter(|_| token_refused(&resp)) else {
            return Ok(resp);
        };
        self.client.invalidate(&token).await;
        let fresh = self.client.token().await.map_err(reqwest_middleware::Error::middleware)?;
        if fresh == token {
            return Ok(resp);
        }
        replay.headers_mut().insert(AUTHORIZATION, bearer(fresh.secret())?);
        next.run(replay, extensions).await
    }
}
