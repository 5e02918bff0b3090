"""Client-credentials guides other than the onboarding one, with real third-party clients:

* the Spring Security tutorial (realm `sivalabs`, client `archival-service`): its curl
  request (client_secret_post) and its Postman request (Basic auth, scope "openid profile");
* the Go identity server's guide (client `backend_service_client`): Basic and POST-body
  authentication, scopes, RFC 8707 `resource`, set up through the Keycloak admin API since
  that product's own admin API is not Keycloak's;
* requests-oauthlib and Authlib fetching tokens, error answers, and OIDC discovery.
"""

from __future__ import annotations

import base64

import jwt
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
from keycloak import KeycloakAdmin
from oauthlib.oauth2 import BackendApplicationClient
from oauthlib.oauth2.rfc6749.errors import InvalidClientError, InvalidScopeError
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

FORM = {"Content-Type": "application/x-www-form-urlencoded"}

SPRING_REALM = "sivalabs"
SPRING_CLIENT = "archival-service"
SPRING_SECRET = "bL1a2V2kouKh4sBMX0UrSmc0d3qubD1a"

GO_REALM = "thunder"
GO_CLIENT = "backend_service_client"
GO_SECRET = "backend_service_secret"
API = "https://api.example.com"


def admin_for(server, realm: str) -> KeycloakAdmin:
    return KeycloakAdmin(
        server_url=server.server_url,
        username=server.admin_username,
        password=server.admin_password,
        realm_name=realm,
        user_realm_name="master",
    )


def verify(server, realm: str, token: str, audience: str) -> dict:
    key = jwt.PyJWKClient(server.certs_url(realm)).get_signing_key_from_jwt(token)
    return jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        audience=audience,
        issuer=server.realm_url(realm),
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )


def scopes_of(body: dict) -> set[str]:
    return set(body["scope"].split(" "))


def check_bearer(resp: requests.Response) -> dict:
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["token_type"] == "Bearer"
    assert body["refresh_expires_in"] == 0
    assert body["not-before-policy"] == 0
    assert "refresh_token" not in body
    return body


def record_statuses(session: requests.Session) -> list[int]:
    """Status codes of every response a client library's session receives."""
    seen: list[int] = []
    session.hooks["response"].append(lambda r, *a, **k: seen.append(r.status_code))
    return seen


# --------------------------------------------------------------------------------------
# Spring Security OAuth 2 tutorial, part 3
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sivalabs(portcullis):
    admin = admin_for(portcullis, SPRING_REALM)
    admin.create_realm({"realm": SPRING_REALM, "enabled": True})
    uuid = admin.create_client(
        {
            "protocol": "openid-connect",  # Client type: OpenID Connect
            "clientId": SPRING_CLIENT,
            "publicClient": False,  # Client authentication: On
            "authorizationServicesEnabled": False,  # Authorization: Off
            "serviceAccountsEnabled": True,  # Service accounts roles: On, the rest off
            "standardFlowEnabled": False,
            "directAccessGrantsEnabled": False,
            "implicitFlowEnabled": False,
            "attributes": {
                "oauth2.device.authorization.grant.enabled": "false",
                "oidc.ciba.grant.enabled": "false",
            },
            "rootUrl": "http://localhost:8282",
            "baseUrl": "http://localhost:8282",
            "secret": SPRING_SECRET,
        }
    )
    # Credentials tab: the secret is the one given at creation.
    assert admin.get_client_secrets(uuid) == {"type": "secret", "value": SPRING_SECRET}
    rep = admin.get_client(uuid)
    assert rep["serviceAccountsEnabled"] is True
    assert rep["standardFlowEnabled"] is False
    assert rep["directAccessGrantsEnabled"] is False
    assert rep["rootUrl"] == rep["baseUrl"] == "http://localhost:8282"
    sa = admin.get_client_service_account_user(uuid)
    return {"uuid": uuid, "sa_user_id": sa["id"]}


def check_spring_claims(claims: dict, sivalabs: dict, scope: str) -> None:
    # The claims of the tutorial's sample token, minus Keycloak's `account` audience.
    assert claims["azp"] == SPRING_CLIENT
    assert claims["client_id"] == SPRING_CLIENT
    assert claims["preferred_username"] == f"service-account-{SPRING_CLIENT}"
    assert claims["sub"] == sivalabs["sa_user_id"]
    assert claims["typ"] == "Bearer"
    assert claims["acr"] == "1"
    assert claims["email_verified"] is False
    assert claims["scope"] == scope
    assert {"default-roles-sivalabs", "offline_access", "uma_authorization"} <= set(claims["realm_access"]["roles"])


