//! `portcullis apply`: a realm file (YAML or JSON) made true on a real server, with a plan
//! first, convergence (a second run changes nothing) and `--prune`.

use serde_json::json;

use crate::cli_admin::{err, out, Cli};
use crate::harness::{claims, client_credentials, Server};

const REALM_FILE: &str = r#"
realm: team
accessTokenLifespan: 600
clientScopes:
  - name: orders
    description: Orders API
roles:
  realm:
    - name: Developer
      description: Sees its projects
clients:
  - clientId: billing
    secret: billing-secret-0123456789
    serviceAccountsEnabled: true
    defaultClientScopes: [orders, profile, roles]
users:
  - username: service-account-billing
    serviceAccountClientId: billing
    email: billing@example.com
    attributes:
      applications: [demo-project]
    realmRoles: [Developer]
  - username: alice
    email: alice@example.com
    enabled: true
    realmRoles: [Developer]
"#;

fn write(dir: &std::path::Path, text: &str) -> String {
    let path = dir.join("realm.yaml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn apply_plans_creates_converges_changes_and_prunes() {
    let server = Server::start();
    let cli = Cli::new(&server);
    cli.login();
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), REALM_FILE);

    let plan = cli.ok(&["apply", "-f", &file, "--dry-run"]);
    assert_eq!(plan.trim(), "+ realm team (with everything in the file)");
    cli.fails(&["realm", "get", "team"], 5);

    cli.ok(&["apply", "-f", &file]);
    let (status, token) = client_credentials(&server, "team", "billing", "billing-secret-0123456789", &[]);
    assert_eq!(status, 200, "{token}");
    let c = claims(token["access_token"].as_str().unwrap());
    assert!(c["realm_access"]["roles"].as_array().unwrap().iter().any(|r| r == "Developer"), "{c}");
    assert!(c["scope"].as_str().unwrap().split(' ').any(|s| s == "orders"), "{c}");
    assert_eq!(token["expires_in"], 600);

    let o = cli.run(&["apply", "-f", &file]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), "", "a second run plans nothing");
    assert!(err(&o).contains("nothing to do"), "{}", err(&o));

    // A changed file: the plan names each difference, and applying it converges again.
    let changed = REALM_FILE
        .replace("accessTokenLifespan: 600", "accessTokenLifespan: 900")
        .replace("alice@example.com", "alice@team.example.com")
        .replace("    description: Orders API", "    description: Orders")
        .replace("defaultClientScopes: [orders, profile, roles]", "defaultClientScopes: [orders, roles]")
        .replace("      description: Sees its projects", "      description: Sees its projects\n    - name: Admin")
        + "  - username: bob\n    enabled: true\n";
    let file = write(dir.path(), &changed);
    let plan = cli.ok(&["apply", "-f", &file, "--dry-run"]);
    for line in [
        "~ realm settings: accessTokenLifespan",
        "~ client scope orders: description",
        "+ role Admin",
        "- default client scope profile of client billing",
        "~ user alice: email",
        "+ user bob",
    ] {
        assert!(plan.lines().any(|l| l == line), "'{line}' in the plan:\n{plan}");
    }
    assert_eq!(cli.json(&["realm", "get", "team"])["accessTokenLifespan"], 600, "a dry run changes nothing");
    cli.ok(&["apply", "-f", &file]);
    assert_eq!(cli.json(&["realm", "get", "team"])["accessTokenLifespan"], 900);
    assert_eq!(cli.json(&["user", "get", "-r", "team", "alice"])["email"], "alice@team.example.com");
    let links = cli.json(&["client", "scopes", "list", "-r", "team", "billing"]);
    assert!(!links.as_array().unwrap().iter().any(|l| l["name"] == "profile"), "{links}");
    assert_eq!(out(&cli.run(&["apply", "-f", &file])), "", "converged again");

    // --prune deletes what the file does not list, never the built-in clients or roles.
    cli.ok(&["client", "create", "-r", "team", "stray"]);
    cli.ok(&["user", "create", "-r", "team", "carol"]);
    cli.ok(&["role", "create", "-r", "team", "Temp"]);
    let plan = cli.ok(&["apply", "-f", &file, "--prune", "--dry-run"]);
    for line in ["- client stray", "- user carol", "- role Temp"] {
        assert!(plan.lines().any(|l| l == line), "'{line}' in the plan:\n{plan}");
    }
    assert!(
        !plan.contains("admin-cli") && !plan.contains("offline_access") && !plan.contains("- client scope"),
        "{plan}"
    );
    let without_prune = cli.ok(&["apply", "-f", &file, "--dry-run"]);
    assert!(!without_prune.contains("stray"), "without --prune nothing is deleted:\n{without_prune}");
    cli.ok(&["apply", "-f", &file, "--prune"]);
    cli.fails(&["client", "get", "-r", "team", "stray"], 5);
    cli.fails(&["user", "get", "-r", "team", "carol"], 5);
    cli.ok(&["client", "get", "-r", "team", "admin-cli"]);
    let json_plan = cli.json(&["apply", "-f", &file, "--prune", "--dry-run"]);
    assert_eq!(json_plan["changes"], json!([]));
}

#[test]
fn bad_files_are_refused_and_change_nothing() {
    let server = Server::start();
    let cli = Cli::new(&server);
    cli.login();
    let dir = tempfile::tempdir().unwrap();

    let file = write(dir.path(), "realm: broken\nclients:\n  - clientId: [unclosed\n");
    let e = cli.fails(&["apply", "-f", &file], 7);
    assert!(e.contains("line"), "{e}");

    let file = write(
        dir.path(),
        "realm: broken\nclients:\n  - clientId: a\n    defaultClientScopes: [missing]\n  - clientId: a\n",
    );
    let e = cli.fails(&["apply", "-f", &file], 7);
    assert!(e.contains("clients[0] 'a'.defaultClientScopes: unknown client scope 'missing'"), "{e}");
    assert!(e.contains("clients[1] 'a': duplicate clientId"), "{e}");
    let file = write(dir.path(), "realm: broken\naccessTokenLifespan: soon\n");
    let e = cli.fails(&["apply", "-f", &file], 7);
    assert!(e.contains("accessTokenLifespan") || e.contains("invalid type"), "{e}");
    cli.fails(&["realm", "get", "broken"], 5);
}
