"""Delegated administration the Keycloak way, through python-keycloak: the master admin
gives a user of realm `delegated` the realm-management role `realm-admin`
(get_client_role + assign_client_role); that user then logs in to its own realm with
python-keycloak and administers it, and is refused another realm."""

from __future__ import annotations

import pytest
from keycloak import KeycloakAdmin
from keycloak.exceptions import KeycloakError

REALM = "delegated"


def test_realm_admin_with_python_keycloak(portcullis):
    master = portcullis.keycloak_admin()
    master.create_realm(payload={"realm": REALM, "enabled": True}, skip_exists=True)
    master.create_realm(payload={"realm": "elsewhere", "enabled": True}, skip_exists=True)
    master.change_current_realm(REALM)
    user_id = master.create_user(
        {"username": "ops", "enabled": True, "credentials": [{"type": "password", "value": "ops-pw", "temporary": False}]},
        exist_ok=True,
    )
    rm = master.get_client_id("realm-management")
    role = master.get_client_role(client_id=rm, role_name="realm-admin")
    master.assign_client_role(user_id=user_id, client_id=rm, roles=[role])
    assert [r["name"] for r in master.get_client_roles_of_user(user_id=user_id, client_id=rm)] == ["realm-admin"]

    ops = KeycloakAdmin(
        server_url=portcullis.server_url,
        username="ops",
        password="ops-pw",
        realm_name=REALM,
        user_realm_name=REALM,
    )
    cid = ops.create_client(payload={"clientId": "made-by-ops", "serviceAccountsEnabled": True}, skip_exists=True)
    assert ops.get_client(cid)["clientId"] == "made-by-ops"
    assert [r["realm"] for r in ops.get_realms()] == [REALM]

    ops.change_current_realm("elsewhere")
    with pytest.raises(KeycloakError) as refused:
        ops.get_clients()
    assert refused.value.response_code == 403
