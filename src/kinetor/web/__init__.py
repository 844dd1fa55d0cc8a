"""kinetor in the browser: ``kinetor serve`` (Shiny for Python) over the project store.

Pages: Studies, NCA (click-to-exclude lambda_z points), PK simulation, Pathway explorer,
Virtual xenograft, Compound library. Long runs go to worker processes. Local by default;
a non-local address needs ``--auth token`` or ``--auth accounts``. See docs/web.md.
"""

from kinetor.web.config import ServeConfig, ServeRefused, check_bind, is_local


def build_app(cfg, store):
    """The ASGI application (see :func:`kinetor.web.app.build_app`)."""
    from kinetor.web.app import build_app as _build

    return _build(cfg, store)


def serve(cfg: ServeConfig, store=None) -> None:
    """Check the settings, open the store, and run the app until interrupted."""
    import uvicorn

    from kinetor.store import Store

    store = store if store is not None else Store(cfg.store)
    check_bind(cfg, store)
    uvicorn.run(
        build_app(cfg, store), host=cfg.host, port=cfg.port, log_level="warning", lifespan="on"
    )


__all__ = ["ServeConfig", "ServeRefused", "build_app", "check_bind", "is_local", "serve"]
