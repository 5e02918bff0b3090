"""Fixtures that run the real `portcullis` binary for the end-to-end tests.

The binary comes from $PORTCULLIS_BIN (default: target/debug/portcullis under the repo
root). Each fixture starts it on a free port (`--http-addr 127.0.0.1:0`) with a fresh data
directory and bootstrap admin credentials, reads the bound port from its log on stderr,
and stops it with SIGTERM at teardown, asserting a clean exit.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO_ROOT / "target" / "debug" / "portcullis"

ADMIN_USERNAME = "admin"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
LISTENING_RE = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")


@dataclass
class Portcullis:
    """A running server."""

    base_url: str  # e.g. http://127.0.0.1:PORT or http://127.0.0.1:PORT/auth (no trailing /)
    port: int
    admin_username: str
    admin_password: str
    relative_path: str
    proc: subprocess.Popen
    stderr_lines: list[str] = field(default_factory=list)

    @property
    def server_url(self) -> str:
        """The `server_url` python-keycloak expects (with trailing slash)."""
        return self.base_url + "/"

    def realm_url(self, realm: str) -> str:
        return f"{self.base_url}/realms/{realm}"

    def token_url(self, realm: str) -> str:
        return f"{self.realm_url(realm)}/protocol/openid-connect/token"

    def certs_url(self, realm: str) -> str:
        return f"{self.realm_url(realm)}/protocol/openid-connect/certs"

    def log(self) -> str:
        return "".join(self.stderr_lines)

    def keycloak_admin(self):
        """python-keycloak's admin client, signed in as the bootstrap admin of master."""
        from keycloak import KeycloakAdmin

        return KeycloakAdmin(
            server_url=self.server_url,
            username=self.admin_username,
            password=self.admin_password,
            realm_name="master",
            user_realm_name="master",
        )


def _binary() -> Path:
    path = Path(os.environ.get("PORTCULLIS_BIN", str(DEFAULT_BIN)))
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"portcullis binary not found or not executable: {path} "
                    "(build it with `cargo build -p portcullis-cli` or set PORTCULLIS_BIN)")
    return path


def _start(data_dir: Path, relative_path: str | None) -> Portcullis:
    password = secrets.token_urlsafe(18)
    env = dict(os.environ)
    env.update(
        PORTCULLIS_BOOTSTRAP_ADMIN_USERNAME=ADMIN_USERNAME,
        PORTCULLIS_BOOTSTRAP_ADMIN_PASSWORD=password,
    )
    # Flags must win over anything the caller's environment may set.
    for var in ("PORTCULLIS_PUBLIC_URL", "PORTCULLIS_DATABASE_URL", "PORTCULLIS_HTTP_RELATIVE_PATH"):
        env.pop(var, None)
    cmd = [str(_binary()), "serve", "--http-addr", "127.0.0.1:0", "--data-dir", str(data_dir)]
    if relative_path is not None:
        cmd += ["--http-relative-path", relative_path]
    proc = subprocess.Popen(
        cmd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    lines: list[str] = []
    port_found = threading.Event()
    port_box: list[int] = []

    def pump() -> None:
        # Drains stderr for the whole life of the process, so the pipe never fills.
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if not port_box:
                m = LISTENING_RE.search(line)
                if m:
                    port_box.append(int(m.group(1)))
                    port_found.set()
        port_found.set()  # EOF: the process is gone

    threading.Thread(target=pump, name="portcullis-stderr", daemon=True).start()

    if not port_found.wait(START_TIMEOUT) or not port_box:
        proc.kill()
        proc.wait(5)
        pytest.fail(f"portcullis did not report its port (rc={proc.returncode}):\n{''.join(lines)}")
    port = port_box[0]
    rel = relative_path.rstrip("/") if relative_path else ""
    server = Portcullis(
        base_url=f"http://127.0.0.1:{port}{rel}",
        port=port,
        admin_username=ADMIN_USERNAME,
        admin_password=password,
        relative_path=rel,
        proc=proc,
        stderr_lines=lines,
    )
    _wait_ready(server)
    return server


def _wait_ready(server: Portcullis) -> None:
    # Readiness polling is the only waiting the tests do.
    deadline = time.monotonic() + START_TIMEOUT
    url = f"http://127.0.0.1:{server.port}/health/ready"
    while True:
        if server.proc.poll() is not None:
            pytest.fail(f"portcullis exited early (rc={server.proc.returncode}):\n{server.log()}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            _stop(server, check=False)
            pytest.fail(f"portcullis never became ready at {url}:\n{server.log()}")
        time.sleep(0.05)


def _stop(server: Portcullis, check: bool = True) -> None:
    proc = server.proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
            if check:
                pytest.fail(f"portcullis did not stop within {STOP_TIMEOUT}s of SIGTERM:\n{server.log()}")
    if check:
        log = server.log()
        assert proc.returncode == 0, f"portcullis exited with {proc.returncode}:\n{log}"
        assert "panicked" not in log, f"portcullis panicked:\n{log}"


def _server_fixture(tmp_path_factory: pytest.TempPathFactory, relative_path: str | None):
    data_dir = tmp_path_factory.mktemp("portcullis-data")
    server = _start(data_dir, relative_path)
    try:
        yield server
    finally:
        _stop(server)


@pytest.fixture(scope="module")
def portcullis(tmp_path_factory: pytest.TempPathFactory):
    """A server with Keycloak's current URL layout (no relative path)."""
    yield from _server_fixture(tmp_path_factory, None)


@pytest.fixture(scope="module")
def portcullis_auth(tmp_path_factory: pytest.TempPathFactory):
    """A server with Keycloak's legacy layout: every route under `/auth`."""
    yield from _server_fixture(tmp_path_factory, "/auth")
