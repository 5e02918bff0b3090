//! sqlx implementation of the Portcullis store traits. Queries run through sqlx's `Any`
//! driver with `$n` placeholders so the same SQL serves SQLite and PostgreSQL; the
//! backend (migrations, connection set-up) is chosen once, from the database URL.

mod backend;
mod clients;
mod db;
mod events;
mod login_failures;
pub mod notify;
mod realms;
mod refresh_tokens;
mod revocations;
mod roles;
mod scopes;
mod sealed;
#[cfg(feature = "testing")]
pub mod testing;
mod users;

pub use backend::{redact_url, Backend, StoreOptions};
pub use db::SqlStore;
