//! The `portcullis` binary: parses arguments and dispatches.

mod master_key;
mod serve;

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
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::MasterKey(command) => {
            serve::init_logging("warn", serve::LogFormat::Text);
            match master_key::run(command) {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("portcullis: {e:#}");
                    std::process::ExitCode::FAILURE
                }
            }
        }
    }
}
