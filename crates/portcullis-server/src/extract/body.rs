//! JSON bodies of the admin API, with JSON errors instead of axum's plain-text ones.

use axum::extract::{FromRequest, Request};
use axum::http::header;
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body of type `T`.
pub struct JsonBody<T>(pub T);

/// A JSON body kept as text, for documents whose problems are reported by line and column.
pub struct JsonText(pub String);

/// The body of a request that says it is JSON; refused when it is empty.
async fn json_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let mime = ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if mime != "application/json" && !mime.ends_with("+json") {
        return Err(ApiError::UnsupportedMediaType("expected Content-Type: application/json".into()));
    }
    let bytes = Bytes::from_request(req, state).await?;
    if bytes.is_empty() {
        return Err(ApiError::BadRequest("request body is empty".into()));
    }
    Ok(bytes)
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        serde_json::from_slice(&json_bytes(req, state).await?)
            .map(JsonBody)
            .map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))
    }
}

impl<S: Send + Sync> FromRequest<S> for JsonText {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        String::from_utf8(json_bytes(req, state).await?.to_vec())
            .map(JsonText)
            .map_err(|_| ApiError::BadRequest("invalid JSON body: not UTF-8".into()))
    }
}
