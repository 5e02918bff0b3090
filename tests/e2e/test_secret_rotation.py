"""Client secret rotation driven by python-keycloak (regenerate, and its raw calls for
Keycloak's rotated-secret endpoints) and Authlib (tokens): the previous secret keeps
working through the realm's grace period until an admin invalidates it."""

from __future__ import annotations

import pytest
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

REALM = "rotation-e2e"


def token(portcullis, secret: str) -> dict:
    with OAuth2Session("rotating", secret, token_endpoint_auth_method="client_secret_basic") as session:
        return session.fetch_token(portcullis.token_url(REALM), grant_type="client_credentials")


def test_rotated_secret_with_python_keycloak_and_authlib(portcullis):
    admin = portcullis.keycloak_admin()
    admin.create_realm(
        payload={"realm": REALM, "enabled": True, "attributes": {"client.secret.rotated.expiration.period": "3600"}},
        skip_exists=True,
    )
    admin.change_current_realm(REALM)
    cid = admin.create_client(
        payload={"clientId": "rotating", "secret": "the-first-secret", "serviceAccountsEnabled": True},
        skip_exists=True,
    )
    new = admin.generate_client_secrets(cid)["value"]
    assert new != "the-first-secret"
    assert token(portcullis, "the-first-secret")["token_type"] == "Bearer"
    assert token(portcullis, new)["token_type"] == "Bearer"

    rotated_url = f"admin/realms/{REALM}/clients/{cid}/client-secret/rotated"
    assert admin.connection.raw_get(rotated_url).json()["value"] == "the-first-secret"
    assert admin.connection.raw_delete(rotated_url).status_code == 204
    assert admin.connection.raw_get(rotated_url).status_code == 404
    with pytest.raises(OAuthError) as err:
        token(portcullis, "the-first-secret")
    assert err.value.error == "invalid_client"
    assert token(portcullis, new)["token_type"] == "Bearer"
