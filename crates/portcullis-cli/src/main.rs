//! The `portcullis` binary: parses arguments and dispatches.

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
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::run(args),
    }
}
