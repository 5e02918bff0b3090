"""Audit events and brute-force detection driven by python-keycloak's own calls
(set_events, get_events, get_admin_events, get_bruteforce_detection_status,
clear_all_bruteforce_attempts) and requests-oauthlib for the token requests."""

from __future__ import annotations

import json

import pytest
from oauthlib.oauth2 import BackendApplicationClient
from oauthlib.oauth2.rfc6749.errors import OAuth2Error
from requests_oauthlib import OAuth2Session

REALM = "audit-e2e"
CLIENT = "audited-service"
SECRET = "audited-service-secret-0123456789"


def _fetch(portcullis, secret: str) -> dict:
    session = OAuth2Session(client=BackendApplicationClient(client_id=CLIENT))
    return session.fetch_token(portcullis.token_url(REALM), client_id=CLIENT, client_secret=secret)


def test_events_and_lockouts_with_python_keycloak(portcullis, monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # plain HTTP on loopback
    admin = portcullis.keycloak_admin()
    admin.create_realm(payload={"realm": REALM, "enabled": True}, skip_exists=True)
    admin.change_current_realm(REALM)
    admin.set_events({"eventsEnabled": True, "adminEventsEnabled": True, "adminEventsDetailsEnabled": True})
    cid = admin.create_client(
        payload={"clientId": CLIENT, "secret": SECRET, "publicClient": False, "serviceAccountsEnabled": True},
        skip_exists=True,
    )
    admin.update_realm(REALM, {"bruteForceProtected": True, "failureFactor": 3, "quickLoginCheckMilliSeconds": 0})

    assert _fetch(portcullis, SECRET)["token_type"] == "Bearer"
    for _ in range(3):
        with pytest.raises(OAuth2Error):
            _fetch(portcullis, "guess")
    # Locked: requests-oauthlib sees a non-JSON-token answer and raises.
    with pytest.raises(Exception):
        _fetch(portcullis, SECRET)

    events = admin.get_events({"type": "CLIENT_LOGIN_ERROR"})
    assert [e["error"] for e in events][:4] == ["client_temporarily_disabled"] + ["invalid_client_credentials"] * 3
    assert all(e["clientId"] == CLIENT and e["ipAddress"] == "127.0.0.1" for e in events)
    assert [e["type"] for e in admin.get_events({"type": "CLIENT_LOGIN"})] == ["CLIENT_LOGIN"]

    admin_events = admin.get_admin_events({"resourceTypes": "CLIENT"})
    created = [e for e in admin_events if e["operationType"] == "CREATE"]
    assert created and created[0]["resourcePath"] == f"clients/{cid}"
    assert json.loads(created[0]["representation"])["secret"] == "**********"
    assert SECRET not in json.dumps(admin_events)

    # Keycloak's user-status call answers zeros for a user without failures.
    user_id = admin.create_user({"username": "carol", "enabled": True}, exist_ok=True)
    status = admin.get_bruteforce_detection_status(user_id)
    assert status["numFailures"] == 0 and status["disabled"] is False

    # Keycloak's clear-all covers users; the client's and the address's locks are lifted
    # with Portcullis's realm-wide call.
    admin.clear_all_bruteforce_attempts()
    with pytest.raises(Exception):
        _fetch(portcullis, SECRET)
    admin.connection.raw_delete(f"admin/realms/{REALM}/attack-detection/brute-force")
    assert _fetch(portcullis, SECRET)["token_type"] == "Bearer"
