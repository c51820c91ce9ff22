"""The one live-server harness of the tests: uvicorn on a free loopback port, in a thread of the
test process, for what needs a real socket and real worker processes (query and page workers,
concurrent clients, browsers). Routes that need neither use the in-process ``app_client`` fixture
of ``conftest.py``."""

from __future__ import annotations

import socket
import threading
import time
from typing import Self

import httpx
import uvicorn

from registry.web.clients import server_options


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """``app`` (an ASGI app, usually ``create_app(settings)``) served on 127.0.0.1."""

    def __init__(self, app, port: int | None = None) -> None:
        self.app = app
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.base = self.url + "/"
        # proxy headers as `passports serve` reads them (PASSPORTS_TRUSTED_PROXIES)
        options = server_options(getattr(app.state, "settings", None))
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning", lifespan="on", **options))
        self.thread = threading.Thread(target=self.server.run, daemon=True, name="uvicorn")

    def __enter__(self) -> Self:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        pool = getattr(self.app.state, "query_pool", None)
        if pool is not None and not pool.wait_ready(60):
            raise RuntimeError("the query workers did not start")
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(30)

    @property
    def settings(self):
        return self.app.state.settings

    @property
    def registry(self):
        return self.app.state.registry

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=kwargs.pop("timeout", 30), **kwargs)


def serve(settings, port: int | None = None) -> LiveServer:
    """The whole registry app for ``settings``, ready to be entered (``with serve(s) as srv:``)."""
    from registry.web.app import create_app

    return LiveServer(create_app(settings), port)


def serve_at_own_address(data_dir, **settings) -> LiveServer:
    """The registry app whose base IRI is the server's own loopback address (links resolve)."""
    from registry.core.settings import Settings

    port = free_port()
    return serve(Settings(data_dir=data_dir, base_iri=f"http://127.0.0.1:{port}/", **settings), port)
