"""A throwaway ``redis-server`` on loopback, for tests of state shared through Redis.

``fakeredis`` checks the commands; a real server checks that what routed-llm sends is
what Redis itself accepts (transactions, ``WATCH``, expiry). Nothing is written to disk.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

from routed_llm.errors import ConfigurationError

__all__ = ["LocalRedisServer"]


class LocalRedisServer:
    """Start ``redis-server`` on a free 127.0.0.1 port; use as a context manager.

    :meth:`available` tells a test whether the binary is installed, so it can skip with
    a reason instead of failing on machines without Redis.
    """

    def __init__(self, binary: str = "redis-server", *, startup_timeout_s: float = 10.0) -> None:
        self.binary = binary
        self.startup_timeout_s = startup_timeout_s
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available(binary: str = "redis-server") -> bool:
        return shutil.which(binary) is not None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> LocalRedisServer:
        path = shutil.which(self.binary)
        if path is None:
            raise ConfigurationError("binary", f"{self.binary!r} is not on PATH")
        self.port = _free_port()
        self._process = subprocess.Popen(
            [path, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ConfigurationError("binary", f"{path} exited with status {self._process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise ConfigurationError("startup_timeout_s", f"redis-server did not answer within {self.startup_timeout_s}s")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    def __enter__(self) -> LocalRedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