def test_spring_curl_client_secret_post(portcullis, sivalabs):
    resp = requests.post(
        portcullis.token_url(SPRING_REALM),
        headers=FORM,
        data={"grant_type": "client_credentials", "client_id": SPRING_CLIENT, "client_secret": SPRING_SECRET},
        timeout=10,
    )
    body = check_bearer(resp)
    assert body["expires_in"] == 300  # the tutorial's value: Keycloak's default lifespan
    assert scopes_of(body) == {"email", "profile"}
    claims = verify(portcullis, SPRING_REALM, body["access_token"], audience=SPRING_CLIENT)
    check_spring_claims(claims, sivalabs, body["scope"])
    assert claims["exp"] - claims["iat"] == 300


def test_spring_postman_basic_auth_openid_profile(portcullis, sivalabs):
    # Postman: "Send as Basic Auth header", Scope "openid profile".
    basic = base64.b64encode(f"{SPRING_CLIENT}:{SPRING_SECRET}".encode()).decode()
    resp = requests.post(
        portcullis.token_url(SPRING_REALM),
        headers={**FORM, "Authorization": f"Basic {basic}"},
        data={"grant_type": "client_credentials", "scope": "openid profile"},
        timeout=10,
    )
    body = check_bearer(resp)
    assert scopes_of(body) == {"openid", "email", "profile"}
    claims = verify(portcullis, SPRING_REALM, body["access_token"], audience=SPRING_CLIENT)
    check_spring_claims(claims, sivalabs, body["scope"])


def test_spring_client_without_service_accounts_is_refused(portcullis, sivalabs):
    admin = admin_for(portcullis, SPRING_REALM)
    admin.create_client({"clientId": "no-sa", "publicClient": False, "secret": "no-sa-secret-0123456789"})
    resp = requests.post(
        portcullis.token_url(SPRING_REALM),
        headers=FORM,
        data={"grant_type": "client_credentials", "client_id": "no-sa", "client_secret": "no-sa-secret-0123456789"},
        timeout=10,
    )
    assert resp.status_code == 400
    assert resp.json()["error"] == "unauthorized_client"


# --------------------------------------------------------------------------------------
# The Go identity server's client-credentials guide
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def thunder(portcullis):
    admin = admin_for(portcullis, GO_REALM)
    admin.create_realm({"realm": GO_REALM, "enabled": True})
    scope_ids = {
        name: admin.create_client_scope(
            {"name": name, "protocol": "openid-connect", "attributes": {"include.in.token.scope": "true"}}
        )
        for name in ("api:read", "api:write")
    }
    uuid = admin.create_client(
        {
            "clientId": GO_CLIENT,
            "name": "Backend Service",
            "description": "Backend service using client credentials grant type",
            "publicClient": False,
            "secret": GO_SECRET,
            "serviceAccountsEnabled": True,
            "standardFlowEnabled": False,
            "directAccessGrantsEnabled": False,
            "redirectUris": ["https://localhost:3000"],
            # token.access_token.validity_period: 3600
            "attributes": {"access.token.lifespan": "3600"},
        }
    )
    for scope_id in scope_ids.values():
        admin.add_client_optional_client_scope(uuid, scope_id, {})
    optional = {s["name"] for s in admin.get_client_optional_client_scopes(uuid)}
    assert optional == {"api:read", "api:write"}
    sa = admin.get_client_service_account_user(uuid)
    return {"uuid": uuid, "sa_user_id": sa["id"]}


def go_token(server, auth=None, **form) -> requests.Response:
    return requests.post(
        server.token_url(GO_REALM),
        headers=FORM,
        auth=auth,
        data={"grant_type": "client_credentials", **form},
        timeout=10,
    )


def check_go_claims(claims: dict, thunder: dict, scope: str) -> None:
    assert claims["client_id"] == GO_CLIENT
    assert claims["azp"] == GO_CLIENT
    assert claims["sub"] == thunder["sa_user_id"]
    assert claims["scope"] == scope
    assert claims["exp"] - claims["iat"] == 3600


def test_go_basic_auth(portcullis, thunder):
    # curl -u 'backend_service_client:backend_service_secret' -d 'grant_type=client_credentials'
    body = check_bearer(go_token(portcullis, auth=(GO_CLIENT, GO_SECRET)))
    assert body["expires_in"] == 3600
    # Keycloak semantics: optional scopes only when asked for.
    assert scopes_of(body) == {"email", "profile"}
    claims = verify(portcullis, GO_REALM, body["access_token"], audience=GO_CLIENT)
    check_go_claims(claims, thunder, body["scope"])


def test_go_post_body_auth(portcullis, thunder):
    body = check_bearer(go_token(portcullis, client_id=GO_CLIENT, client_secret=GO_SECRET))
    assert body["expires_in"] == 3600
    claims = verify(portcullis, GO_REALM, body["access_token"], audience=GO_CLIENT)
    check_go_claims(claims, thunder, body["scope"])


