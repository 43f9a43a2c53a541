"""An app served by a real uvicorn on loopback, in a thread, configured as `serve` does it."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from orchestrator.api.protocol import UVICORN_OPTIONS
from support.server import free_port

START_TIMEOUT_SECONDS = 60


class _ThreadServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # only the main thread may own signals
        pass


@contextlib.contextmanager
def running(app: FastAPI) -> Iterator[str]:
    """The server's base URL while the block runs; a graceful shutdown after."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, **UVICORN_OPTIONS)
    server = _ThreadServer(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT_SECONDS)
