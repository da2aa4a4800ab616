"""Who may talk to ``monitor serve``, and what every answer carries.

- **Binding.** Without ``[web] token`` the app listens only on this machine's loopback, and
  answers only requests addressed to a loopback name (a web page elsewhere that resolves its own
  name to 127.0.0.1 — DNS rebinding — gets nothing). Any other address needs the token:
  :func:`check_binding` refuses to start without it.
- **The token.** Once set, every request but the login form, the static files and ``/healthz``
  carries it: ``Authorization: Bearer TOKEN`` (scripts, feed readers), or the HttpOnly cookie the
  login form sets, which holds an HMAC of the token, never the token itself.
- **CSRF.** A POST (the login form, ``accept`` and ``notify-test``) must carry the
  random value of the ``monitor_csrf`` cookie in its ``csrf`` field (double submit), and an
  ``Origin``, when the browser sends one, naming this server.
- **Headers.** A Content-Security-Policy without inline script or style, no framing, no
  sniffing, no referrer, and nothing stored by caches.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request, cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.config import is_loopback
from monitor.errors import ConfigError

SESSION_COOKIE = "monitor_session"
CSRF_COOKIE = "monitor_csrf"
CSRF_FIELD = "csrf"
SESSION_DAYS = 7
# Paths anyone may fetch: the login form itself, its stylesheet and script, a liveness probe.
PUBLIC = ("/login", "/healthz")
PUBLIC_PREFIXES = ("/static/",)
# Answers that are data for programs: a refusal there is JSON, elsewhere a page.
DATA_PREFIXES = ("/api/", "/feeds/")

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}


def check_binding(host: str, token: str, config: Path) -> None:
    """Refuse to serve another machine without a token: the pages show what the monitor knows,
    and nothing else stands between them and the network."""
    if token or is_loopback(host):
        return
    raise ConfigError(
        f"{config}: web.token: `monitor serve --host {host}` would answer other machines, "
        'which needs a token: set [web] token = "${MONITOR_WEB_TOKEN}" in the config and '
        "MONITOR_WEB_TOKEN to a long random string (every request then carries it), "
        "or serve on 127.0.0.1"
    )


def session_value(token: str) -> str:
    """What the login cookie holds: derived from the token (a new token ends every session),
    and not the token, so a leaked cookie does not give away the API's bearer token."""
    return hmac.new(token.encode(), b"monitor web session v1", hashlib.sha256).hexdigest()


def same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def host_name(host_header: str) -> str:
    """The name in a ``Host`` header, without its port (``[::1]:8080`` → ``::1``)."""
    if host_header.startswith("["):
        return host_header[1:].partition("]")[0]
    return host_header.rpartition(":")[0] if host_header.count(":") == 1 else host_header


def safe_next(target: str | None) -> str:
    """Where a login may send the browser next: a path on this server, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def is_data_path(path: str) -> bool:
    return path.startswith(DATA_PREFIXES)


class CsrfError(Exception):
    """A POST without this browser's CSRF value, or from another origin."""


def verify_csrf(request: Request, submitted: str | None) -> None:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not same(submitted, cookie):
        raise CsrfError("the form's security value is missing or stale")
    origin = request.headers.get("origin")
    if origin and origin != "null":
        expected = f"{request.url.scheme}://{request.headers.get('host', '')}"
        if origin != expected:
            raise CsrfError(f"the form was sent from another site ({origin})")


class Guard:
    """ASGI middleware: the host check, the token, the CSRF cookie and the security headers, for
    every request (pages, API, feeds, static files and errors alike)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str,
        login_page: Callable[[Request, int], Response],
    ) -> None:
        self.app = app
        self.token = token
        self.session = session_value(token) if token else ""
        self.login_page = login_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        path: str = scope["path"]
        if not self.token and not is_loopback(host_name(headers.get("host", ""))):
            await _plain(
                400, "this server answers only requests to localhost or 127.0.0.1", scope, send
            )
            return
        cookies = cookie_parser(headers.get("cookie", ""))
        state = scope.setdefault("state", {})
        csrf = cookies.get(CSRF_COOKIE)
        fresh_csrf = None
        if not csrf:
            csrf = fresh_csrf = secrets.token_urlsafe(32)
        state["csrf"] = csrf
        state["signed_in"] = bool(self.token) and same(cookies.get(SESSION_COOKIE), self.session)
        if self.token and not self._public(path) and not self._allowed(headers, state):
            response = self._refusal(scope)
            if fresh_csrf:
                _set_csrf(response, fresh_csrf, scope)
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", []))
                present = {name.lower() for name, _ in raw}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in present:
                        raw.append((name.encode(), value.encode()))
                if b"cache-control" not in present and not path.startswith(PUBLIC_PREFIXES):
                    raw.append((b"cache-control", b"no-store"))
                if fresh_csrf:
                    raw.append((b"set-cookie", _csrf_cookie(fresh_csrf, scope).encode("latin-1")))
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _public(self, path: str) -> bool:
        return path in PUBLIC or path.startswith(PUBLIC_PREFIXES)

    def _allowed(self, headers: Headers, state: dict[str, Any]) -> bool:
        scheme, _, credential = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and same(credential.strip(), self.token):
            return True
        return bool(state["signed_in"])

    def _refusal(self, scope: Scope) -> Response:
        if is_data_path(scope["path"]):
            body = json.dumps({"detail": "a token is required: Authorization: Bearer TOKEN"})
            response = Response(body, status_code=401, media_type="application/json")
            response.headers["www-authenticate"] = 'Bearer realm="monitor"'
        else:
            response = self.login_page(Request(scope), 401)
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        response.headers["cache-control"] = "no-store"
        return response


def _csrf_cookie(value: str, scope: Scope) -> str:
    secure = "; Secure" if scope.get("scheme") == "https" else ""
    return f"{CSRF_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict{secure}"


def _set_csrf(response: Response, value: str, scope: Scope) -> None:
    response.raw_headers.append((b"set-cookie", _csrf_cookie(value, scope).encode("latin-1")))


def set_session(response: Response, token: str, request: Request) -> None:
    """The login cookie: HttpOnly (no script reads it), SameSite=Lax (a link from an alert
    e-mail still opens the page signed in; a POST from another site carries no cookie)."""
    response.set_cookie(
        SESSION_COOKIE,
        session_value(token),
        max_age=SESSION_DAYS * 86400,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


async def _plain(status: int, text: str, scope: Scope, send: Send) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8")]
    headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": text.encode()})
