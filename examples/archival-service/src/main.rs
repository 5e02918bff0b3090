//! Resource Server A of the tutorial: a job that archives messages on the messages API
//! every `INTERVAL` seconds, with a client-credentials token of the client
//! `archival-service`. `GET /status` shows the last run; `POST /jobs/archive` runs it now;
//! `--once` runs it once and exits 0 on success (for scripts).
//!
//! Settings (environment): `ISSUER` (default `http://127.0.0.1:8080/realms/sivalabs`),
//! `CLIENT_ID` (`archival-service`), `CLIENT_SECRET` (required), `MESSAGES_URL`
//! (`http://127.0.0.1:8181`), `ADDR` (`127.0.0.1:8282`), `INTERVAL` (30).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use portcullis_token_client::{BearerAuth, ClientAuth, Config, TokenClient};
use reqwest_middleware::ClientWithMiddleware;
use serde_json::{json, Value};
use tokio::sync::Mutex;

struct Job {
    api: ClientWithMiddleware,
    messages_url: String,
    last: Mutex<Value>,
}

impl Job {
    /// Calls the protected endpoint; the middleware supplies the token.
    async fn run(&self) -> (StatusCode, Value) {
        let url = format!("{}/api/messages/archive", self.messages_url);
        let result = match self.api.post(&url).send().await {
            Ok(r) => {
                let status = StatusCode::from_u16(r.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
                let body = r.text().await.unwrap_or_default();
                (status, serde_json::from_str(&body).unwrap_or(Value::String(body)))
            }
            Err(e) => (StatusCode::BAD_GATEWAY, Value::String(e.to_string())),
        };
        println!("archive job: {} {}", result.0.as_u16(), result.1);
        *self.last.lock().await = json!({"status": result.0.as_u16(), "answer": result.1});
        result
    }
}

async fn status(State(job): State<Arc<Job>>) -> Json<Value> {
    Json(job.last.lock().await.clone())
}

async fn run_now(State(job): State<Arc<Job>>) -> (StatusCode, Json<Value>) {
    let (status, body) = job.run().await;
    (status, Json(body))
}

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.into())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let issuer = env("ISSUER", "http://127.0.0.1:8080/realms/sivalabs");
    let secret = std::env::var("CLIENT_SECRET").map_err(|_| "CLIENT_SECRET is required")?;
    let config = Config::discover(&issuer, env("CLIENT_ID", "archival-service"), ClientAuth::basic(secret)).await?;
    let api = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(BearerAuth::new(TokenClient::new(config)?))
        .build();
    let job = Arc::new(Job {
        api,
        messages_url: env("MESSAGES_URL", "http://127.0.0.1:8181"),
        last: Mutex::new(Value::Null),
    });

    if std::env::args().any(|a| a == "--once") {
        let (status, _) = job.run().await;
        std::process::exit(if status.is_success() { 0 } else { 1 });
    }
    let interval = Duration::from_secs(env("INTERVAL", "30").parse().map_err(|_| "INTERVAL: seconds")?);
    let scheduled = job.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        loop {
            tick.tick().await;
            scheduled.run().await;
        }
    });
    let addr = env("ADDR", "127.0.0.1:8282");
    let app = Router::new().route("/status", get(status)).route("/jobs/archive", post(run_now)).with_state(job);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("archival-service on http://{addr}, archiving every {} s", interval.as_secs());
    axum::serve(listener, app).await?;
    Ok(())
}
