"""The Keycloak onboarding guide ("Creating Client Secret Credentials", steps 1-10), done
with python-keycloak's admin client exactly as an operator would script it, then the
guide's token request and verification of the token with PyJWT against the realm JWKS.
"""

from __future__ import annotations

import jwt
import pytest
import requests
from keycloak import KeycloakAdmin, KeycloakOpenID

REALM = "codemie-prod"
CLIENT_ID = "api-demo-project"
SERVICE_ACCOUNT = f"service-account-{CLIENT_ID}"

CODEMIE_SCOPE = {
    "name": "codemie",
    "protocol": "openid-connect",
    "attributes": {"include.in.token.scope": "true", "display.on.consent.screen": "true"},
    "protocolMappers": [
        {
            "name": "applications",
            "protocol": "openid-connect",
            "protocolMapper": "oidc-usermodel-attribute-mapper",
            "config": {
                "user.attribute": "applications",
                "claim.name": "applications",
                "jsonType.label": "String",
                "multivalued": "true",
                "access.token.claim": "true",
                "id.token.claim": "true",
            },
        }
    ],
}

# Steps 3-5 of the guide, as Keycloak's ClientRepresentation.
GUIDE_CLIENT = {
    # Step 3: General settings
    "protocol": "openid-connect",
    "clientId": CLIENT_ID,
    "name": CLIENT_ID,
    "alwaysDisplayInConsole": False,
    # Step 4: Capability config
    "publicClient": False,  # Client Authentication: ON
    "authorizationServicesEnabled": False,
    "standardFlowEnabled": True,
    "directAccessGrantsEnabled": True,
    "serviceAccountsEnabled": True,
    "implicitFlowEnabled": False,
    "attributes": {
        "oauth2.device.authorization.grant.enabled": "false",
        "oidc.ciba.grant.enabled": "false",
        # Step 5: Valid Post Logout Redirect URIs
        "post.logout.redirect.uris": "+",
    },
    # Step 5: Login settings
    "rootUrl": "https://codemie.example.com",
    "baseUrl": "",
    "redirectUris": ["https://codemie.example.com/*"],
    "webOrigins": ["https://codemie.example.com"],
}


def admin_for(server) -> KeycloakAdmin:
    """Step 1: log into the admin API as the bootstrap admin, working on codemie-prod."""
    return KeycloakAdmin(
        server_url=server.server_url,
        username=server.admin_username,
        password=server.admin_password,
        realm_name=REALM,
        user_realm_name="master",
    )


def onboard(server) -> dict:
    """Realm prerequisites plus guide steps 1-9. Returns what step 10 needs."""
    admin = admin_for(server)

    # Prerequisites the guide takes for granted: the realm, the `codemie` scope, the roles.
    admin.create_realm({"realm": REALM, "enabled": True})
    scope_id = admin.create_client_scope(CODEMIE_SCOPE)
    assert scope_id, "create_client_scope must return the new id (parsed from Location)"
    for role in ("Developer", "Admin"):
        assert admin.create_realm_role({"name": role}) == role

    # Steps 2-5: create the client.
    client_uuid = admin.create_client(GUIDE_CLIENT)
    assert client_uuid
    assert admin.get_client_id(CLIENT_ID) == client_uuid

    # Step 6: `codemie` as a Default client scope.
    admin.add_client_default_client_scope(
        client_uuid, scope_id, {"realm": REALM, "client": client_uuid, "clientScopeId": scope_id}
    )

    # Step 7: realm role Developer for the service account.
    sa_user = admin.get_client_service_account_user(client_uuid)
    assert sa_user["username"] == SERVICE_ACCOUNT
    developer = admin.get_realm_role("Developer")
    admin.assign_realm_roles(sa_user["id"], [developer])

    # Step 8: e-mail, names and the `applications` attribute of the service-account user.
    admin.update_user(
        sa_user["id"],
        {
            "email": "api-demo-project@domain.com",
            "firstName": "api-demo",
            "lastName": "project",
            "attributes": {"applications": ["demo-project"]},
        },
    )

    # Step 9: copy the client secret.
    secret = admin.get_client_secrets(client_uuid)
    assert secret["type"] == "secret"
    assert isinstance(secret["value"], str) and len(secret["value"]) >= 16

    return {
        "admin": admin,
        "client_uuid": client_uuid,
        "scope_id": scope_id,
        "sa_user_id": sa_user["id"],
        "secret": secret["value"],
    }


