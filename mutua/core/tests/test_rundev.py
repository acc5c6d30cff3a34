"""`make run` serves the portal with a worker; Ctrl-C stops both (a real process test)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> list[int]:
    """The processes started by `pid`, and by them, from /proc (children first)."""
    found: list[int] = []
    parents = [pid]
    while parents:
        parent = parents.pop()
        result = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True)
        children = [int(p) for p in result.stdout.split()]
        found += children
        parents += children
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    """Still running (a zombie waiting for its parent counts as stopped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_rundev_serves_and_ctrl_c_stops_portal_and_worker(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # always the SQLite default
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", "MUTUA_VAR_DIR": str(tmp_path), "DJANGO_DEBUG": "1"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "rundev", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90  # generous: a loaded CI machine starts Django slowly
        status = None
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2) as r:
                    status = r.status
            except OSError:
                time.sleep(0.3)
        assert status == 200
        # Only this run's processes (its children and theirs): other servers or workers may run on the machine.
        started = descendants(proc.pid)
        commands = " ".join(command_line(pid) for pid in started)
        assert "db_worker" in commands and f"runserver 127.0.0.1:{port}" in commands  # the worker and the server
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        output = proc.communicate(timeout=20)[0].decode()
        assert "Portale e worker fermati" in output
        assert [pid for pid in started if alive(pid)] == []
    finally:
        for pid in descendants(proc.pid):  # rundev starts each child in its own process group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
