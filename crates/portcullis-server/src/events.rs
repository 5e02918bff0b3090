//! Audit events off the hot path. A request hands its event to a bounded queue and goes
//! on; one writer task stores the queue in batches (one transaction per batch, gathered
//! for up to [`LINGER`]), so no token request ever waits for, or causes, a database
//! write of its own. Every event is also logged (target `portcullis::events`): errors at
//! WARN, successes at DEBUG, admin changes at INFO, as structured fields that
//! `--log-format json` turns into JSON.
//!
//! When the queue is full (the database is down or slower than the event rate), events
//! are still logged but not stored, and `portcullis_events_dropped_total` counts them;
//! `portcullis_events_queued` is the queue's depth after each batch.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use portcullis_core::event::{AdminEvent, Event};
use portcullis_core::realm::Realm;
use portcullis_core::store::Store;
use tokio::sync::{mpsc, oneshot};

use crate::oauth::now_ms;

/// Events waiting to be written, at most.
const QUEUE: usize = 50_000;
/// Events per transaction, at most.
const BATCH: usize = 1_000;
/// How long the writer gathers a batch after its first event.
const LINGER: Duration = Duration::from_millis(200);
/// How often expired events are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

enum Msg {
    Event(Event),
    Admin(AdminEvent),
    Flush(oneshot::Sender<()>),
}

/// The queue in front of the event writer.
#[derive(Debug)]
pub struct EventSink {
    tx: mpsc::Sender<Msg>,
    dropped: AtomicU64,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Msg")
    }
}

impl EventSink {
    /// A sink whose writer (and retention pruning) runs on the current runtime.
    pub fn start(store: Arc<dyn Store>) -> Arc<Self> {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(write_loop(store.clone(), rx));
        tokio::spawn(prune_loop(store));
        Arc::new(Self { tx, dropped: AtomicU64::new(0) })
    }

    /// Logs a login event and queues it when `realm` stores its type.
    pub fn login(&self, realm: &Realm, event: Event) {
        log_event(&realm.name, &event);
        if realm.events.stores(event.event_type) {
            self.queue(Msg::Event(event));
        }
    }

    /// Logs an admin event and queues it when `realm` (the realm it is stored in) keeps
    /// admin events.
    pub fn admin(&self, realm: Option<&Realm>, event: AdminEvent) {
        tracing::info!(
            target: "portcullis::events",
            realm = realm.map(|r| r.name.as_str()).unwrap_or(event.realm_id.as_str()),
            operationType = event.operation_type.as_str(),
            resourceType = %event.resource_type,
            resourcePath = %event.resource_path,
            authRealm = %event.auth_details.realm_id,
            authClient = %event.auth_details.client_id,
            authUser = %event.auth_details.user_id,
            ipAddress = %event.auth_details.ip_address,
            "admin event"
        );
        if realm.is_some_and(|r| r.events.admin_events_enabled) {
            self.queue(Msg::Admin(event));
        }
    }

    /// Waits until every event queued so far is written (shutdown, tests).
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }

    /// Events not stored because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn queue(&self, msg: Msg) {
        if self.tx.try_send(msg).is_err() {
            let n = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            metrics::counter!("portcullis_events_dropped_total").increment(1);
            if n.is_power_of_two() {
                tracing::warn!(dropped = n, "event queue full: events are logged but not stored");
            }
        }
    }
}

fn log_event(realm: &str, e: &Event) {
    let details = serde_json::to_string(&e.details).unwrap_or_default();
    macro_rules! emit {
        ($level:ident) => {
            tracing::$level!(
                target: "portcullis::events",
                realm,
                r#type = e.event_type.as_str(),
                clientId = e.client_id.as_deref().unwrap_or_default(),
                userId = e.user_id.as_deref().unwrap_or_default(),
                ipAddress = e.ip_address.as_deref().unwrap_or_default(),
                error = e.error.as_deref().unwrap_or_default(),
                details = %details,
                "event"
            )
        };
    }
    if e.event_type.is_error() {
        emit!(warn);
    } else {
        emit!(debug);
    }
}

