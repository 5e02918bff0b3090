"""A realm that keeps client secrets only as hashes, driven by python-keycloak (admin) and
Authlib (token): the secret is shown once by the regenerate call, every later read is
masked, python-keycloak's get-modify-update keeps the secret, and tokens verify."""

from __future__ import annotations

import jwt
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession

REALM = "hashed-e2e"
CLIENT = "hashed-service"
MASK = "**********"


def test_hashed_realm_with_python_keycloak_and_authlib(portcullis):
    admin = portcullis.keycloak_admin()
    admin.create_realm(
        payload={"realm": REALM, "enabled": True, "attributes": {"clientSecretStorage": "hashed"}},
        skip_exists=True,
    )
    admin.change_current_realm(REALM)
    cid = admin.create_client(
        payload={"clientId": CLIENT, "publicClient": False, "serviceAccountsEnabled": True}, skip_exists=True
    )
    assert admin.get_client_secrets(cid)["value"] == MASK
    secret = admin.generate_client_secrets(cid)["value"]
    assert secret != MASK and len(secret) == 32
    assert admin.get_client_secrets(cid)["value"] == MASK
    assert admin.get_client_secrets(cid)["notice"]

    rep = admin.get_client(cid)
    assert rep["secret"] == MASK
    rep["description"] = "changed through get-modify-update"
    admin.update_client(cid, rep)

    session = AuthlibSession(CLIENT, secret, token_endpoint_auth_method="client_secret_basic")
    token = session.fetch_token(portcullis.token_url(REALM), grant_type="client_credentials")
    key = jwt.PyJWKClient(portcullis.certs_url(REALM)).get_signing_key_from_jwt(token["access_token"])
    claims = jwt.decode(
        token["access_token"], key.key, algorithms=["RS256"], audience=CLIENT, issuer=portcullis.realm_url(REALM)
    )
    assert claims["client_id"] == CLIENT
    assert claims["azp"] == CLIENT
