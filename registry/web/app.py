"""The one FastAPI app: SPARQL endpoint, linked-data URIs, write API and HTML pages.

Every route is one router module under ``registry/web/routers/``; this module only includes them
(in the order their paths are tried) and installs the one error handler.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from registry.core.settings import Settings
from registry.model.parse_pool import ParsePool
from registry.query.pool import QueryPool
from registry.store import stored_base
from registry.store.registry import Registry
from registry.web.budget import ByteMeter
from registry.web.document_cache import DocumentCache
from registry.web.document_fill import DocumentFiller
from registry.web.document_store import DocumentStore
from registry.web.errors import install_error_handler
from registry.web.page_cache import PageCache
from registry.web.page_pool import PagePool
from registry.web.routers import catalog as catalog_router
from registry.web.routers import docs, imports, linked_data, pages, passports, sparql, valuations
from registry.web.routers import downloads as downloads_router
from registry.web.routers import feed as feed_router
from registry.web.routers import regional as regional_router
from registry.web.security import install_security


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = stored_base.resolve(settings or Settings())  # the data's own base IRI

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.registry = Registry.open(settings)
        app.state.query_pool = QueryPool(settings)
        app.state.page_pool = PagePool(settings) if settings.page_workers > 0 else None
        app.state.page_cache = PageCache(settings.data_dir, max_bytes=settings.page_cache_mib * 2**20,
                                         max_age=settings.stats_refresh) if settings.page_cache_mib > 0 else None
        app.state.document_cache = DocumentCache(settings.document_cache_mib * 2**20) \
            if settings.document_cache_mib > 0 else None
        app.state.parse_pool = ParsePool(settings) if settings.parse_workers > 0 else None
        app.state.document_store = DocumentStore.open(settings.data_dir) if settings.document_store else None
        app.state.document_filler = DocumentFiller(app.state.registry, app.state.document_store,
                                                   settings.document_fill).start() \
            if app.state.document_store is not None and settings.document_fill > 0 else None
        try:
            yield
        finally:
            if app.state.document_filler is not None:
                app.state.document_filler.stop()
            if app.state.document_store is not None:
                app.state.document_store.close()
            if app.state.page_pool is not None:
                app.state.page_pool.close()
            if app.state.parse_pool is not None:
                app.state.parse_pool.close()
            app.state.query_pool.close()
            # no compaction on the way out: RocksDB compacts in the background while the server runs
            app.state.registry.close(compact=False)

    # /docs is a route of its own (routers/docs.py: Swagger UI shipped with the site); no Redoc
    app = FastAPI(title="Materiaalpaspoorten-register", version="0.1.0", lifespan=lifespan,
                  description="Material passport registry of the Twente and Stedendriehoek municipalities",
                  docs_url=None, redoc_url=None)
    app.state.settings = settings
    install_error_handler(app)
    app.add_middleware(sparql.SparqlShortcut)  # GET /sparql without the routing (inside the two below)
    app.add_middleware(ByteMeter)  # request and response bytes of the budgeted endpoints
    install_security(app, settings)  # malformed paths, HEAD, security headers: every request
    app.include_router(linked_data.router)  # first: the /id and /doc routes are the busiest
    app.include_router(sparql.router)
    app.include_router(regional_router.router)
    app.include_router(passports.router)
    app.include_router(imports.router)
    app.include_router(valuations.router)
    app.include_router(docs.router)
    app.include_router(downloads_router.router)
    app.include_router(catalog_router.router)
    app.include_router(feed_router.router)
    app.include_router(pages.router)
    return app
