"""JWT client authentication (RFC 7523) with Authlib's PrivateKeyJWT and ClientSecretJWT:
clients set up through python-keycloak the way Keycloak's "Signed JWT" and "Signed JWT
with client secret" authenticators are (clientAuthenticatorType, jwks.string / jwks.url),
tokens verified with PyJWT, and a replayed assertion refused."""

from __future__ import annotations

import http.server
import json
import threading

import jwt
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import ClientSecretJWT, PrivateKeyJWT
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc.jwk import ECKey, RSAKey

REALM = "jwt-auth-e2e"


def signing_key(private_key, kid: str):
    """The key as Authlib takes it: a joserfc key (PEM strings are deprecated)."""
    data = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    kind = RSAKey if isinstance(private_key, rsa.RSAPrivateKey) else ECKey
    return kind.import_key(data, {"kid": kid})


def public_jwk(private_key, kid: str, alg: str) -> dict:
    algorithm = jwt.algorithms.RSAAlgorithm if alg.startswith(("RS", "PS")) else jwt.algorithms.ECAlgorithm
    key = algorithm.to_jwk(private_key.public_key(), as_dict=True)
    return {**key, "kid": kid, "use": "sig"}


@pytest.fixture(scope="module")
def admin(portcullis):
    admin = portcullis.keycloak_admin()
    admin.create_realm(payload={"realm": REALM, "enabled": True}, skip_exists=True)
    admin.change_current_realm(REALM)
    return admin


def check_token(portcullis, token: dict, client_id: str, alg: str = "RS256") -> None:
    assert token["token_type"] == "Bearer"
    signing_key = jwt.PyJWKClient(portcullis.certs_url(REALM)).get_signing_key_from_jwt(token["access_token"])
    claims = jwt.decode(
        token["access_token"], signing_key.key, algorithms=[alg], options={"verify_aud": False},
        issuer=portcullis.realm_url(REALM),
    )
    assert claims["azp"] == client_id


@pytest.mark.parametrize("alg", ["RS256", "PS256"])
def test_private_key_jwt_with_inline_jwks(portcullis, admin, alg):
    client_id = f"signed-{alg.lower()}"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    admin.create_client(
        payload={
            "clientId": client_id,
            "publicClient": False,
            "serviceAccountsEnabled": True,
            "clientAuthenticatorType": "client-jwt",
            "attributes": {
                "use.jwks.string": "true",
                "jwks.string": json.dumps({"keys": [public_jwk(key, "k1", alg)]}),
                "token.endpoint.auth.signing.alg": alg,
                # Its tokens signed with the same algorithm (a realm key of it is made).
                "access.token.signed.response.alg": alg,
            },
        },
        skip_exists=True,
    )
    token_url = portcullis.token_url(REALM)
    sent: list[requests.PreparedRequest] = []
    session = OAuth2Session(client_id, signing_key(key, "k1"), token_endpoint_auth_method=PrivateKeyJWT(token_url, alg=alg))
    session.hooks["response"].append(lambda r, *a, **k: sent.append(r.request))
    check_token(portcullis, session.fetch_token(token_url, grant_type="client_credentials"), client_id, alg)
    assert "client_assertion=" in sent[0].body and "Authorization" not in sent[0].headers

    # The same assertion again: refused, RFC 7523 §3 item 7.
    replay = requests.post(
        token_url, data=sent[0].body, headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10
    )
    assert replay.status_code == 401
    assert replay.json()["error"] == "invalid_client"

    # Another key, or the client secret methods, are not this client's.
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    stranger = OAuth2Session(client_id, signing_key(other, "k1"), token_endpoint_auth_method=PrivateKeyJWT(token_url, alg=alg))
    with pytest.raises(Exception) as err:
        stranger.fetch_token(token_url, grant_type="client_credentials")
    assert "invalid_client" in str(err.value)
    basic = requests.post(token_url, data={"grant_type": "client_credentials"}, auth=(client_id, "guess"), timeout=10)
    assert basic.status_code == 401


def test_private_key_jwt_es256_with_jwks_url(portcullis, admin):
    key = ec.generate_private_key(ec.SECP256R1())
    body = json.dumps({"keys": [public_jwk(key, "ec-1", "ES256")]}).encode()

    class Jwks(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        admin.create_client(
            payload={
                "clientId": "signed-es256",
                "publicClient": False,
                "serviceAccountsEnabled": True,
                "clientAuthenticatorType": "client-jwt",
                "attributes": {"use.jwks.url": "true", "jwks.url": f"http://127.0.0.1:{server.server_port}/jwks"},
            },
            skip_exists=True,
        )
        token_url = portcullis.token_url(REALM)
        session = OAuth2Session(
            "signed-es256", signing_key(key, "ec-1"), token_endpoint_auth_method=PrivateKeyJWT(token_url, alg="ES256")
        )
        check_token(portcullis, session.fetch_token(token_url, grant_type="client_credentials"), "signed-es256")
    finally:
        server.shutdown()


def test_client_secret_jwt(portcullis, admin):
    secret = "a-shared-secret-of-32-characters"
    admin.create_client(
        payload={
            "clientId": "hmac-signed",
            "secret": secret,
            "publicClient": False,
            "serviceAccountsEnabled": True,
            "clientAuthenticatorType": "client-secret-jwt",
        },
        skip_exists=True,
    )
    token_url = portcullis.token_url(REALM)
    session = OAuth2Session("hmac-signed", secret, token_endpoint_auth_method=ClientSecretJWT(token_url))
    check_token(portcullis, session.fetch_token(token_url, grant_type="client_credentials"), "hmac-signed")
    wrong = OAuth2Session("hmac-signed", "not-the-secret", token_endpoint_auth_method=ClientSecretJWT(token_url))
    with pytest.raises(Exception) as err:
        wrong.fetch_token(token_url, grant_type="client_credentials")
    assert "invalid_client" in str(err.value)

    meta = requests.get(f"{portcullis.realm_url(REALM)}/.well-known/openid-configuration", timeout=10).json()
    assert {"private_key_jwt", "client_secret_jwt"} <= set(meta["token_endpoint_auth_methods_supported"])
