"""``kinetor serve``: the browser app (Shiny for Python) over the project store."""

from __future__ import annotations

import math
import os

import typer

from kinetor.cli import _common


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)


def serve_command(
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        help="Address to listen on; anything "
        "but a loopback address needs --auth token or accounts.",
    ),
    port: int = typer.Option(8050, "--port", min=1, max=65535, help="Port (1-65535)."),
    store: str | None = typer.Option(
        None,
        "--store",
        help="Store URL or SQLite file (default: KINETOR_STORE, else your data folder).",
    ),
    auth: str = typer.Option(
        "none", "--auth", help="none (local only), token, or accounts (kinetor store add-user)."
    ),
    token: str | None = typer.Option(
        None,
        "--token",
        help="Access token for --auth token; prefer KINETOR_TOKEN (a command line is "
        "visible to other users in ps).",
    ),
    max_upload_mb: float = typer.Option(50.0, "--max-upload-mb", help="Largest upload (MB)."),
    workers: int | None = typer.Option(
        None, "--workers", min=1, help="Worker processes for analyses (default: CPU count)."
    ),
) -> None:
    """Run the browser app (Studies, NCA, PK simulation, Pathway explorer, Virtual
    xenograft, Compound library) at http://HOST:PORT."""
    try:
        import shiny  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        from kinetor.errors import KinetorError

        raise KinetorError("kinetor serve needs Shiny: pip install 'kinetor[web]'") from None
    from kinetor.web import ServeConfig, ServeRefused, check_bind, serve

    if not (math.isfinite(max_upload_mb) and max_upload_mb > 0):
        raise typer.BadParameter(
            f"{max_upload_mb:g}: give a positive number of MB", param_hint="--max-upload-mb"
        )
    cfg = ServeConfig(
        host=host,
        port=port,
        store=store,
        auth=auth,
        token=token or os.environ.get("KINETOR_TOKEN"),
        max_upload_mb=max_upload_mb,
        workers=workers,
    )
    if os.environ.get("KINETOR_SECRET"):
        cfg.secret = os.environ["KINETOR_SECRET"].encode()
    from kinetor.cli.store import open_store
    from kinetor.store._engine import display_url

    try:
        check_bind(cfg)  # before opening anything: a refused bind changes nothing
        # accounts need a store that has them: never create an empty one to refuse it
        store_obj = open_store(store, create=auth != "accounts")
        check_bind(cfg, store_obj)
    except ServeRefused as exc:
        raise typer.BadParameter(str(exc), param_hint="--host/--auth") from None
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host  # IPv6
    _common.info(
        f"kinetor serve: http://{shown}:{port} (auth: {auth}, store: "
        f"{display_url(store_obj.url)}); Ctrl+C to stop"
    )
    serve(cfg, store_obj)
