"""Sign-in, sessions, CSRF and request limits around the Shiny app (ASGI middleware).

* Sessions: an HMAC-signed cookie (``HttpOnly``, ``SameSite=Strict``) naming the user,
  the auth mode, a per-session nonce and a hash of the credential (the token, or the
  account's password hash): a new token or password, another auth mode or signing out
  ends the session. The signing key is random per server start unless
  ``KINETOR_SECRET`` is set.
* Without sign-in (``--auth none``) only requests addressed to a loopback name
  (``localhost``, 127.0.0.0/8, ``::1``) in their ``Host`` are served (DNS rebinding).
* CSRF: the sign-in and sign-out forms and the JSON API's POST routes carry a token
  bound to the session (``X-CSRF-Token`` header for the API; bearer-token clients are
  exempt: a browser never sends that header across sites). The Shiny websocket is
  refused when its ``Origin`` is another site (cross-site websocket hijacking).
* Uploads: request bodies above the limit are refused (413) before they are read.
* Sign-in throttle: after ``MAX_FAILS`` failed sign-ins to one account (or to the
  token) this server process refuses every sign-in to it for ``LOCK_S`` seconds (429),
  the right password included; a successful sign-in clears the count.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import math
import secrets
import time
from urllib.parse import parse_qs, urlsplit

from kinetor.web.config import ServeConfig, is_local

COOKIE = "kinetor_session"
MAX_FAILS, LOCK_S = 5, 60.0
_MAX_TRACKED = 10_000  # accounts whose failures are remembered at once (memory bound)
_clock = time.monotonic
PUBLIC = ("/login", "/favicon.ico")
_MAX_AGE = 12 * 3600


def same_secret(sent: str | bytes, expected: str | bytes) -> bool:
    """Constant-time comparison of two secrets as UTF-8 bytes: any text (a non-ASCII
    token, a header byte above 0x7f) compares, equal or not, and never raises."""

    def raw(v: str | bytes) -> bytes:
        return v if isinstance(v, bytes) else v.encode("utf-8", "surrogatepass")

    return hmac.compare_digest(raw(sent), raw(expected))


def _sign(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def _credential(cfg: ServeConfig, store, user: str) -> str | None:
    """A keyed hash of what the user signed in with (None: nothing to sign in with)."""
    if cfg.auth == "token":
        secret = cfg.token
    elif cfg.auth == "accounts":
        secret = store.password_hash(user) if store is not None else None
    else:
        secret = ""
    if secret is None:
        return None
    return _sign(cfg.secret, f"credential:{cfg.auth}\n{user}\n{secret}")[:32]


def make_session(cfg: ServeConfig, user: str, store=None) -> str:
    """A signed session value: user, expiry, auth mode, nonce, credential hash."""
    fields = [
        user,
        str(int(time.time()) + _MAX_AGE),
        cfg.auth,
        secrets.token_urlsafe(12),
        _credential(cfg, store, user) or "",
    ]
    body = base64.urlsafe_b64encode("\n".join(fields).encode()).decode()
    return f"{body}.{_sign(cfg.secret, body)}"


def _fields(cfg: ServeConfig, value: str | None) -> list[str] | None:
    """The fields of a session value with a valid signature (None otherwise)."""
    if not value or "." not in value:
        return None
    body, sig = value.rsplit(".", 1)
    if not same_secret(sig, _sign(cfg.secret, body)):
        return None
    try:
        fields = base64.urlsafe_b64decode(body.encode()).decode().split("\n")
    except (ValueError, UnicodeDecodeError):
        return None
    return fields if len(fields) == 5 and fields[1].isdigit() else None


def read_session(cfg: ServeConfig, value: str | None, store=None) -> str | None:
    """The user of a valid session cookie: signed, unexpired, made in this auth mode with
    the current credential, not signed out (None otherwise)."""
    fields = _fields(cfg, value)
    if fields is None:
        return None
    user, expiry, auth, nonce, cred = fields
    if int(expiry) <= time.time() or auth != cfg.auth or nonce in cfg.signed_out:
        return None
    now = _credential(cfg, store, user)
    return user if now is not None and same_secret(cred, now) else None


def end_session(cfg: ServeConfig, value: str | None) -> None:
    """Sign a session out: its nonce is refused until the session would have expired."""
    fields = _fields(cfg, value)
    t = time.time()
    for nonce, expiry in list(cfg.signed_out.items()):
        if expiry <= t:
            del cfg.signed_out[nonce]
    if fields is not None:
        cfg.signed_out[fields[3]] = int(fields[1])


def csrf_token(cfg: ServeConfig, session_value: str) -> str:
    """The CSRF token of a session (or of a pre-sign-in nonce)."""
    return _sign(cfg.secret, "csrf:" + session_value)


def _cookies(headers: dict[bytes, bytes]) -> dict[str, str]:
    out = {}
    for part in headers.get(b"cookie", b"").decode("latin-1").split(";"):
        k, sep, v = part.strip().partition("=")
        if sep:
            out[k] = v
    return out


class Guard:
    """ASGI middleware: who is this (scope ``kinetor_user``), may they pass, body limit."""

    def __init__(self, app, cfg: ServeConfig, store):
        self.app, self.cfg, self.store = app, cfg, store

    def user_of(self, scope) -> str | None:
        headers = dict(scope.get("headers") or [])
        if self.cfg.auth == "none":
            return self.cfg.local_user
        auth = headers.get(b"authorization", b"")
        if self.cfg.auth == "token" and auth.startswith(b"Bearer ") and self.cfg.token:
            # throttled as the sign-in form: a wrong token counts, a locked one is refused
            ok = not _locked_for(self.cfg, "token") and same_secret(
                auth[7:].strip(), self.cfg.token
            )
            _count_attempt(self.cfg, "token", ok)
            if ok:  # the token's UTF-8 bytes
                scope["kinetor_bearer"] = True
                return "token"
        return read_session(self.cfg, _cookies(headers).get(COOKIE), self.store)

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        path = scope.get("path", "")
        if self.cfg.auth == "none" and not _local_host(headers.get(b"host", b"")):
            # a page of another site whose name now resolves to 127.0.0.1 (DNS rebinding)
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 4403})
            return await _plain(
                send,
                421,
                "this server without sign-in answers only requests to localhost or "
                "127.0.0.1; use --auth token or accounts to serve other names",
            )
        if scope["type"] == "websocket":
            origin = headers.get(b"origin", b"").decode("latin-1")
            host = headers.get(b"host", b"").decode("latin-1")
            if origin and urlsplit(origin).netloc != host:
                return await send({"type": "websocket.close", "code": 4403})
        user = self.user_of(scope)
        if user is None and not path.startswith(PUBLIC):
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 4401})
            if path.startswith("/api/"):
                return await _plain(send, 401, "sign in first")
            return await _redirect(send, "/login")
        scope["kinetor_user"] = user
        if scope["type"] == "http" and scope.get("method") in ("POST", "PUT"):
            try:
                length = int(headers.get(b"content-length", b"0") or 0)
            except ValueError:
                return await _plain(send, 400, "bad Content-Length")
            if length > self.cfg.max_upload_bytes:
                return await _plain(
                    send,
                    413,
                    f"upload larger than the server's limit of {self.cfg.max_upload_mb:g} MB",
                )
            receive = _capped(receive, self.cfg.max_upload_bytes)
        return await self.app(scope, receive, _with_headers(send))


def _local_host(value: bytes) -> bool:
    """True when a ``Host`` header names a loopback name or address (any port)."""
    host = value.decode("latin-1").strip()
    if host.startswith("["):  # [::1]:8050
        host = host[1 : host.find("]")] if "]" in host else ""
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    return bool(host) and is_local(host)


def _capped(receive, limit: int):
    seen = 0

    async def inner():
        nonlocal seen
        msg = await receive()
        if msg["type"] == "http.request":
            seen += len(msg.get("body", b""))
            if seen > limit:
                raise ValueError("request body over the upload limit")
        return msg

    return inner


def _with_headers(send):
    async def inner(msg):
        if msg["type"] == "http.response.start":
            extra = [
                (b"x-frame-options", b"DENY"),
                (b"x-content-type-options", b"nosniff"),
                (b"referrer-policy", b"no-referrer"),
            ]
            msg = {**msg, "headers": [*msg.get("headers", []), *extra]}
        await send(msg)

    return inner


async def _plain(send, status: int, text: str, headers=()):
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), *headers],
        }
    )
    await send({"type": "http.response.body", "body": text.encode()})


async def _redirect(send, where: str, headers=()):
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [(b"location", where.encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": b""})


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _locked_for(cfg: ServeConfig, key: str) -> float:
    """Seconds a sign-in to ``key`` is still refused (0: it may be tried)."""
    rec = cfg.failed_logins.get(key)
    return max(0.0, rec[1] - _clock()) if rec else 0.0


def _count_attempt(cfg: ServeConfig, key: str, ok: bool) -> None:
    """Count a failed sign-in to ``key`` (the ``MAX_FAILS``-th locks it for ``LOCK_S``
    seconds); a successful one forgets its failures."""
    fails = cfg.failed_logins
    if ok:
        fails.pop(key, None)
        return
    now = _clock()
    if key not in fails and len(fails) >= _MAX_TRACKED:
        for k in [k for k, (n, until) in fails.items() if until <= now][: _MAX_TRACKED // 2]:
            del fails[k]  # unlocked accounts first; then the oldest entries
        while len(fails) >= _MAX_TRACKED:
            del fails[next(iter(fails))]
    n, until = fails.get(key, [0.0, 0.0])
    n = n + 1
    fails[key] = [0.0, now + LOCK_S] if n >= MAX_FAILS else [n, until]


def login_page(cfg: ServeConfig, nonce: str, message: str = "") -> str:
    """The sign-in form (every text escaped; the CSRF token bound to a cookie nonce)."""
    user_field = (
        '<label>User <input name="user" id="user" autocomplete="username"></label><br>'
        if cfg.auth == "accounts"
        else ""
    )
    secret = "Password" if cfg.auth == "accounts" else "Access token"
    msg = f'<p class="err" id="login-error">{html.escape(message)}</p>' if message else ""
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>kinetor: sign in</title>
<style>body{{font-family:sans-serif;max-width:24em;margin:4em auto}}.err{{color:#b00}}
input{{margin:.3em 0;width:100%}}</style></head><body><h1>kinetor</h1>{msg}
<form method="post" action="/login">{user_field}
<label>{secret} <input type="password" name="secret" id="secret"
 autocomplete="current-password"></label><br>
<input type="hidden" name="csrf" value="{html.escape(csrf_token(cfg, nonce))}">
<button type="submit" id="signin">Sign in</button></form></body></html>"""


