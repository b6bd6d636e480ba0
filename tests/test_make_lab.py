"""`make lab` (the README's first command) serves the notebooks.

Starts `make lab` exactly as a user would, with --no-browser on a free loopback port and a random
token, and fetches /lab/tree/notebooks with the token (and RISE's slideshow page of notebook 00,
for lecture mode). It also checks that the lab opens without
JupyterLab's "news" toast: the front end asks about news only while the setting ``fetchNews`` of
``@jupyterlab/apputils-extension:notification`` is ``"none"`` (JupyterLab's default), and
`make lab` makes ``"false"`` the default (``overrides.json``) and serves no news feed.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_make_lab_serves_notebooks(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    if not (ROOT / ".venv" / "bin" / "jupyter").exists():
        pytest.skip("no .venv with jupyter: run `make test` (it creates one)")
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "user-settings"))  # a first-time user
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "lab", "HOST=127.0.0.1", f"PORT={port}",
         f"TOKEN={token}", "ARGS=--no-browser"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/lab/tree/notebooks?token={token}"
    try:
        deadline = time.monotonic() + 120
        body = None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                pytest.fail(f"make lab exited with {proc.returncode}:\n{out[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=5) as resp:
                    assert resp.status == 200
                    body = resp.read().decode()
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        assert body is not None, "JupyterLab did not answer within 120 s"
        assert "JupyterLab" in body or "jupyter-config-data" in body
        # the notebooks folder is listed by the contents API with the same token
        api = f"http://127.0.0.1:{port}/api/contents/notebooks?token={token}"
        with urllib.request.urlopen(api, timeout=10) as resp:
            listing = resp.read().decode()
        assert "00_welcome.ipynb" in listing
        # no news toast: fetchNews defaults to "false" (it asks only when "none"), no feed served
        notify = "@jupyterlab/apputils-extension:notification"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab/api/settings/{notify}"
                                    f"?token={token}", timeout=10) as resp:
            setting = json.loads(resp.read().decode())
        default = setting["schema"]["properties"]["fetchNews"]["default"]
        assert setting["settings"].get("fetchNews", default) == "false", setting["settings"]
        assert setting["schema"]["properties"]["checkForUpdates"]["default"] is False
        assert '"news": {"disabled": true}' in body
        # lecture mode: RISE's lab extension is loaded and its slideshow page serves a notebook
        assert '"jupyterlab-rise"' in body, "jupyterlab-rise is not installed by make lab"
        rise = f"http://127.0.0.1:{port}/rise/notebooks/00_welcome.ipynb?token={token}"
        with urllib.request.urlopen(rise, timeout=10) as resp:
            assert resp.status == 200 and '"appName": "Rise"' in resp.read().decode()
        # without the token the server refuses
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents/notebooks", timeout=10)
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """Stop make and the JupyterLab it started (one process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