async fn write_loop(store: Arc<dyn Store>, mut rx: mpsc::Receiver<Msg>) {
    let mut events = Vec::new();
    let mut admin = Vec::new();
    let mut waiting: Vec<oneshot::Sender<()>> = Vec::new();
    while let Some(first) = rx.recv().await {
        let mut flush = take(first, &mut events, &mut admin, &mut waiting);
        let deadline = tokio::time::Instant::now() + LINGER;
        while !flush && events.len() + admin.len() < BATCH {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(m)) => flush = take(m, &mut events, &mut admin, &mut waiting),
                Ok(None) | Err(_) => break,
            }
        }
        write(store.as_ref(), &mut events, &mut admin).await;
        metrics::gauge!("portcullis_events_queued").set(rx.len() as f64);
        for w in waiting.drain(..) {
            let _ = w.send(());
        }
    }
    write(store.as_ref(), &mut events, &mut admin).await;
}

/// Files one message; `true` for a flush request.
fn take(m: Msg, events: &mut Vec<Event>, admin: &mut Vec<AdminEvent>, waiting: &mut Vec<oneshot::Sender<()>>) -> bool {
    match m {
        Msg::Event(e) => events.push(e),
        Msg::Admin(e) => admin.push(e),
        Msg::Flush(w) => {
            waiting.push(w);
            return true;
        }
    }
    false
}

/// Writes a batch, retrying while the database is unreachable; a batch that still fails
/// after that is logged as lost (its events were logged when they happened).
async fn write(store: &dyn Store, events: &mut Vec<Event>, admin: &mut Vec<AdminEvent>) {
    if events.is_empty() && admin.is_empty() {
        return;
    }
    for attempt in 0..5u32 {
        match store.insert_events(events, admin).await {
            Ok(()) => {
                metrics::counter!("portcullis_events_stored_total").increment((events.len() + admin.len()) as u64);
                events.clear();
                admin.clear();
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, attempt, events = events.len() + admin.len(), "storing events failed");
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
        }
    }
    tracing::error!(events = events.len(), admin_events = admin.len(), "events not stored after retries");
    metrics::counter!("portcullis_events_dropped_total").increment((events.len() + admin.len()) as u64);
    events.clear();
    admin.clear();
}

/// Deletes events past their realm's `eventsExpiration` / `adminEventsExpiration`, and
/// revocation list entries of tokens that have expired anyway, used client assertions
/// past their expiry, and retired signing keys.
async fn prune_loop(store: Arc<dyn Store>) {
    let mut tick = tokio::time::interval(PRUNE_EVERY);
    loop {
        tick.tick().await;
        if let Err(e) = prune_once(store.as_ref(), now_ms()).await {
            tracing::warn!(error = %e, "pruning expired events failed");
        }
    }
}

/// One pruning pass over every realm; returns the number of events deleted.
pub async fn prune_once(store: &dyn Store, now_ms: i64) -> portcullis_core::error::CoreResult<u64> {
    let mut deleted = 0;
    for realm in store.list_realms().await? {
        let s = &realm.events;
        for (admin, exp) in [(false, s.events_expiration), (true, s.admin_events_expiration)] {
            if let Some(secs) = exp.filter(|s| *s > 0) {
                deleted +=
                    store.delete_events(&realm.id, admin, now_ms.saturating_sub(secs.saturating_mul(1000))).await?;
            }
        }
    }
    if deleted > 0 {
        tracing::info!(deleted, "expired events deleted");
    }
    let pruned = store.prune_revoked(now_ms / 1000).await?;
    if pruned > 0 {
        tracing::info!(pruned, "revocation list entries of expired tokens deleted");
    }
    let refresh = store.prune_refresh(now_ms / 1000).await?;
    if refresh > 0 {
        tracing::info!(refresh, "expired refresh tokens deleted");
    }
    let used = store.prune_client_assertions(now_ms / 1000).await?;
    if used > 0 {
        tracing::info!(used, "replay store entries of expired client assertions deleted");
    }
    let retired = store.delete_retired_keys(now_ms / 1000).await?;
    if retired > 0 {
        tracing::info!(retired, "retired signing keys deleted");
    }
    Ok(deleted)
}
