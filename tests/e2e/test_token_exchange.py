"""RFC 8693 token exchange driven by python-keycloak's KeycloakOpenID.exchange_token: a
backend that received a user's token (it is in the token's aud) exchanges it for its own
token for a downstream audience; PyJWT verifies the result against the realm's JWKS."""

from __future__ import annotations

import jwt
import pytest
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakPostError

REALM = "exchange-e2e"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"


def test_exchange_with_python_keycloak(portcullis):
    admin = portcullis.keycloak_admin()
    admin.create_realm(payload={"realm": REALM, "enabled": True}, skip_exists=True)
    admin.change_current_realm(REALM)
    audience = {
        "name": "backend-audience",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-audience-mapper",
        "config": {"included.client.audience": "backend", "access.token.claim": "true"},
    }
    admin.create_client(
        payload={
            "clientId": "frontend",
            "secret": "frontend-secret",
            "directAccessGrantsEnabled": True,
            "protocolMappers": [audience],
        },
        skip_exists=True,
    )
    admin.create_client(
        payload={
            "clientId": "backend",
            "secret": "backend-secret",
            "attributes": {"standard.token.exchange.enabled": "true"},
        },
        skip_exists=True,
    )
    admin.create_client(payload={"clientId": "downstream", "secret": "downstream-secret"}, skip_exists=True)
    admin.create_user(
        payload={
            "username": "dave",
            "enabled": True,
            "credentials": [{"type": "password", "value": "dave-pw", "temporary": False}],
        },
        exist_ok=True,
    )

    frontend = KeycloakOpenID(
        server_url=portcullis.server_url, realm_name=REALM, client_id="frontend", client_secret_key="frontend-secret"
    )
    user_token = frontend.token("dave", "dave-pw")["access_token"]
    backend = KeycloakOpenID(
        server_url=portcullis.server_url, realm_name=REALM, client_id="backend", client_secret_key="backend-secret"
    )
    exchanged = backend.exchange_token(
        user_token, audience="downstream", subject_token_type=ACCESS, requested_token_type=ACCESS
    )
    assert exchanged["issued_token_type"] == ACCESS
    key = jwt.PyJWKClient(portcullis.certs_url(REALM)).get_signing_key_from_jwt(exchanged["access_token"])
    claims = jwt.decode(exchanged["access_token"], key.key, algorithms=["RS256"], audience="downstream")
    assert claims["azp"] == "backend"
    assert claims["sub"] == jwt.decode(user_token, options={"verify_signature": False})["sub"]

    # The frontend's token is not meant for the downstream client: refused.
    downstream = KeycloakOpenID(
        server_url=portcullis.server_url,
        realm_name=REALM,
        client_id="downstream",
        client_secret_key="downstream-secret",
    )
    with pytest.raises(KeycloakPostError):
        downstream.exchange_token(user_token, subject_token_type=ACCESS, requested_token_type=ACCESS)
