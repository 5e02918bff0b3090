//! The `portcullis` binary: parses arguments and dispatches.

mod keys;
mod master_key;
mod remote;
mod serve;
mod transfer;

use clap::{Parser, Subcommand};

/// Portcullis: an OAuth 2.0 / OpenID Connect authorization server for machine-to-machine
/// authentication, compatible with Keycloak's endpoints and Admin REST API.
#[derive(Debug, Parser)]
#[command(name = "portcullis", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    Serve(serve::ServeArgs),
    /// Manage the master key that protects secrets and signing keys at rest.
    #[command(subcommand)]
    MasterKey(master_key::MasterKeyCommand),
    /// Manage realms' signing keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Log in to a server's Admin API; the admin commands below use the session.
    Login(remote::login::LoginArgs),
    /// End the session (revoked at the server, removed locally).
    Logout,
    /// Realms.
    #[command(subcommand)]
    Realm(remote::realm::RealmCommand),
    /// Clients, their secrets and client scopes; `client onboard` does a whole onboarding.
    #[command(subcommand)]
    Client(remote::client::ClientCommand),
    /// Client scopes.
    #[command(subcommand, name = "client-scope")]
    ClientScope(remote::scope::ScopeCommand),
    /// Realm roles, or a client's roles.
    #[command(subcommand)]
    Role(remote::role::RoleCommand),
    /// Users, their attributes and realm roles.
    #[command(subcommand)]
    User(remote::user::UserCommand),
    /// The service-account user of a client: its profile, attributes and realm roles.
    #[command(subcommand, name = "service-account")]
    ServiceAccount(remote::user::ServiceAccountCommand),
    /// Get a token with client credentials, or `token verify` one against a realm's keys.
    Token(remote::token::TokenArgs),
    /// Write a realm as Keycloak realm JSON (offline from the database, or --online).
    Export(transfer::ExportArgs),
    /// Create a realm from Keycloak realm JSON (offline into the database, or --online).
    Import(transfer::ImportArgs),
    /// Make a realm on the server match a YAML or JSON file (plan first; --dry-run, --prune).
    Apply(remote::apply::ApplyArgs),
}

/// Runs a command against the database (no server): warnings logged, errors printed.
fn offline(run: impl FnOnce() -> anyhow::Result<()>) -> std::process::ExitCode {
    serve::init_logging("warn", serve::LogFormat::Text);
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("portcullis: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::MasterKey(command) => offline(|| master_key::run(command)),
        Command::Keys(command) => offline(|| keys::run(command)),
        Command::Login(args) => remote::report(remote::login::login(args)),
        Command::Logout => remote::report(remote::login::logout()),
        Command::Realm(c) => remote::report(remote::realm::run(c)),
        Command::Client(c) => remote::report(remote::client::run(c)),
        Command::ClientScope(c) => remote::report(remote::scope::run(c)),
        Command::Role(c) => remote::report(remote::role::run(c)),
        Command::User(c) => remote::report(remote::user::run_user(c)),
        Command::ServiceAccount(c) => remote::report(remote::user::run_service_account(c)),
        Command::Token(args) => remote::report(remote::token::run(args)),
        Command::Export(args) => remote::report(transfer::export(args)),
        Command::Import(args) => remote::report(transfer::import(args)),
        Command::Apply(args) => remote::report(remote::apply::run(args)),
    }
}
