"""Serve the portal with runserver and one task worker; Ctrl-C (or SIGTERM) stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the portal (runserver) together with one db_worker; stop both with Ctrl-C."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, addrport: str, **options: Any) -> None:
        manage = [sys.executable, "manage.py"]
        # Each child in its own session, so the signal handling below is the only way they stop.
        children = [
            subprocess.Popen([*manage, "db_worker"], start_new_session=True),  # noqa: S603 (fixed argv)
            subprocess.Popen([*manage, "runserver", addrport], start_new_session=True),  # noqa: S603
        ]
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.2)
        for child in children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
        self.stdout.write("Portale e worker fermati.")
