"""A fresh clone works on a machine with no network and no ``EIE_LAB_DATA``.

The committed HEAD is cloned into a temporary folder; there, with proxies unset, an empty cache
and a network guard that refuses every connection and name lookup beyond the loopback interface,
the MNIST loader finds the copy shipped in ``data/mnist/`` and notebook 00 runs top to bottom.
The guard is a ``sitecustomize`` module on ``PYTHONPATH``, so the notebook's kernel inherits it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

GUARD = textwrap.dedent('''
    """Test guard: no network beyond loopback (installed by tests/test_offline_clone.py)."""
    import ipaddress
    import socket

    _connect, _connect_ex, _getaddrinfo = (socket.socket.connect, socket.socket.connect_ex,
                                           socket.getaddrinfo)


    def _local(host):
        if host in (None, "", "localhost"):
            return True
        try:
            return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
        except ValueError:
            return False


    def _check(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
            raise OSError(101, f"network disabled by the offline test: {address[0]}")


    def connect(self, address):
        _check(self, address)
        return _connect(self, address)


    def connect_ex(self, address):
        _check(self, address)
        return _connect_ex(self, address)


    def getaddrinfo(host, *args, **kwargs):
        if not _local(host):
            raise socket.gaierror(-2, f"network disabled by the offline test: {host}")
        return _getaddrinfo(host, *args, **kwargs)


    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
    socket.getaddrinfo = getaddrinfo
''')

SCRIPT = textwrap.dedent('''
    import os, socket, sys
    from pathlib import Path

    clone = Path.cwd().resolve()
    try:
        socket.getaddrinfo("example.invalid", 80)
        raise SystemExit("the network guard is not active")
    except OSError as exc:
        assert "network disabled" in str(exc), exc

    import eie_lab
    from eie_lab.data.mnist import load_mnist_arrays, locate_mnist

    assert Path(eie_lab.__file__).resolve().is_relative_to(clone), eie_lab.__file__
    assert locate_mnist() == clone / "data" / "mnist", locate_mnist()
    x, y, xt, yt = load_mnist_arrays()  # download allowed: it must not be needed
    assert x.shape == (60000, 784) and xt.shape == (10000, 784), (x.shape, xt.shape)
    assert sorted(set(y.tolist())) == list(range(10))

    import nbclient, nbformat

    nb_path = clone / "notebooks" / "00_welcome.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(nb_path.parent)}}).execute()
    text = "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                   for out in cell.get("outputs", []))
    assert f"MNIST found in {clone / 'data' / 'mnist'}" in text, text[-2000:]
    print("offline clone ok")
''')

PROXIES = ("http_proxy", "https_proxy", "all_proxy", "ftp_proxy", "no_proxy")


@pytest.mark.slow
@pytest.mark.notebook
def test_fresh_clone_runs_offline(tmp_path):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    pytest.importorskip("nbclient")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)],
                   check=True, capture_output=True, timeout=120)
    assert not (clone / ".venv").exists()  # nothing beyond what is committed
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(GUARD)
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in PROXIES and not k.startswith(("EIE_LAB_", "PYTEST_"))}
    env.update(PYTHONPATH=os.pathsep.join([str(guard), str(clone)]),
               EIE_LAB_CACHE=str(tmp_path / "cache"), EIE_LAB_PROGRESS="0",
               EIE_LAB_HEADLESS="1", MPLBACKEND="Agg", PYDEVD_DISABLE_FILE_VALIDATION="1",
               HOME=str(tmp_path / "home"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=clone, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-5000:]
    assert "offline clone ok" in out.stdout
    cache = tmp_path / "cache"
    assert not (cache / "mnist").exists(), "MNIST was downloaded instead of found in the clone"
