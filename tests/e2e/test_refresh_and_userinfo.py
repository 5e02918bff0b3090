"""Refresh tokens and UserInfo driven by python-keycloak's KeycloakOpenID (token,
refresh_token, userinfo, introspect) and Authlib (refresh_token), set up with
python-keycloak's admin client."""

from __future__ import annotations

import pytest
from authlib.integrations.requests_client import OAuth2Session
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakPostError

REALM = "refresh-e2e"


def test_refresh_and_userinfo_with_python_keycloak_and_authlib(portcullis):
    admin = portcullis.keycloak_admin()
    admin.create_realm(payload={"realm": REALM, "enabled": True}, skip_exists=True)
    admin.change_current_realm(REALM)
    admin.create_client(
        payload={"clientId": "webapp", "secret": "webapp-secret", "directAccessGrantsEnabled": True},
        skip_exists=True,
    )
    admin.create_user(
        payload={
            "username": "bob",
            "enabled": True,
            "email": "bob@example.com",
            "firstName": "Bob",
            "credentials": [{"type": "password", "value": "bob-pw", "temporary": False}],
        },
        exist_ok=True,
    )

    oidc = KeycloakOpenID(
        server_url=portcullis.server_url, realm_name=REALM, client_id="webapp", client_secret_key="webapp-secret"
    )
    token = oidc.token("bob", "bob-pw", scope="openid email profile")
    assert token["refresh_token"] and token["refresh_expires_in"] == 1800
    info = oidc.userinfo(token["access_token"])
    assert info["preferred_username"] == "bob" and info["email"] == "bob@example.com"

    refreshed = oidc.refresh_token(token["refresh_token"])
    assert refreshed["access_token"] != token["access_token"]
    assert oidc.introspect(refreshed["refresh_token"])["active"] is True

    # Authlib refreshes with the same refresh token (Keycloak's default allows reuse).
    session = OAuth2Session("webapp", "webapp-secret", token=refreshed)
    again = session.refresh_token(portcullis.token_url(REALM))
    assert again["token_type"] == "Bearer" and again["refresh_token"]

    # Revoked: the session ends, and python-keycloak's refresh fails.
    base = portcullis.realm_url(REALM) + "/protocol/openid-connect"
    assert session.revoke_token(base + "/revoke", token=again["refresh_token"]).status_code == 200
    with pytest.raises(KeycloakPostError):
        oidc.refresh_token(token["refresh_token"])
