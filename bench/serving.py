"""What the web benchmarks share: a free port, and waiting for a ``junheng serve`` to answer."""

from __future__ import annotations

import socket
import time

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(base: str, *, tries: int = 300, pause: float = 0.1) -> None:
    """Return once ``base``/login answers (at most ``tries`` × ``pause`` seconds)."""
    for _ in range(tries):
        try:
            httpx.get(f"{base}/login", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(pause)
