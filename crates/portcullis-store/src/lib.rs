//! sqlx implementation of the Portcullis store traits. Queries run through sqlx's `Any`
//! driver with `$n` placeholders so the same SQL serves SQLite and, later, PostgreSQL;
//! the backend is chosen once, from the database URL.

mod clients;
mod db;
mod realms;
mod roles;
mod scopes;
mod users;

pub use db::SqlStore;
