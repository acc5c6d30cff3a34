"""A client of ClamAV's daemon (clamd) for the two commands mutua uses, PING and INSTREAM (clamd(8), "COMMANDS").

Written here rather than taken from a package: the maintained Python client is GPL-2.0, which mutua's AGPL-3.0-or-later
cannot include, and the protocol is a few lines. Commands are sent in the null-terminated form (`zCOMMAND\\0`);
INSTREAM sends the content in chunks, each prefixed by its length as 4 bytes in network order, and a zero-length
chunk to end; clamd answers `stream: OK`, `stream: <signature> FOUND` or `<reason> ERROR`.
"""

from __future__ import annotations

import socket
import struct
from typing import BinaryIO

CHUNK_BYTES = 64 * 1024


class ClamdError(Exception):
    """clamd could not be reached or gave no usable answer."""


def _connect(url: str, timeout: float) -> socket.socket:
    """unix:///run/clamav/clamd.ctl (or a bare path) or tcp://host:3310."""
    try:
        if url.startswith("tcp://"):
            host, _, port = url.removeprefix("tcp://").rpartition(":")
            return socket.create_connection((host.strip("[]") or "127.0.0.1", int(port or 3310)), timeout=timeout)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(url.removeprefix("unix://"))
        return sock
    except (OSError, ValueError) as error:
        raise ClamdError(f"clamd at {url} cannot be reached: {error}") from error


def _reply(sock: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\0"):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    if not data:
        raise ClamdError("clamd closed the connection without an answer")
    return data.rstrip(b"\0").decode("utf-8", "replace").strip()


def ping(url: str, timeout: float) -> bool:
    try:
        with _connect(url, timeout) as sock:
            sock.sendall(b"zPING\0")
            return _reply(sock) == "PONG"
    except (ClamdError, OSError):
        return False


def instream(url: str, timeout: float, handle: BinaryIO) -> tuple[str, str]:
    """Stream `handle` to clamd: ("OK", ""), ("FOUND", signature) or ("ERROR", reason). Raises ClamdError."""
    try:
        with _connect(url, timeout) as sock:
            sock.sendall(b"zINSTREAM\0")
            while chunk := handle.read(CHUNK_BYTES):
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            answer = _reply(sock)
    except OSError as error:
        raise ClamdError(f"clamd at {url}: {error}") from error
    body = answer.removeprefix("stream:").strip()
    if body == "OK":
        return "OK", ""
    if body.endswith(" FOUND"):
        return "FOUND", body.removesuffix(" FOUND").strip()
    return "ERROR", body.removesuffix(" ERROR").strip() or answer