async def login_route(scope, receive, send, cfg: ServeConfig, store):
    """GET: the form (sets a nonce cookie). POST: check CSRF and credentials, then the
    session cookie and a redirect to the app."""
    if cfg.auth == "none":  # nothing to sign in to
        return await _redirect(send, "/")
    cookies = _cookies(dict(scope.get("headers") or []))
    if scope.get("method") == "POST":
        body = b""
        while True:
            msg = await receive()
            body += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        nonce = cookies.get("kinetor_nonce", "")
        if not nonce or not same_secret(form.get("csrf", ""), csrf_token(cfg, nonce)):
            return await _plain(send, 403, "the sign-in form expired: reload the page")
        secret, user = form.get("secret", ""), form.get("user", "").strip()
        # the throttle's key: a name longer than any account's (200) is kept by its hash
        key = "token" if cfg.auth == "token" else user if len(user) <= 200 else _digest(user)
        wait = _locked_for(cfg, key)
        if wait:
            return await _plain(
                send,
                429,
                f"too many failed sign-ins to this account: wait {math.ceil(wait)} s, "
                "then sign in again",
            )
        ok = False
        if cfg.auth == "token" and cfg.token:
            ok, user = same_secret(secret, cfg.token), "token"
        elif cfg.auth == "accounts":
            ok = bool(user) and store.check_password(user, secret)
        _count_attempt(cfg, key, ok)
        if ok:
            cookie = (
                f"{COOKIE}={make_session(cfg, user, store)}; HttpOnly; SameSite=Strict; "
                f"Path=/; Max-Age={_MAX_AGE}"
            )
            return await _redirect(send, "/", [(b"set-cookie", cookie.encode())])
        page = login_page(
            cfg,
            nonce,
            "wrong user name or password" if cfg.auth == "accounts" else "wrong access token",
        )
        return await _html(send, page, 401)
    nonce = secrets.token_urlsafe(16)
    cookie = f"kinetor_nonce={nonce}; HttpOnly; SameSite=Strict; Path=/login"
    return await _html(send, login_page(cfg, nonce), 200, [(b"set-cookie", cookie.encode())])


async def _html(send, page: str, status: int = 200, headers=()):
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"cache-control", b"no-store"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": page.encode()})
