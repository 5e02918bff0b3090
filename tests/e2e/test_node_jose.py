"""Node `jose` (the JWT library of Node resource servers) verifies Portcullis tokens of
every signing algorithm against the realm's JWKS, fetched from the certs endpoint, and
refuses a tampered one. Realms and clients set up with python-keycloak."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import requests

SCRIPT = Path(__file__).parent / "node" / "verify_jwt.cjs"
ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]


def test_node_jose_verifies_every_algorithm(portcullis):
    assert os.environ.get("JOSE_DIR"), "scripts/e2e.sh installs jose and sets JOSE_DIR"
    admin = portcullis.keycloak_admin()
    realm = "jose-e2e"
    admin.create_realm(payload={"realm": realm, "enabled": True}, skip_exists=True)
    admin.change_current_realm(realm)
    tokens = []
    for alg in ALGORITHMS:
        client = f"svc-{alg.lower()}"
        admin.create_client(
            payload={
                "clientId": client,
                "secret": f"{client}-secret",
                "serviceAccountsEnabled": True,
                "attributes": {"access.token.signed.response.alg": alg},
            },
            skip_exists=True,
        )
        r = requests.post(
            portcullis.token_url(realm),
            data={"grant_type": "client_credentials"},
            auth=(client, f"{client}-secret"),
            timeout=10,
        )
        assert r.status_code == 200, r.text
        tokens.append(r.json()["access_token"])
    head, payload, sig = tokens[0].split(".")
    tampered = f"{head}.{payload}A.{sig}"
    out = subprocess.run(
        ["node", str(SCRIPT), portcullis.certs_url(realm), portcullis.realm_url(realm)],
        input=json.dumps([*tokens, tampered]),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    results = json.loads(out.stdout)
    assert [r.get("alg") for r in results[:4]] == ALGORITHMS, results
    assert all(r["ok"] for r in results[:4]), results
    assert results[4]["ok"] is False, results
