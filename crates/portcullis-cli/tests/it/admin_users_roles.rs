//! Realm roles, users and realm role mappings.

use reqwest::blocking::Response;
use serde_json::{json, Value};

use crate::harness::{assert_error, claims, client_credentials, Admin, Server};

const R: &str = "/admin/realms/people";

fn setup() -> Server {
    Server::with_realm("people")
}

fn names(list: &Value, field: &str) -> Vec<String> {
    let mut v: Vec<String> =
        list.as_array().unwrap().iter().map(|x| x[field].as_str().unwrap_or_default().to_owned()).collect();
    v.sort();
    v
}

/// DELETE with a JSON body (role mappings).
fn delete_json(admin: &Admin<'_>, path: &str, body: &Value) -> Response {
    admin.server.http.delete(admin.server.url(path)).bearer_auth(&admin.token).json(body).send().unwrap()
}

fn password_login(server: &Server, client: &str, user: &str, pw: &str) -> (u16, Value) {
    let r = server
        .http
        .post(server.token_url("people"))
        .form(&[("grant_type", "password"), ("client_id", client), ("username", user), ("password", pw)])
        .send()
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().unwrap_or(Value::Null))
}

fn realm_roles_of(token: &str) -> Vec<String> {
    let c = claims(token);
    c["realm_access"]["roles"]
        .as_array()
        .map(|a| a.iter().map(|r| r.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

// ---- realm roles ----

#[test]
fn role_crud_by_name() {
    let server = setup();
    let admin = server.admin();
    let r = admin.post(&format!("{R}/roles"), &json!({"name": "Developer", "description": "writes code"}));
    assert_eq!(r.status(), 201);
    let loc = r.headers()["location"].to_str().unwrap();
    assert_eq!(loc, server.url(&format!("{R}/roles/Developer")));

    let role = admin.get_json(&format!("{R}/roles/Developer"));
    assert_eq!(role["name"], "Developer");
    assert_eq!(role["description"], "writes code");
    assert_eq!(role["composite"], false);
    assert_eq!(role["clientRole"], false);
    assert!(role["id"].as_str().is_some_and(|i| !i.is_empty()));
    assert!(names(&admin.get_json(&format!("{R}/roles")), "name").contains(&"Developer".to_owned()));

    assert_eq!(admin.put(&format!("{R}/roles/Developer"), &json!({"description": "ships code"})).status(), 204);
    let updated = admin.get_json(&format!("{R}/roles/Developer"));
    assert_eq!(updated["description"], "ships code");
    assert_eq!(updated["name"], "Developer");
    assert_eq!(updated["id"], role["id"]);

    // A name with a space is fine in Keycloak (only the URL needs encoding).
    let r = admin.post(&format!("{R}/roles"), &json!({"name": "Release Manager"}));
    assert_eq!(r.status(), 201);
    assert!(r.headers()["location"].to_str().unwrap().ends_with("/roles/Release%20Manager"));
    assert_eq!(admin.get_json(&format!("{R}/roles/Release%20Manager"))["name"], "Release Manager");

    assert_eq!(admin.delete(&format!("{R}/roles/Developer")).status(), 204);
    assert_error(admin.get(&format!("{R}/roles/Developer")), 404);
    assert_error(admin.delete(&format!("{R}/roles/Developer")), 404);
    assert!(!names(&admin.get_json(&format!("{R}/roles")), "name").contains(&"Developer".to_owned()));
}

#[test]
fn role_errors() {
    let server = setup();
    let admin = server.admin();
    admin.create(&format!("{R}/roles"), &json!({"name": "Admin"}));
    assert_error(admin.post(&format!("{R}/roles"), &json!({"name": "Admin"})), 409);
    assert_error(admin.post(&format!("{R}/roles"), &json!({"name": "offline_access"})), 409);
    assert_error(admin.post(&format!("{R}/roles"), &json!({"description": "no name"})), 400);
    assert_error(admin.post(&format!("{R}/roles"), &json!({"name": ""})), 400);
    assert_error(admin.get(&format!("{R}/roles/Nope")), 404);
    assert_error(admin.put(&format!("{R}/roles/Nope"), &json!({"description": "x"})), 404);
    assert_error(admin.delete(&format!("{R}/roles/Nope")), 404);
    // Role names are case-sensitive.
    assert_error(admin.get(&format!("{R}/roles/admin")), 404);
    // Renaming onto an existing role.
    assert_error(admin.put(&format!("{R}/roles/Admin"), &json!({"name": "offline_access"})), 409);

    // The realm's default role stays.
    assert_error(admin.delete(&format!("{R}/roles/default-roles-people")), 400);
    assert_eq!(admin.get_json(&format!("{R}/roles/default-roles-people"))["composite"], true);
}

// ---- users ----

#[test]
fn user_create_and_get() {
    let server = setup();
    let admin = server.admin();
    let r = admin.post(
        &format!("{R}/users"),
        &json!({"username": "Jane.Doe", "email": "jane@example.com", "firstName": "Jane", "lastName": "Doe",
                "enabled": true, "emailVerified": true, "attributes": {"team": ["blue"]},
                "requiredActions": [], "groups": [], "totp": false}),
    );
    assert_eq!(r.status(), 201);
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    let id = loc.rsplit('/').next().unwrap().to_owned();
    assert_eq!(loc, server.url(&format!("{R}/users/{id}")));

    let u = admin.get_json(&format!("{R}/users/{id}"));
    assert_eq!(u["id"], id.as_str());
    assert_eq!(u["username"], "jane.doe");
    assert_eq!(u["email"], "jane@example.com");
    assert_eq!(u["firstName"], "Jane");
    assert_eq!(u["lastName"], "Doe");
    assert_eq!(u["enabled"], true);
    assert_eq!(u["emailVerified"], true);
    assert_eq!(u["attributes"], json!({"team": ["blue"]}));
    assert!(u["createdTimestamp"].as_i64().is_some_and(|t| t > 1_600_000_000_000), "{u}");
    assert!(u.get("credentials").is_none(), "{u}");

    // Duplicates are found case-insensitively.
    assert_error(admin.post(&format!("{R}/users"), &json!({"username": "JANE.DOE"})), 409);
    assert_error(admin.post(&format!("{R}/users"), &json!({"username": "jane.doe"})), 409);
}

#[test]
fn user_create_refuses_invalid_input() {
    let server = setup();
    let admin = server.admin();
    assert_error(admin.post(&format!("{R}/users"), &json!({"email": "a@example.com"})), 400);
    assert_error(admin.post(&format!("{R}/users"), &json!({"username": ""})), 400);
    assert_error(admin.post(&format!("{R}/users"), &json!({"username": "two words"})), 400);
    assert_error(admin.post(&format!("{R}/users"), &json!({"username": "bad-mail", "email": "not-an-email"})), 400);
    assert_error(admin.post(&format!("{R}/users"), &json!({"username": "bad-mail", "email": "a@b@c"})), 400);
    assert_error(
        admin.post(&format!("{R}/users"), &json!({"username": "otp", "credentials": [{"type": "otp", "value": "1"}]})),
        400,
    );
    assert_eq!(admin.get_json(&format!("{R}/users/count")), json!(0));
    assert_error(admin.get(&format!("{R}/users/00000000-0000-0000-0000-000000000000")), 404);
}

#[test]
fn user_search_and_count() {
    let server = setup();
    let admin = server.admin();
    for (u, e) in [("alice", "alice@example.com"), ("alicia", "alicia@corp.test"), ("bob", "bob@example.com")] {
        admin.create(&format!("{R}/users"), &json!({"username": u, "email": e, "firstName": u}));
    }
    let u = |q: &str| names(&admin.get_json(&format!("{R}/users{q}")), "username");

    assert_eq!(u(""), vec!["alice", "alicia", "bob"]);
    assert_eq!(u("?search=ali"), vec!["alice", "alicia"]);
    assert_eq!(u("?search=ALI"), vec!["alice", "alicia"]);
    assert_eq!(u("?search=corp.test"), vec!["alicia"]);
    assert_eq!(u("?search=zzz"), Vec::<String>::new());
    assert_eq!(u("?username=alice&exact=true"), vec!["alice"]);
    assert_eq!(u("?username=ali&exact=true"), Vec::<String>::new());
    assert_eq!(u("?username=ali"), vec!["alice", "alicia"]);
    assert_eq!(u("?email=bob@example.com"), vec!["bob"]);
    assert_eq!(u("?email=example.com"), vec!["alice", "bob"]);
    assert_eq!(u("?email=example.com&exact=true"), Vec::<String>::new());
    // LIKE wildcards in input are literal.
    assert_eq!(u("?search=%25"), Vec::<String>::new());
    assert_eq!(u("?username=a_ice"), Vec::<String>::new());
    // Paging.
    assert_eq!(u("?first=1&max=1"), vec!["alicia"]);

    assert_eq!(admin.get_json(&format!("{R}/users/count")), json!(3));
    assert_eq!(admin.get_json(&format!("{R}/users/count?search=ali")), json!(2));
    assert_eq!(admin.get_json(&format!("{R}/users/count?email=bob@example.com")), json!(1));
}

#[test]
fn user_update_is_partial() {
    let server = setup();
    let admin = server.admin();
    let id = admin.create(
        &format!("{R}/users"),
        &json!({"username": "carl", "email": "carl@example.com", "firstName": "Carl", "lastName": "Old",
                "attributes": {"a": ["1"], "b": ["2", "3"]}}),
    );
    let path = format!("{R}/users/{id}");
    assert_eq!(admin.put(&path, &json!({"lastName": "New", "email": "carl@new.example"})).status(), 204);
    let u = admin.get_json(&path);
    assert_eq!(u["lastName"], "New");
    assert_eq!(u["email"], "carl@new.example");
    assert_eq!(u["firstName"], "Carl");
    assert_eq!(u["attributes"], json!({"a": ["1"], "b": ["2", "3"]}));
    assert_eq!(u["enabled"], true);

    // Attributes given are the new map, as in Keycloak.
    assert_eq!(admin.put(&path, &json!({"attributes": {"c": ["x", "y"]}})).status(), 204);
    let u = admin.get_json(&path);
    assert_eq!(u["attributes"], json!({"c": ["x", "y"]}));
    assert_eq!(u["lastName"], "New");

    // The username of an existing user does not change (editUsernameAllowed is off).
    assert_eq!(admin.put(&path, &json!({"username": "carla", "firstName": "Carla"})).status(), 204);
    let u = admin.get_json(&path);
    assert_eq!(u["username"], "carl");
    assert_eq!(u["firstName"], "Carla");
    // The new e-mail is what search finds.
    assert_eq!(names(&admin.get_json(&format!("{R}/users?email=carl@new.example")), "username"), vec!["carl"]);
    assert_eq!(admin.get_json(&format!("{R}/users?email=carl@example.com")), json!([]));

    // The GET representation can be sent back as is.
    assert_eq!(admin.put(&path, &u).status(), 204);
    assert_eq!(admin.get_json(&path), u);

    assert_error(admin.put(&path, &json!({"email": "broken"})), 400);
    assert_eq!(admin.get_json(&path)["email"], "carl@new.example");
    assert_error(
        admin.put(&format!("{R}/users/00000000-0000-0000-0000-000000000000"), &json!({"firstName": "x"})),
        404,
    );
}

#[test]
fn user_delete() {
    let server = setup();
    let admin = server.admin();
    let id = admin.create(&format!("{R}/users"), &json!({"username": "temp"}));
    assert_eq!(admin.delete(&format!("{R}/users/{id}")).status(), 204);
    assert_error(admin.get(&format!("{R}/users/{id}")), 404);
    assert_error(admin.delete(&format!("{R}/users/{id}")), 404);
    assert_eq!(admin.get_json(&format!("{R}/users/count")), json!(0));
    // The username is free again.
    admin.create(&format!("{R}/users"), &json!({"username": "temp"}));
}

#[test]
fn service_account_user_cannot_be_deleted_directly() {
    let server = setup();
    let admin = server.admin();
    let cid = admin.create_service_client("people", "svc", "svc-secret");
    let uid = admin.get_json(&format!("{R}/clients/{cid}/service-account-user"))["id"].as_str().unwrap().to_owned();
    assert_error(admin.delete(&format!("{R}/users/{uid}")), 400);
    assert_eq!(admin.get_json(&format!("{R}/users/{uid}"))["username"], "service-account-svc");
    let (status, _) = client_credentials(&server, "people", "svc", "svc-secret", &[]);
    assert_eq!(status, 200);
}

#[test]
fn reset_password_enables_password_grant() {
    let server = setup();
    let admin = server.admin();
    admin.create(
        &format!("{R}/clients"),
        &json!({"clientId": "cli", "publicClient": true, "directAccessGrantsEnabled": true}),
    );
    let id = admin.create(&format!("{R}/users"), &json!({"username": "Dora", "enabled": true}));
    // No password yet.
    let (status, body) = password_login(&server, "cli", "dora", "first-pw");
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");

    let path = format!("{R}/users/{id}/reset-password");
    assert_eq!(admin.put(&path, &json!({"type": "password", "value": "first-pw", "temporary": false})).status(), 204);
    let (status, body) = password_login(&server, "cli", "dora", "first-pw");
    assert_eq!(status, 200, "{body}");
    let c = claims(body["access_token"].as_str().unwrap());
    assert_eq!(c["sub"], id.as_str());
    assert_eq!(c["preferred_username"], "dora");
    // The username is matched case-insensitively.
    let (status, _) = password_login(&server, "cli", "DORA", "first-pw");
    assert_eq!(status, 200);

    // A second reset replaces the password.
    assert_eq!(admin.put(&path, &json!({"type": "password", "value": "second-pw"})).status(), 204);
    let (status, _) = password_login(&server, "cli", "dora", "first-pw");
    assert_eq!(status, 400);
    let (status, _) = password_login(&server, "cli", "dora", "second-pw");
    assert_eq!(status, 200);

    assert_error(admin.put(&path, &json!({"type": "password"})), 400);
    assert_error(
        admin.put(&format!("{R}/users/00000000-0000-0000-0000-000000000000/reset-password"), &json!({"value": "x"})),
        404,
    );

    // A disabled user cannot log in.
    assert_eq!(admin.put(&format!("{R}/users/{id}"), &json!({"enabled": false})).status(), 204);
    let (status, body) = password_login(&server, "cli", "dora", "second-pw");
    assert_eq!(status, 400, "{body}");
}

#[test]
fn user_created_with_password_can_log_in() {
    let server = setup();
    let admin = server.admin();
    admin.create(
        &format!("{R}/clients"),
        &json!({"clientId": "cli", "publicClient": true, "directAccessGrantsEnabled": true}),
    );
    admin.create(
        &format!("{R}/users"),
        &json!({"username": "erin", "credentials": [{"type": "password", "value": "erin-pw", "temporary": false}]}),
    );
    let (status, body) = password_login(&server, "cli", "erin", "erin-pw");
    assert_eq!(status, 200, "{body}");
    let (status, _) = password_login(&server, "cli", "erin", "wrong");
    assert_eq!(status, 400);
}

// ---- role mappings ----

#[test]
fn realm_role_mappings_reach_the_service_account_token() {
    let server = setup();
    let admin = server.admin();
    admin.create(&format!("{R}/roles"), &json!({"name": "Developer"}));
    admin.create(&format!("{R}/roles"), &json!({"name": "Admin"}));
    let role = admin.get_json(&format!("{R}/roles/Developer"));
    let cid = admin.create_service_client("people", "api-demo-project", "demo-secret");
    let uid = admin.get_json(&format!("{R}/clients/{cid}/service-account-user"))["id"].as_str().unwrap().to_owned();
    let mappings = format!("{R}/users/{uid}/role-mappings/realm");

    let token = |srv: &Server| {
        let (status, body) = client_credentials(srv, "people", "api-demo-project", "demo-secret", &[]);
        assert_eq!(status, 200, "{body}");
        realm_roles_of(body["access_token"].as_str().unwrap())
    };
    assert!(!token(&server).contains(&"Developer".to_owned()));

    let body = json!([{"id": role["id"], "name": "Developer"}]);
    assert_eq!(admin.post(&mappings, &body).status(), 204);
    // Adding again is harmless.
    assert_eq!(admin.post(&mappings, &body).status(), 204);
    let direct = admin.get_json(&mappings);
    assert_eq!(names(&direct, "name"), vec!["Developer", "default-roles-people"]);
    let dev = direct.as_array().unwrap().iter().find(|r| r["name"] == "Developer").unwrap();
    assert_eq!(dev["id"], role["id"]);

    let roles = token(&server);
    assert!(roles.contains(&"Developer".to_owned()), "{roles:?}");
    assert!(!roles.contains(&"Admin".to_owned()), "{roles:?}");
    assert!(roles.contains(&"offline_access".to_owned()), "{roles:?}");

    let all = admin.get_json(&format!("{R}/users/{uid}/role-mappings"));
    assert_eq!(names(&all["realmMappings"], "name"), vec!["Developer", "default-roles-people"]);

    assert_eq!(delete_json(&admin, &mappings, &body).status(), 204);
    assert_eq!(names(&admin.get_json(&mappings), "name"), vec!["default-roles-people"]);
    let roles = token(&server);
    assert!(!roles.contains(&"Developer".to_owned()), "{roles:?}");
    assert!(roles.contains(&"default-roles-people".to_owned()), "{roles:?}");

    // By name only.
    assert_eq!(admin.post(&mappings, &json!([{"name": "Admin"}])).status(), 204);
    assert!(token(&server).contains(&"Admin".to_owned()));

    // Deleting a role removes it from the tokens of its holders.
    assert_eq!(admin.delete(&format!("{R}/roles/Admin")).status(), 204);
    assert!(!token(&server).contains(&"Admin".to_owned()));
    assert_eq!(names(&admin.get_json(&mappings), "name"), vec!["default-roles-people"]);
}

#[test]
fn unknown_roles_and_users_in_mappings_are_404() {
    let server = setup();
    let admin = server.admin();
    admin.create(&format!("{R}/roles"), &json!({"name": "Developer"}));
    let uid = admin.create(&format!("{R}/users"), &json!({"username": "frank"}));
    let mappings = format!("{R}/users/{uid}/role-mappings/realm");
    assert_error(admin.post(&mappings, &json!([{"name": "Ghost"}])), 404);
    assert_error(
        admin.post(&mappings, &json!([{"id": "00000000-0000-0000-0000-000000000000", "name": "Developer"}])),
        404,
    );
    // All or nothing: a known role next to an unknown one is not added.
    assert_error(admin.post(&mappings, &json!([{"name": "Developer"}, {"name": "Ghost"}])), 404);
    assert_eq!(names(&admin.get_json(&mappings), "name"), vec!["default-roles-people"]);
    assert_error(delete_json(&admin, &mappings, &json!([{"name": "Ghost"}])), 404);

    let nobody = format!("{R}/users/00000000-0000-0000-0000-000000000000/role-mappings");
    assert_error(admin.get(&nobody), 404);
    assert_error(admin.get(&format!("{nobody}/realm")), 404);
    assert_error(admin.get(&format!("{nobody}/realm/composite")), 404);
    assert_error(admin.post(&format!("{nobody}/realm"), &json!([{"name": "Developer"}])), 404);

    // A role of another realm is unknown here.
    admin.create_realm("people2");
    admin.create("/admin/realms/people2/roles", &json!({"name": "Foreign"}));
    let foreign = admin.get_json("/admin/realms/people2/roles/Foreign");
    assert_error(admin.post(&mappings, &json!([{"id": foreign["id"], "name": "Foreign"}])), 404);
}

#[test]
fn composite_role_mappings_expand_default_roles() {
    let server = setup();
    let admin = server.admin();
    let uid = admin.create(&format!("{R}/users"), &json!({"username": "gina"}));
    let direct = admin.get_json(&format!("{R}/users/{uid}/role-mappings/realm"));
    assert_eq!(names(&direct, "name"), vec!["default-roles-people"]);
    let effective = admin.get_json(&format!("{R}/users/{uid}/role-mappings/realm/composite"));
    assert_eq!(names(&effective, "name"), vec!["default-roles-people", "offline_access", "uma_authorization"]);

    let all = admin.get_json(&format!("{R}/users/{uid}/role-mappings"));
    assert_eq!(names(&all["realmMappings"], "name"), vec!["default-roles-people"]);
    assert!(all["realmMappings"][0]["id"].as_str().is_some());

    admin.create(&format!("{R}/roles"), &json!({"name": "Developer"}));
    assert_eq!(
        admin.post(&format!("{R}/users/{uid}/role-mappings/realm"), &json!([{"name": "Developer"}])).status(),
        204
    );
    let effective = admin.get_json(&format!("{R}/users/{uid}/role-mappings/realm/composite"));
    assert_eq!(
        names(&effective, "name"),
        vec!["Developer", "default-roles-people", "offline_access", "uma_authorization"]
    );
}

#[test]
fn user_listing_and_search_leave_out_service_accounts_like_keycloak() {
    // Keycloak's UsersResource: the plain listing, `search` and the plain count leave out
    // service-account users; field queries (`username`, `email`) include them.
    let server = setup();
    let admin = server.admin();
    admin.create_service_client("people", "svc-reader", "s");
    admin.create(&format!("{R}/users"), &json!({"username": "reader"}));
    let u = |q: &str| names(&admin.get_json(&format!("{R}/users{q}")), "username");
    assert_eq!(u(""), vec!["reader"]);
    assert_eq!(u("?search=reader"), vec!["reader"]);
    assert_eq!(admin.get_json(&format!("{R}/users/count")), json!(1));
    assert_eq!(admin.get_json(&format!("{R}/users/count?search=reader")), json!(1));
    assert_eq!(u("?username=service-account-svc-reader&exact=true"), vec!["service-account-svc-reader"]);
    assert_eq!(u("?username=reader"), vec!["reader", "service-account-svc-reader"]);
    assert_eq!(admin.get_json(&format!("{R}/users/count?username=reader")), json!(2));
}

#[test]
fn search_matches_names_and_email_only() {
    let server = setup();
    let admin = server.admin();
    admin.create(
        &format!("{R}/users"),
        &json!({"username": "hal", "email": "hal@example.com", "firstName": "Zed", "lastName": "Quill",
                "attributes": {"secret-word": ["xylophone"]}}),
    );
    admin.create(&format!("{R}/users"), &json!({"username": "ivy"}));
    let u = |q: &str| names(&admin.get_json(&format!("{R}/users{q}")), "username");
    assert_eq!(u("?search=zed"), vec!["hal"]);
    assert_eq!(u("?search=QUILL"), vec!["hal"]);
    assert_eq!(u("?search=*example*"), vec!["hal"]);
    // Nothing else of the stored user is searched: not attribute values, flags or field names.
    assert_eq!(u("?search=xylophone"), Vec::<String>::new());
    assert_eq!(u("?search=true"), Vec::<String>::new());
    assert_eq!(u("?search=realm"), Vec::<String>::new());
    assert_eq!(u("?search=first_name"), Vec::<String>::new());
    assert_eq!(admin.get_json(&format!("{R}/users/count?search=enabled")), json!(0));
}

#[test]
fn duplicate_email_is_409_like_keycloak() {
    // Keycloak realms default to duplicateEmailsAllowed=false: "User exists with same email".
    let server = setup();
    let admin = server.admin();
    admin.create(&format!("{R}/users"), &json!({"username": "one", "email": "same@example.com"}));
    assert_error(admin.post(&format!("{R}/users"), &json!({"username": "two", "email": "same@example.com"})), 409);
    assert_error(admin.post(&format!("{R}/users"), &json!({"username": "two", "email": "SAME@example.com"})), 409);
    assert_eq!(admin.get_json(&format!("{R}/users/count")), json!(1));
    let two = admin.create(&format!("{R}/users"), &json!({"username": "two", "email": "two@example.com"}));
    assert_error(admin.put(&format!("{R}/users/{two}"), &json!({"email": "same@example.com"})), 409);
    assert_eq!(admin.get_json(&format!("{R}/users/{two}"))["email"], "two@example.com");
    // Saving a user with its own e-mail is no conflict.
    assert_eq!(
        admin.put(&format!("{R}/users/{two}"), &json!({"email": "two@example.com", "firstName": "T"})).status(),
        204
    );
}

#[test]
fn control_characters_in_user_fields_are_400() {
    let server = Server::start();
    let admin = server.admin();
    admin.create_realm("cc");
    for body in [
        json!({"username": "nul", "email": "a\u{0}b@example.com"}),
        json!({"username": "nul2", "firstName": "x\u{0}y"}),
        json!({"username": "nul3", "lastName": "line\nbreak"}),
    ] {
        let r = admin.post("/admin/realms/cc/users", &body);
        assert_eq!(r.status(), 400, "{body}");
    }
}
