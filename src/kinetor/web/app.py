"""The browser app: Shiny pages wrapped in sign-in, CSRF and upload limits, plus a small
JSON API (upload a study, run NCA, read a result) used by scripts and the load test.

:func:`build_app` returns the ASGI application; ``kinetor serve`` runs it with uvicorn.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from shiny import App, reactive, render, ui

from kinetor.web import jobs, security, tasks
from kinetor.web._ui import Ctx
from kinetor.web.config import ServeConfig
from kinetor.web.page_models import pathway_server, pathway_ui, pk_server, pk_ui
from kinetor.web.page_nca import nca_server, nca_ui
from kinetor.web.page_studies import studies_server, studies_ui
from kinetor.web.page_study import compounds_server, compounds_ui, xenograft_server, xenograft_ui


def _page():
    return ui.page_navbar(
        ui.nav_panel("Studies", studies_ui("studies"), value="studies"),
        ui.nav_panel("NCA", nca_ui("nca"), value="nca"),
        ui.nav_panel("PK simulation", pk_ui("pk"), value="pk"),
        ui.nav_panel("Pathway explorer", pathway_ui("pathway"), value="pathway"),
        ui.nav_panel("Virtual xenograft", xenograft_ui("xeno"), value="xeno"),
        ui.nav_panel("Compound library", compounds_ui("compounds"), value="compounds"),
        ui.nav_spacer(),
        ui.nav_control(ui.output_ui("who")),
        title="kinetor",
        id="nav",
    )


def build_app(cfg: ServeConfig, store):
    """The ASGI app for ``cfg`` over ``store`` (a :class:`kinetor.store.Store`)."""

    def server(input, output, session):
        user = session.http_conn.scope.get("kinetor_user")
        if user is None:  # never fall back to another identity when auth is on
            if cfg.auth != "none":
                raise RuntimeError("websocket without a signed-in user")
            user = cfg.local_user
        ctx = Ctx(
            user=user,
            store=store,
            cfg=cfg,
            project=reactive.Value(None),
            study=reactive.Value(None),
            studies_changed=reactive.Value(0),
        )
        studies_server("studies", ctx)
        nca_server("nca", ctx)
        pk_server("pk", ctx)
        pathway_server("pathway", ctx)
        xenograft_server("xeno", ctx)
        compounds_server("compounds", ctx)

        @render.ui
        def who():
            if cfg.auth == "none":
                return ui.span(f"signed in as {user} (local)", class_="navbar-text")
            cookie = session.http_conn.cookies.get(security.COOKIE, "")
            return ui.tags.form(
                ui.span(f"{user} ", class_="navbar-text"),
                ui.tags.input(type="hidden", name="csrf", value=security.csrf_token(cfg, cookie)),
                ui.tags.button("Sign out", type="submit", class_="btn btn-sm"),
                method="post",
                action="/logout",
            )

    shiny_app = App(_page(), server)
    return security.Guard(_Router(shiny_app, cfg, store), cfg, store)


class _Router:
    """/login, /logout and /api/* here; everything else to Shiny."""

    def __init__(self, shiny_app, cfg: ServeConfig, store):
        self.shiny, self.cfg, self.store = shiny_app, cfg, store

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "") if scope["type"] in ("http", "websocket") else ""
        if scope["type"] == "lifespan":
            return await _lifespan(scope, receive, send, self.cfg)
        if scope["type"] == "http" and path == "/login":
            return await security.login_route(scope, receive, send, self.cfg, self.store)
        if scope["type"] == "http" and path == "/logout":
            return await self._logout(scope, receive, send)
        if scope["type"] == "http" and path.startswith("/api/"):
            return await _api(scope, receive, send, self.cfg, self.store)
        return await self.shiny(scope, receive, send)

    async def _logout(self, scope, receive, send):
        body = await _body(receive)
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        cookie = security._cookies(dict(scope["headers"])).get(security.COOKIE, "")
        if scope.get("method") != "POST" or not security.same_secret(
            form.get("csrf", ""), security.csrf_token(self.cfg, cookie)
        ):
            return await security._plain(send, 403, "sign out with the button in the app")
        security.end_session(self.cfg, cookie)  # the cookie is refused from now on
        gone = f"{security.COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict"
        return await security._redirect(send, "/login", [(b"set-cookie", gone.encode())])


async def _lifespan(scope, receive, send, cfg):
    while True:
        msg = await receive()
        if msg["type"] == "lifespan.startup":
            jobs.start_pool(cfg.workers)
            await send({"type": "lifespan.startup.complete"})
        elif msg["type"] == "lifespan.shutdown":
            jobs.stop_pool()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _body(receive) -> bytes:
    body = b""
    while True:
        msg = await receive()
        body += msg.get("body", b"")
        if not msg.get("more_body"):
            return body


async def _json(send, status: int, payload) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(payload).encode()})


_NCA_SHAPE = (
    'the body must be a JSON object such as {"study_id": 1, "options": {"auc_method": '
    '"linear"}, "report": false, "workbook": false} (study_id: a study id, a whole number)'
)
_SETTINGS_SHAPE = (
    'a JSON object such as {"units": {"time": "h", "conc": "ng/mL", "dose": "mg/kg"}, '
    '"roles": {"time": "Time (h)"}, "route": "PO"}; allowed keys: units, roles, route, '
    "sheet, time"
)


def _field_error(field: str, problem: str, fix: str) -> dict:
    """A 422 answer naming the field, as the validation problems are named."""
    return {
        "error": f"{field}: {problem}",
        "problems": [{"file": "", "row": "", "column": field, "problem": problem, "fix": fix}],
    }


def _studies_query(raw: bytes) -> tuple[dict, dict | None]:
    """The query of ``POST /api/studies`` (project, name, settings) or a 422 answer."""
    q = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
    for key, default in (("project", "My project"), ("name", "upload.csv")):
        q[key] = q.get(key, default).strip()
        if not q[key]:
            return q, _field_error(key, f"{key} is empty", f"give {key}=TEXT or leave it out")
    try:
        q["settings"] = json.loads(q.get("settings", "{}"))
    except ValueError:
        return q, _field_error("settings", "settings is not JSON", f"give {_SETTINGS_SHAPE}")
    return q, None


async def _api(scope, receive, send, cfg: ServeConfig, store):
    """``GET /api/csrf``; ``POST /api/studies?project=NAME&name=LABEL`` (raw file body);
    ``POST /api/nca`` ``{"study_id", "options", "report": false, "workbook": false}``;
    ``GET /api/results/ID``. POSTs need
    the session's ``X-CSRF-Token`` unless the client sent the bearer token."""
    from kinetor.errors import KinetorError
    from kinetor.store.nca import resolved_options

    user = scope["kinetor_user"]
    headers = dict(scope["headers"])
    path, method = scope["path"], scope["method"]
    cookie = security._cookies(headers).get(security.COOKIE, "")
    if path == "/api/csrf" and method == "GET":
        return await _json(send, 200, {"csrf": security.csrf_token(cfg, cookie)})
    # every POST, also on a local server without sign-in: another site open in the same
    # browser could otherwise post to 127.0.0.1 (it cannot read /api/csrf: no CORS)
    if method == "POST" and not scope.get("kinetor_bearer"):
        sent = headers.get(b"x-csrf-token", b"")
        if not security.same_secret(sent, security.csrf_token(cfg, cookie)):
            return await _json(send, 403, {"error": "missing or wrong X-CSRF-Token"})
    try:
        body = await _body(receive)
    except ValueError:
        return await _json(send, 413, {"error": "upload over the limit"})
    try:
        if path == "/api/studies" and method == "POST":
            q, bad = _studies_query(scope.get("query_string", b""))
            if bad:
                return await _json(send, 422, bad)
            check = await jobs.run(tasks.validate, body, q["name"], q["settings"])
            if not check.get("ok"):
                return await _json(send, 503 if check["error"] == jobs.WORKER_LOST else 422, check)
            pid = store.create_project(q["project"], user=user)  # once the file passed
            sid = store.add_study(pid, q["name"], body, user=user, settings=q["settings"])
            return await _json(
                send,
                200,
                {"study_id": sid, "project_id": pid, "warnings": check.get("warnings", [])},
            )
        if path == "/api/nca" and method == "POST":
            try:
                req = json.loads(body or b"{}")
            except ValueError:
                req = None
            sid = req.get("study_id") if isinstance(req, dict) else None
            if type(sid) is not int:
                return await _json(send, 422, {"error": _NCA_SHAPE})
            opts = req.get("options", {})
            try:
                opts = resolved_options(opts)  # stored with the defaults it ran with
            except KinetorError as exc:
                p = exc.problems[0]
                return await _json(send, 422, {"error": f"{p.message} ({p.fix})"})
            study = store.study(sid, user)
            out = await jobs.run(
                tasks.nca_job,
                study["data"],
                study["name"],
                study["settings"],
                opts,
                bool(req.get("report")),
                bool(req.get("workbook")),
            )
            if "error" in out:
                return await _json(send, 503 if out["error"] == jobs.WORKER_LOST else 422, out)
            rec = store.save_result(
                study["id"],
                "nca",
                opts,
                out["blobs"],
                user=user,
                input_hashes={"study_content": out["input_hash"]},
            )
            return await _json(
                send,
                200,
                {
                    "result_id": rec["id"],
                    "version": rec["version"],
                    "summary": out["summary"],
                    "not_calculated": out["not_calculated"],
                    "notes": out["notes"],
                },
            )
        if path.startswith("/api/results/") and method == "GET":
            rid = path.rsplit("/", 1)[1]
            if not (rid.isascii() and rid.isdigit()):
                return await _json(
                    send, 404, {"error": f"no result {rid!r}: a result id is a whole number"}
                )
            info = store.result(int(rid), user)
            return await _json(send, 200, json.loads(json.dumps(info, default=str)))
    except (KinetorError, KeyError, ValueError) as exc:
        return await _json(send, 404 if "visible" in str(exc) else 400, {"error": str(exc)})
    return await _json(send, 404, {"error": "no such API route"})
