"""Realm JSON through python-keycloak, as Keycloak users move realms: create_realm with a
whole (hand-written, Keycloak-shaped) export, export_realm (Keycloak's partial export) and
partial_import_realm into the existing realm with SKIP and OVERWRITE."""

from __future__ import annotations

import json
from pathlib import Path

import requests

EXPORT = Path(__file__).parents[2] / "crates" / "portcullis-cli" / "tests" / "fixtures" / "keycloak-realm-export.json"
SECRET = "S3cr3t-from-keycloak-0123456789abcdef"


def test_realm_json_round_trip_with_python_keycloak(portcullis):
    admin = portcullis.keycloak_admin()
    doc = json.loads(EXPORT.read_text())
    admin.create_realm(payload=doc)
    admin.change_current_realm("codemie-prod")
    client_id = admin.get_client_id("api-demo-project")
    assert admin.get_client_secrets(client_id)["value"] == SECRET

    r = requests.post(
        portcullis.token_url("codemie-prod"),
        data={"grant_type": "client_credentials"},
        auth=("api-demo-project", SECRET),
        timeout=10,
    )
    assert r.status_code == 200, r.text

    exported = admin.export_realm(export_clients=True, export_groups_and_role=True)
    client = next(c for c in exported["clients"] if c["clientId"] == "api-demo-project")
    assert client["secret"] == "**********"
    assert "codemie" in client["defaultClientScopes"]
    assert any(r["name"] == "Admin" for r in exported["roles"]["realm"])

    partial = {
        "ifResourceExists": "SKIP",
        "roles": {"realm": [{"name": "Developer", "description": "changed"}, {"name": "Viewer"}]},
        "users": [{"username": "carol", "enabled": True, "realmRoles": ["Viewer"]}],
    }
    res = admin.partial_import_realm("codemie-prod", partial)
    assert (res["added"], res["skipped"], res["overwritten"]) == (2, 1, 0), res
    assert admin.get_realm_role("Developer")["description"] == "Sees associated projects"
    partial["ifResourceExists"] = "OVERWRITE"
    res = admin.partial_import_realm("codemie-prod", partial)
    assert res["overwritten"] == 3, res
    assert admin.get_realm_role("Developer")["description"] == "changed"
    carol = admin.get_user_id("carol")
    assert [r["name"] for r in admin.get_realm_roles_of_user(carol)] == ["Viewer"]
