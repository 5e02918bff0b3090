//! Request extractors: they turn raw requests into checked inputs, answering every bad
//! input with a JSON 4xx.

pub mod address;
pub mod admin;
pub mod body;
pub mod client_auth;
pub mod form;
