"""Introspection (RFC 7662) and revocation (RFC 7009) driven by python-keycloak's
KeycloakOpenID.introspect and Authlib's introspect_token/revoke_token: a resource server
introspects a service's token, the service revokes it, and it is inactive from then on."""

from __future__ import annotations

from authlib.integrations.requests_client import OAuth2Session
from keycloak import KeycloakOpenID

REALM = "introspect-e2e"


def test_introspect_and_revoke_with_python_keycloak_and_authlib(portcullis):
    admin = portcullis.keycloak_admin()
    admin.create_realm(payload={"realm": REALM, "enabled": True}, skip_exists=True)
    admin.change_current_realm(REALM)
    for cid, secret in [("orders", "orders-secret"), ("gateway", "gateway-secret")]:
        admin.create_client(
            payload={"clientId": cid, "secret": secret, "publicClient": False, "serviceAccountsEnabled": True},
            skip_exists=True,
        )

    service = OAuth2Session("orders", "orders-secret", token_endpoint_auth_method="client_secret_basic")
    token = service.fetch_token(portcullis.token_url(REALM), grant_type="client_credentials")["access_token"]

    # The resource server (gateway) asks, the Keycloak way.
    gateway = KeycloakOpenID(
        server_url=portcullis.server_url, realm_name=REALM, client_id="gateway", client_secret_key="gateway-secret"
    )
    info = gateway.introspect(token)
    assert info["active"] is True
    assert info["client_id"] == "orders"
    assert info["token_type"] == "Bearer"

    base = portcullis.realm_url(REALM) + "/protocol/openid-connect"
    assert service.introspect_token(base + "/token/introspect", token=token).json()["active"] is True
    assert service.revoke_token(base + "/revoke", token=token, token_type_hint="access_token").status_code == 200
    assert gateway.introspect(token) == {"active": False}
    assert gateway.introspect("not-a-token") == {"active": False}