def test_go_with_scopes(portcullis, thunder):
    body = check_bearer(go_token(portcullis, auth=(GO_CLIENT, GO_SECRET), scope="api:read api:write"))
    assert scopes_of(body) == {"api:read", "api:write", "email", "profile"}
    claims = verify(portcullis, GO_REALM, body["access_token"], audience=GO_CLIENT)
    check_go_claims(claims, thunder, body["scope"])


def test_go_with_resource_parameter(portcullis, thunder):
    body = check_bearer(go_token(portcullis, auth=(GO_CLIENT, GO_SECRET), scope="api:read", resource=API))
    assert "api:read" in scopes_of(body)
    assert "api:write" not in scopes_of(body)
    claims = verify(portcullis, GO_REALM, body["access_token"], audience=API)
    assert claims["aud"] == API
    check_go_claims(claims, thunder, body["scope"])
    with pytest.raises(jwt.InvalidAudienceError):
        verify(portcullis, GO_REALM, body["access_token"], audience=GO_CLIENT)


def test_go_error_cases_raw(portcullis, thunder):
    resp = go_token(portcullis, auth=(GO_CLIENT, "wrong"))
    assert resp.status_code == 401
    assert resp.json()["error"] == "invalid_client"
    assert resp.headers["WWW-Authenticate"].startswith("Basic")
    resp = go_token(portcullis, client_id=GO_CLIENT, client_secret="wrong")
    assert resp.status_code == 401
    assert resp.json()["error"] == "invalid_client"
    resp = go_token(portcullis, client_id="no-such-client", client_secret="x")
    assert resp.status_code == 401
    assert resp.json()["error"] == "invalid_client"
    resp = go_token(portcullis, auth=(GO_CLIENT, GO_SECRET), scope="api:delete")
    assert resp.status_code == 400
    assert resp.json()["error"] == "invalid_scope"
    resp = go_token(portcullis, auth=(GO_CLIENT, GO_SECRET), grant_type="authorization_code")
    assert resp.status_code == 400
    assert resp.json()["error"] == "unsupported_grant_type"


# --------------------------------------------------------------------------------------
# requests-oauthlib
# --------------------------------------------------------------------------------------


@pytest.fixture
def insecure_transport(monkeypatch):
    # oauthlib refuses http:// URLs unless told the transport is a test setup.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    # Keycloak grants the client's default scopes on top of the requested ones; oauthlib
    # raises on any difference unless relaxed (needed against Keycloak itself too).
    monkeypatch.setenv("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")


def test_requests_oauthlib_client_secret_post(portcullis, thunder, insecure_transport):
    # requests-oauthlib sends the *client's* scope in fetch_token for this grant.
    session = OAuth2Session(client=BackendApplicationClient(client_id=GO_CLIENT, scope=["api:read", "api:write"]))
    statuses = record_statuses(session)
    token = session.fetch_token(
        token_url=portcullis.token_url(GO_REALM),
        client_id=GO_CLIENT,
        client_secret=GO_SECRET,
        include_client_id=True,
    )
    assert statuses == [200]
    assert token["token_type"] == "Bearer"
    assert set(token["scope"]) == {"api:read", "api:write", "email", "profile"}
    claims = verify(portcullis, GO_REALM, token["access_token"], audience=GO_CLIENT)
    check_go_claims(claims, thunder, claims["scope"])
    assert set(claims["scope"].split(" ")) == set(token["scope"])


def test_requests_oauthlib_basic_auth(portcullis, thunder, insecure_transport):
    session = OAuth2Session(client=BackendApplicationClient(client_id=GO_CLIENT))
    statuses = record_statuses(session)
    token = session.fetch_token(token_url=portcullis.token_url(GO_REALM), auth=HTTPBasicAuth(GO_CLIENT, GO_SECRET))
    assert statuses == [200]
    assert set(token["scope"]) == {"email", "profile"}
    claims = verify(portcullis, GO_REALM, token["access_token"], audience=GO_CLIENT)
    check_go_claims(claims, thunder, claims["scope"])
    # The session now carries the token: a resource request would send it as Bearer.
    assert session.authorized


def test_requests_oauthlib_errors(portcullis, thunder, insecure_transport):
    session = OAuth2Session(client=BackendApplicationClient(client_id=GO_CLIENT))
    statuses = record_statuses(session)
    with pytest.raises(InvalidClientError):
        session.fetch_token(token_url=portcullis.token_url(GO_REALM), auth=HTTPBasicAuth(GO_CLIENT, "wrong"))
    assert statuses == [401]

    session = OAuth2Session(client=BackendApplicationClient(client_id=GO_CLIENT, scope=["no-such-scope"]))
    statuses = record_statuses(session)
    with pytest.raises(InvalidScopeError):
        session.fetch_token(
            token_url=portcullis.token_url(GO_REALM), client_id=GO_CLIENT, client_secret=GO_SECRET, include_client_id=True
        )
    assert statuses == [400]


