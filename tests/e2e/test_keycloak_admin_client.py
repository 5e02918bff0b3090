"""The official Keycloak admin client for Node (@keycloak/keycloak-admin-client) walks the
onboarding guide against Portcullis: realm, client scope with a mapper, role, client,
default scope, service-account role and user, secret, then a token with it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).parent / "node" / "admin_journey.mjs"


def test_keycloak_admin_client_onboarding_journey(portcullis):
    assert os.environ.get("JOSE_DIR"), "scripts/e2e.sh installs the node packages and sets JOSE_DIR"
    out = subprocess.run(
        [
            "node",
            str(SCRIPT),
            portcullis.base_url,
            portcullis.admin_username,
            portcullis.admin_password,
            "kc-admin-node",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout)
    assert seen["realm"] == "kc-admin-node"
    assert seen["found"] == [seen["clientId"]]
    assert seen["duplicate"] == 409
    assert "codemie" in seen["defaultScopes"]
    assert "Developer" in seen["roles"]
    assert seen["user"] == {
        "username": "service-account-api-demo-project",
        "email": "api-demo-project@domain.com",
        "attributes": {"applications": ["demo-project"]},
    }
    assert seen["secretChanged"] is True
    assert seen["tokenStatus"] == 200
    claims = seen["claims"]
    assert claims["azp"] == "api-demo-project"
    assert "Developer" in claims["realm_access"]["roles"]
    assert claims["applications"] == ["demo-project"]
    assert "codemie" in claims["scope"].split()
    assert seen["afterDelete"] == 0
