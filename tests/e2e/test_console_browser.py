"""The onboarding guide's steps 1-9 in the admin console, in headless Chromium (Debian's
chromium driven by playwright-core): once with JavaScript, taking a screenshot of each step,
and once with JavaScript disabled, since every form must work without it. Each walk ends with
a token obtained with the secret copied from the Credentials tab. With JavaScript, axe-core
checks each step's page against the WCAG 2.1 A and AA rules."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parent / "node" / "console_walk.mjs"
ROOT = Path(__file__).parents[2]


def prepare(admin, realm: str) -> None:
    """What the guide takes as given: the realm, its `codemie` scope and the roles."""
    admin.create_realm(payload={"realm": realm, "enabled": True}, skip_exists=True)
    admin.change_current_realm(realm)
    admin.create_client_scope(
        {
            "name": "codemie",
            "protocol": "openid-connect",
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
                    },
                }
            ],
        },
        skip_exists=True,
    )
    admin.create_realm_role({"name": "Developer"}, skip_exists=True)
    admin.create_realm_role({"name": "Admin"}, skip_exists=True)


@pytest.mark.parametrize("js", ["on", "off"])
def test_console_walks_the_onboarding_guide(portcullis, js):
    assert os.environ.get("JOSE_DIR"), "scripts/e2e.sh installs playwright-core and sets JOSE_DIR"
    realm = "codemie-prod" if js == "on" else "codemie-nojs"
    prepare(portcullis.keycloak_admin(), realm)
    shots = os.environ.get("CONSOLE_SCREENSHOTS", str(ROOT / "target" / "console-screenshots"))
    args = ["node", str(SCRIPT), portcullis.base_url, portcullis.admin_username, portcullis.admin_password, realm, js]
    if js == "on":
        args.append(shots)
    out = subprocess.run(args, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout)
    assert "error" not in seen, seen
    assert seen["created"] is True
    assert seen["tokenStatus"] == 200
    claims = seen["claims"]
    assert claims["azp"] == "api-demo-project"
    assert "Developer" in claims["realm_access"]["roles"]
    assert claims["applications"] == ["demo-project"]
    assert claims["email"] == "api-demo-project@domain.com"
    assert "codemie" in claims["scope"].split()
    assert seen["signedOut"] is True
    assert seen["a11y"] == [], seen["a11y"]
    if js == "on":
        assert len(list(Path(shots).glob("*.png"))) >= 10
