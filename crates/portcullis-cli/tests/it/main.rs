//! Integration tests: each test starts the real `portcullis` binary on a free port with a
//! temp data dir and talks HTTP to it. One test binary (modules below) so it links once.

// Test code: a failed unwrap is a failed test, and not every helper is used by every module.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

mod admin_auth;
mod admin_clients;
mod admin_mappers;
mod admin_permissions;
mod admin_realms;
mod admin_scopes;
mod admin_users_roles;
mod algorithms;
mod bad_input;
mod brute_force;
mod cli;
mod cli_admin;
mod cli_apply;
mod client_jwt;
mod console;
mod console_pages;
mod cors;
mod discovery;
mod events;
mod faults;
mod harness;
mod hostile_input;
mod introspection;
mod key_rotation;
mod multi_instance;
mod operations;
mod realm_transfer;
mod refresh;
mod resource_server;
mod restart;
mod secret_rotation;
mod secrets_at_rest;
mod service_to_service;
mod smoke;
mod tls;
mod token;
mod token_client;
mod token_exchange;