# --------------------------------------------------------------------------------------
# Authlib
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_authlib_client_credentials(portcullis, thunder, method):
    sent: list[requests.PreparedRequest] = []
    with AuthlibSession(GO_CLIENT, GO_SECRET, token_endpoint_auth_method=method, scope="api:write") as session:
        session.hooks["response"].append(lambda r, *a, **k: sent.append(r.request))
        token = session.fetch_token(portcullis.token_url(GO_REALM), grant_type="client_credentials")
    assert len(sent) == 1
    if method == "client_secret_basic":
        assert sent[0].headers["Authorization"].startswith("Basic ")
        assert "client_secret" not in (sent[0].body or "")
    else:
        assert "Authorization" not in sent[0].headers
        assert "client_secret=" in sent[0].body
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 3600
    assert set(token["scope"].split(" ")) == {"api:write", "email", "profile"}
    claims = verify(portcullis, GO_REALM, token["access_token"], audience=GO_CLIENT)
    check_go_claims(claims, thunder, token["scope"])


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_authlib_wrong_secret_is_401_invalid_client(portcullis, thunder, method):
    from authlib.integrations.base_client.errors import OAuthError

    with AuthlibSession(GO_CLIENT, "wrong", token_endpoint_auth_method=method) as session:
        statuses = record_statuses(session)
        with pytest.raises(OAuthError) as err:
            session.fetch_token(portcullis.token_url(GO_REALM), grant_type="client_credentials")
    assert statuses == [401]
    assert err.value.error == "invalid_client"


def test_authlib_unknown_scope_is_400_invalid_scope(portcullis, thunder):
    from authlib.integrations.base_client.errors import OAuthError

    with AuthlibSession(GO_CLIENT, GO_SECRET, scope="api:read api:admin") as session:
        statuses = record_statuses(session)
        with pytest.raises(OAuthError) as err:
            session.fetch_token(portcullis.token_url(GO_REALM), grant_type="client_credentials")
    assert statuses == [400]
    assert err.value.error == "invalid_scope"


# --------------------------------------------------------------------------------------
# OIDC discovery
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("realm", "client", "secret"), [(GO_REALM, GO_CLIENT, GO_SECRET), (SPRING_REALM, SPRING_CLIENT, SPRING_SECRET)]
)
def test_discovery_token_endpoint_and_issuer(portcullis, thunder, sivalabs, realm, client, secret):
    resp = requests.get(f"{portcullis.realm_url(realm)}/.well-known/openid-configuration", timeout=10)
    assert resp.status_code == 200
    meta = resp.json()
    assert meta["issuer"] == portcullis.realm_url(realm)
    assert meta["token_endpoint"] == portcullis.token_url(realm)
    assert meta["jwks_uri"] == portcullis.certs_url(realm)
    assert "client_credentials" in meta["grant_types_supported"]
    assert {"client_secret_basic", "client_secret_post"} <= set(meta["token_endpoint_auth_methods_supported"])
    assert "RS256" in meta["id_token_signing_alg_values_supported"]

    # A client that only knows the discovery document.
    with AuthlibSession(client, secret, token_endpoint_auth_method="client_secret_basic") as session:
        token = session.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
    unverified = jwt.decode(token["access_token"], options={"verify_signature": False})
    assert unverified["iss"] == meta["issuer"]
    jwks_client = jwt.PyJWKClient(meta["jwks_uri"])
    key = jwks_client.get_signing_key_from_jwt(token["access_token"])
    claims = jwt.decode(
        token["access_token"], key.key, algorithms=["RS256"], audience=client, issuer=meta["issuer"]
    )
    assert claims["client_id"] == client


def test_realms_have_distinct_keys_and_issuers(portcullis, thunder, sivalabs):
    spring = check_bearer(
        requests.post(
            portcullis.token_url(SPRING_REALM),
            headers=FORM,
            data={"grant_type": "client_credentials", "client_id": SPRING_CLIENT, "client_secret": SPRING_SECRET},
            timeout=10,
        )
    )["access_token"]
    # A sivalabs token must not verify against thunder's JWKS / issuer.
    with pytest.raises(jwt.PyJWTError):
        verify(portcullis, GO_REALM, spring, audience=SPRING_CLIENT)
    # And a client of one realm is unknown in another.
    resp = requests.post(
        portcullis.token_url(GO_REALM),
        headers=FORM,
        data={"grant_type": "client_credentials", "client_id": SPRING_CLIENT, "client_secret": SPRING_SECRET},
        timeout=10,
    )
    assert resp.status_code == 401
    assert resp.json()["error"] == "invalid_client"
