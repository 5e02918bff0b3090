//! JSON bodies of the admin API, with JSON errors instead of axum's plain-text ones.

use axum::extract::{FromRequest, Request};
use axum::http::header;
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body of type `T`.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let mime = ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        if mime != "application/json" && !mime.ends_with("+json") {
            return Err(ApiError::UnsupportedMediaType("expected Content-Type: application/json".into()));
        }
        let bytes = Bytes::from_request(req, state).await?;
        if bytes.is_empty() {
            return Err(ApiError::BadRequest("request body is empty".into()));
        }
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))
    }
}
