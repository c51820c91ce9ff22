"""The web app (FastAPI): routers per resource, request bodies, the error handler, worker pools."""