def guide_token_request(server, secret: str) -> requests.Response:
    """Step 10, exactly the guide's curl: form-encoded client_id, grant_type, client_secret."""
    return requests.post(
        server.token_url(REALM),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        data={"client_id": CLIENT_ID, "grant_type": "client_credentials", "client_secret": secret},
        timeout=10,
    )


def check_guide_response(resp: requests.Response) -> dict:
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.headers.get("Cache-Control") == "no-store"
    body = resp.json()
    assert set(body) >= {"access_token", "expires_in", "refresh_expires_in", "token_type", "not-before-policy", "scope"}
    assert isinstance(body["access_token"], str) and body["access_token"].count(".") == 2
    assert isinstance(body["expires_in"], int) and body["expires_in"] > 0
    assert body["refresh_expires_in"] == 0
    assert body["token_type"] == "Bearer"
    assert body["not-before-policy"] == 0
    assert "refresh_token" not in body  # Keycloak issues none for client credentials
    scopes = body["scope"].split(" ")
    for s in ("profile", "email", "codemie"):
        assert s in scopes, body["scope"]
    assert len(scopes) == len(set(scopes))
    return body


def verify_token(server, access_token: str) -> dict:
    """Verifies signature, expiry, audience and issuer with PyJWT and the realm's JWKS."""
    header = jwt.get_unverified_header(access_token)
    assert header["alg"] == "RS256"
    assert header.get("kid")
    unverified = jwt.decode(access_token, options={"verify_signature": False})
    assert unverified["aud"] == CLIENT_ID
    signing_key = jwt.PyJWKClient(server.certs_url(REALM)).get_signing_key_from_jwt(access_token)
    return jwt.decode(
        access_token,
        signing_key.key,
        algorithms=["RS256"],
        audience=unverified["aud"],
        issuer=server.realm_url(REALM),
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )


def check_guide_claims(claims: dict, sa_user_id: str, scope: str) -> None:
    assert "Developer" in claims["realm_access"]["roles"]
    assert "Admin" not in claims["realm_access"]["roles"]
    assert claims["email"] == "api-demo-project@domain.com"
    assert claims["given_name"] == "api-demo"
    assert claims["family_name"] == "project"
    assert claims["name"] == "api-demo project"
    assert claims["preferred_username"] == SERVICE_ACCOUNT
    assert claims["applications"] == ["demo-project"]
    assert claims["azp"] == CLIENT_ID
    assert claims["client_id"] == CLIENT_ID
    assert claims["sub"] == sa_user_id
    assert claims["typ"] == "Bearer"
    assert claims["scope"] == scope
    assert claims["exp"] > claims["iat"]


@pytest.fixture(scope="module")
def onboarded(portcullis):
    return onboard(portcullis)


def test_admin_api_reflects_the_guide(onboarded):
    admin: KeycloakAdmin = onboarded["admin"]
    client_uuid = onboarded["client_uuid"]

    rep = admin.get_client(client_uuid)
    for key in (
        "clientId",
        "name",
        "publicClient",
        "authorizationServicesEnabled",
        "standardFlowEnabled",
        "directAccessGrantsEnabled",
        "serviceAccountsEnabled",
        "implicitFlowEnabled",
        "rootUrl",
        "redirectUris",
        "webOrigins",
        "protocol",
        "alwaysDisplayInConsole",
    ):
        assert rep[key] == GUIDE_CLIENT[key], key
    assert rep.get("baseUrl", "") == ""
    for k, v in GUIDE_CLIENT["attributes"].items():
        assert rep["attributes"][k] == v, k
    assert rep["secret"] == onboarded["secret"]

    default_scopes = {s["name"] for s in admin.get_client_default_client_scopes(client_uuid)}
    assert "codemie" in default_scopes
    assert {"profile", "email", "roles"} <= default_scopes

    scope = admin.get_client_scope(onboarded["scope_id"])
    assert scope["name"] == "codemie"
    assert scope["protocol"] == "openid-connect"
    [mapper] = scope["protocolMappers"]
    assert mapper["protocolMapper"] == "oidc-usermodel-attribute-mapper"
    assert mapper["config"] == CODEMIE_SCOPE["protocolMappers"][0]["config"]

    roles = {r["name"] for r in admin.get_realm_roles_of_user(onboarded["sa_user_id"])}
    assert "Developer" in roles
    assert "Admin" not in roles

    user = admin.get_user(onboarded["sa_user_id"])
    assert user["username"] == SERVICE_ACCOUNT
    assert user["email"] == "api-demo-project@domain.com"
    assert user["firstName"] == "api-demo"
    assert user["lastName"] == "project"
    assert user["attributes"]["applications"] == ["demo-project"]
    assert user["enabled"] is True


