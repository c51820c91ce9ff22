"""The one FastAPI app: SPARQL endpoint, linked-data URIs, write API and HTML pages."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from registry.core.settings import Settings
from registry.store.registry import Registry


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from registry.web.page_pool import PagePool
        from registry.query.pool import QueryPool

        app.state.registry = Registry.open(settings)
        app.state.query_pool = QueryPool(settings)
        app.state.page_pool = PagePool(settings) if settings.page_workers > 0 else None
        try:
            yield
        finally:
            if app.state.page_pool is not None:
                app.state.page_pool.close()
            app.state.query_pool.close()
            # no compaction on the way out: RocksDB compacts in the background while the server runs
            app.state.registry.close(compact=False)

    app = FastAPI(title="Materiaalpaspoorten-register", version="0.1.0", lifespan=lifespan,
                  description="Material passport registry of the Twente and Stedendriehoek municipalities")
    app.state.settings = settings

    from registry.web.routers import (
        imports as import_api,
        linked_data,
        pages,
        sparql as sparql_protocol,
        passports as write_api,
    )

    app.include_router(linked_data.router)  # first: the /id and /doc routes are the busiest
    app.include_router(sparql_protocol.router)
    app.include_router(write_api.router)
    app.include_router(import_api.router)
    app.include_router(pages.router)
    return app
