//! A tower layer: requests without a valid bearer token, or without the scope or roles a
//! route needs, are answered 401/403 before they reach it; the verified [`Claims`] go into
//! the request's extensions (`axum::Extension<Claims>`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::http::Request;
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use crate::axum_support::bearer_token;
use crate::{Claims, Error, Verifier};

#[derive(Debug, Clone)]
enum Requirement {
    Scope(String),
    RealmRole(String),
    ClientRole(String, String),
}

impl Requirement {
    fn check(&self, claims: &Claims) -> Result<(), Error> {
        match self {
            Self::Scope(s) => claims.require_scope(s),
            Self::RealmRole(r) => claims.require_realm_role(r),
            Self::ClientRole(c, r) => claims.require_client_role(c, r),
        }
    }
}

/// Verifies the bearer token of each request and checks the requirements.
///
/// ```no_run
/// # async fn run(verifier: std::sync::Arc<portcullis_resource_server::Verifier>) {
/// use axum::{routing::post, Extension, Router};
/// use portcullis_resource_server::{Claims, VerifyLayer};
///
/// async fn archive(Extension(claims): Extension<Claims>) -> String {
///     format!("archived for {}", claims.client().unwrap_or("?"))
/// }
/// let app: Router = Router::new()
///     .route("/api/messages/archive", post(archive))
///     .route_layer(VerifyLayer::new(verifier).require_realm_role("ADMIN"));
/// # }
/// ```
#[derive(Clone)]
pub struct VerifyLayer {
    verifier: Arc<Verifier>,
    requirements: Arc<Vec<Requirement>>,
}

impl VerifyLayer {
    /// Requires a valid token and nothing more.
    pub fn new(verifier: Arc<Verifier>) -> Self {
        Self { verifier, requirements: Arc::new(Vec::new()) }
    }

    fn with(mut self, r: Requirement) -> Self {
        Arc::make_mut(&mut self.requirements).push(r);
        self
    }

    /// Also requires the scope `scope` (403 `insufficient_scope` otherwise).
    pub fn require_scope(self, scope: impl Into<String>) -> Self {
        self.with(Requirement::Scope(scope.into()))
    }

    /// Also requires the realm role `role`.
    pub fn require_realm_role(self, role: impl Into<String>) -> Self {
        self.with(Requirement::RealmRole(role.into()))
    }

    /// Also requires `role` of client `client` (`resource_access`).
    pub fn require_client_role(self, client: impl Into<String>, role: impl Into<String>) -> Self {
        self.with(Requirement::ClientRole(client.into(), role.into()))
    }

    async fn authorize(&self, headers: &axum::http::HeaderMap) -> Result<Claims, Error> {
        let claims = self.verifier.verify(bearer_token(headers)?).await?;
        for r in self.requirements.iter() {
            r.check(&claims)?;
        }
        Ok(claims)
    }
}

impl<S> Layer<S> for VerifyLayer {
    type Service = VerifyService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        VerifyService { inner, layer: self.clone() }
    }
}

/// The service of [`VerifyLayer`].
#[derive(Clone)]
pub struct VerifyService<S> {
    inner: S,
    layer: VerifyLayer,
}

impl<S, B> Service<Request<B>> for VerifyService<S>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        // The clone is the one not yet polled ready; keep the ready one for this call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let layer = self.layer.clone();
        Box::pin(async move {
            match layer.authorize(req.headers()).await {
                Ok(claims) => {
                    req.extensions_mut().insert(claims);
                    inner.call(req).await
                }
                Err(e) => Ok(e.into_response()),
            }
        })
    }
}
