//! Commands that talk to a running server over HTTP: the Admin REST API (never its
//! database behind its back) and the token endpoint.

mod api;
pub mod apply;
mod args;
pub mod client;
mod error;
pub mod login;
mod onboard;
mod output;
pub mod realm;
mod resolve;
pub mod role;
pub mod scope;
mod session;
mod set;
pub mod token;
pub mod user;

pub use api::{seg, Api};
pub use error::{report, CliError};
