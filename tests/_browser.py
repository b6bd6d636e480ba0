"""Helpers of the real-browser tests (tests/test_browser.py, tests/test_browser_slides.py).

Playwright drives Debian's Chromium (``/usr/bin/chromium``, or ``EIE_LAB_CHROMIUM``); it never
downloads a browser. Without Chromium or Playwright a browser test is skipped with the reason, or
fails with ``EIE_LAB_REQUIRE_BROWSER=1`` (CI). :func:`lab_server` starts JupyterLab from this
Python environment on a temporary copy of some notebooks, with nothing leaving the machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("EIE_LAB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]
# Variables that would make the kernel fall back to static frames (see has_live_frontend).
HEADLESS_VARS = ("PYTEST_CURRENT_TEST", "EIE_LAB_WIDGETS", "EIE_LAB_HEADLESS",
                 "NBGRADER_EXECUTION", "JPY_SESSION_NAME")


def unavailable(reason: str):
    """Skip the test, or fail it when ``EIE_LAB_REQUIRE_BROWSER=1``."""
    if os.environ.get("EIE_LAB_REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes", "on"}:
        pytest.fail(f"{reason} [EIE_LAB_REQUIRE_BROWSER=1]")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def playwright_api():
    """Playwright's sync API, after checking that Playwright and Chromium are there (else skip,
    or fail under ``EIE_LAB_REQUIRE_BROWSER=1``); the ``sync_playwright`` fixture of conftest."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed (pip install playwright; the "
                    "browser itself comes from `apt-get install -y chromium`)")
    if not CHROMIUM.exists():
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    return sync_playwright


def launch(pw):
    """Headless Chromium (Debian's) from a started Playwright."""
    return pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


@contextlib.contextmanager
def lab_server(notebooks: list[Path], tmp_path: Path) -> Iterator[tuple[str, str]]:
    """JupyterLab on copies of ``notebooks`` in ``tmp_path/root``; yields (base URL, token).

    Settings, workspaces, runtime, config, IPython and eie-lab cache folders are fresh ones in
    ``tmp_path``; no news or update checks; the kernel runs live (no headless variables).
    """
    root = tmp_path / "root"
    root.mkdir()
    for nb in notebooks:
        shutil.copy(nb, root / nb.name)
    env = {k: v for k, v in os.environ.items() if k not in HEADLESS_VARS}
    for name in ("workspaces", "runtime", "config", "ipython", "cache"):
        (tmp_path / name).mkdir()
    # server extensions the tests do not use: a faster start
    skip = ("jupyter_lsp", "jupyter_server_terminals", "notebook",
            *(f"nbgrader.server_extensions.{n}" for n in
              ("formgrader", "assignment_list", "course_list", "validate_assignment")))
    (tmp_path / "config" / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {name: False for name in skip}}}))
    notify = tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    notify.mkdir(parents=True)  # no news / update checks: nothing leaves the machine
    (notify / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True}))
    env.update(JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"), IPYTHONDIR=str(tmp_path / "ipython"),
               EIE_LAB_CACHE=str(tmp_path / "cache"), EIE_LAB_PROGRESS="0")
    port, token = free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           "--ServerApp.port_retries=0", "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # CI runs as root
    log = open(tmp_path / "jupyter.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("jupyter lab did not start:\n"
                                + (tmp_path / "jupyter.log").read_text(errors="replace")[-3000:])
                time.sleep(0.25)
        yield base, token
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the server, and the kernel it started
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        log.close()


def wait_for_idle_kernel(base: str, token: str, name: str, timeout: float = 40) -> None:
    """Until the server has a session for the notebook whose kernel is idle."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{base}/api/sessions?token={token}", timeout=5) as r:
            sessions = json.load(r)
        if any(s.get("path", "").endswith(name)
               and (s.get("kernel") or {}).get("execution_state") == "idle" for s in sessions):
            return
        time.sleep(0.25)
    pytest.fail(f"no idle kernel for {name} after {timeout} s")


def open_and_run(page, base: str, token: str, name: str) -> None:
    """Open a notebook in JupyterLab, run all its cells, check that none raised."""
    page.set_default_timeout(30_000)
    page.goto(f"{base}/lab/tree/{name}?token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    wait_for_idle_kernel(base, token, name)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']")
    page.click(".lm-MenuBar-item:has-text('Run')")
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    select = page.locator(".jp-Dialog button:has-text('Select')")
    try:  # JupyterLab asks for a kernel when the session was not ready yet
        select.click(timeout=1500)
    except Exception:  # noqa: BLE001 - no dialog: the kernel was already attached
        pass
    n_code = page.locator(".jp-Notebook .jp-CodeCell").count()
    # every code cell has run (numbered prompt) and the kernel is idle again
    page.wait_for_function(
        """n => {
            const p = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
            const ind = document.querySelector('.jp-Notebook-ExecutionIndicator');
            return p.length === n && p.every(e => /\\[\\d+\\]/.test(e.textContent))
                && ind && ind.dataset.status === 'idle';
        }""", arg=n_code, timeout=90_000)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    tracebacks = [t for t in errors.all_inner_texts() if "Traceback" in t or "Error" in t]
    assert not tracebacks, tracebacks[:1]