def test_onboarding_script_rerun_is_idempotent(onboarded):
    """The guide points to onboarding scripts; re-running one with python-keycloak's
    skip_exists / lookup helpers must find the existing objects, not fail."""
    admin: KeycloakAdmin = onboarded["admin"]
    # POST /admin/realms -> 409 with Keycloak's exact body, which python-keycloak accepts.
    admin.create_realm({"realm": REALM, "enabled": True}, skip_exists=True)
    assert admin.create_client_scope(CODEMIE_SCOPE, skip_exists=True) == onboarded["scope_id"]
    assert admin.create_realm_role({"name": "Developer"}, skip_exists=True) == "Developer"
    assert admin.create_client(GUIDE_CLIENT, skip_exists=True) == onboarded["client_uuid"]
    # GET /users?username=...&max=1&exact=True (Python's spelling of the boolean).
    assert admin.get_user_id(SERVICE_ACCOUNT) == onboarded["sa_user_id"]
    assert admin.get_client_secrets(onboarded["client_uuid"])["value"] == onboarded["secret"]
    assert [r["realm"] for r in admin.get_realms()].count(REALM) == 1


def test_step10_guide_curl_token(portcullis, onboarded):
    body = check_guide_response(guide_token_request(portcullis, onboarded["secret"]))
    claims = verify_token(portcullis, body["access_token"])
    check_guide_claims(claims, onboarded["sa_user_id"], body["scope"])
    assert claims["exp"] - claims["iat"] == body["expires_in"]


def test_keycloak_openid_client_credentials(portcullis, onboarded):
    oidc = KeycloakOpenID(
        server_url=portcullis.server_url,
        realm_name=REALM,
        client_id=CLIENT_ID,
        client_secret_key=onboarded["secret"],
    )
    token = oidc.token(grant_type="client_credentials")
    assert token["token_type"] == "Bearer"
    assert token["refresh_expires_in"] == 0
    # python-keycloak's own verification: fetches /certs and checks the signature.
    claims = oidc.decode_token(token["access_token"], validate=True)
    check_guide_claims(claims, onboarded["sa_user_id"], token["scope"])
    assert claims["iss"] == portcullis.realm_url(REALM)
    # And PyJWT agrees.
    assert verify_token(portcullis, token["access_token"]) == claims

    well_known = oidc.well_known()
    assert well_known["issuer"] == portcullis.realm_url(REALM)
    assert well_known["token_endpoint"] == portcullis.token_url(REALM)
    assert well_known["jwks_uri"] == portcullis.certs_url(REALM)


def test_wrong_secret_is_rejected(portcullis, onboarded):
    resp = guide_token_request(portcullis, onboarded["secret"] + "x")
    assert resp.status_code == 401
    assert resp.json()["error"] == "invalid_client"


def test_onboarding_under_legacy_auth_path(portcullis_auth):
    """The same onboarding against Keycloak's legacy layout (`/auth`), like the guide's URL."""
    assert portcullis_auth.server_url.endswith("/auth/")
    state = onboard(portcullis_auth)
    body = check_guide_response(guide_token_request(portcullis_auth, state["secret"]))
    assert portcullis_auth.token_url(REALM).endswith("/auth/realms/codemie-prod/protocol/openid-connect/token")
    claims = verify_token(portcullis_auth, body["access_token"])
    assert claims["iss"].endswith("/auth/realms/codemie-prod")
    check_guide_claims(claims, state["sa_user_id"], body["scope"])

    oidc = KeycloakOpenID(
        server_url=portcullis_auth.server_url,
        realm_name=REALM,
        client_id=CLIENT_ID,
        client_secret_key=state["secret"],
    )
    token = oidc.token(grant_type="client_credentials")
    claims = oidc.decode_token(token["access_token"], validate=True)
    check_guide_claims(claims, state["sa_user_id"], token["scope"])

    # Without the prefix nothing answers.
    bare = f"http://127.0.0.1:{portcullis_auth.port}/realms/{REALM}/protocol/openid-connect/token"
    resp = requests.post(bare, data={"grant_type": "client_credentials"}, timeout=10)
    assert resp.status_code == 404
