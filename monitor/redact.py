"""Secrets in URLs: one way to mask a URL for printing, and to blank its secrets in log lines.

Any URL the monitor is given may carry secrets: a source's ``http://user:PASSWORD@host/feed?
apikey=KEY``, a channel's SMTP password or webhook token, a database password. The real URL is
used only to connect; everything that is printed, logged or stored shows :func:`mask_url` of it,
and the log :data:`REDACTOR` blanks the parts that :func:`secrets_of` names wherever else they
turn up (an exception's text, a library's debug line).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import SplitResult, unquote, urlsplit

HIDDEN = "****"

# Query parameters and path parts that carry a secret (also as the last word of a longer name:
# access_token, x-api-key, client_secret, X-Amz-Signature).
SECRET_NAMES = {
    "key", "apikey", "api_key", "token", "access_token", "secret", "password", "pass", "passwd",
    "pwd", "sig", "signature", "auth", "credential", "credentials", "session", "sessionid",
}  # fmt: skip
# Schemes whose path and query are a place (a page, a database), shown with only their secret
# parts hidden. In any other scheme (apprise's slack://, mailto://, json://, tgram://...) the
# path and query hold the service's tokens and settings: hidden whole.
_PLACE_SCHEMES = re.compile(r"^(https?|sqlite|postgres(ql)?|file|alertfile)(\+\w+)?$")
# Generic words of webhook paths: never secrets, so never blanked in log lines.
_GENERIC_SEGMENTS = {"services", "webhooks", "webhook", "hooks", "api", "notify", "v1", "v2"}
_WEBHOOK_MARKERS = {"hooks", "webhooks", "webhook"}
# Query parameters of apprise URLs that are settings, not secrets.
_PUBLIC_PARAMS = {
    "from", "to", "cc", "bcc", "name", "mode", "format", "method", "overflow", "retry",
    "wait", "optional", "image", "footer", "timestamp", "blocks", "smtp", "cto", "rto",
    "verify", "reply", "user",
}  # fmt: skip


@dataclass
class _Masked:
    url: str
    secrets: set[str] = field(default_factory=set)


def mask_url(url: str) -> str:
    """``url`` fit to print: its password, secret query parameters and path tokens hidden.

    ``http://u:pw@host/feed?apikey=K&lang=ru`` → ``http://u:****@host/feed?apikey=****&lang=ru``;
    a webhook (``https://hooks.slack.com/services/...``, ``.../api/webhooks/...``) keeps what
    precedes its token path; a service URL (``slack://``, ``mailtos://``) keeps scheme, user and
    host only.
    """
    return _mask(url).url


def link_base(url: str) -> str:
    """The URL a document's relative links are read against: :func:`mask_url` without the
    user, so that ``/articles/1`` in a feed fetched with a password and a key becomes a link
    anyone can follow and that holds neither."""
    parts = urlsplit(mask_url(url))
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def secrets_of(url: str) -> set[str]:
    """What :func:`mask_url` hides from ``url`` (and the whole URL): never to appear in output."""
    found = _mask(url).secrets | {url.strip()}
    return {s for s in found if len(s) >= 4}


def _mask(url: str) -> _Masked:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return _Masked("<invalid URL>", {url.strip()})
    if not parts.scheme:
        return _Masked("<invalid URL>", {url.strip()})
    masked = _Masked("")
    host = _raw_host(parts)
    place = bool(_PLACE_SCHEMES.match(parts.scheme.lower()))
    if not place and _token_host(host):
        masked.secrets.add(host)
        host = host[:2] + "…"
    user = ""
    if parts.username is not None:
        user = f"{parts.username}@"
        if parts.password is not None:
            masked.secrets |= {parts.password, unquote(parts.password)}
            user = f"{parts.username}:{HIDDEN}@"
    netloc = f"{user}{host}" + (f":{port}" if port is not None else "")
    if place:
        web = parts.scheme.lower() in ("http", "https")
        path = _mask_path(parts.path, host, masked.secrets, web=web)
        query = _mask_query(parts.query, masked.secrets, everything=False)
        fragment = _mask_query(parts.fragment, masked.secrets, everything=False)
        masked.url = f"{parts.scheme}://{netloc}{path}"
        masked.url += (f"?{query}" if parts.query else "") + (f"#{fragment}" if fragment else "")
        return masked
    for segment in parts.path.split("/"):
        if _token_like(segment):
            masked.secrets |= {segment, unquote(segment)}
    _mask_query(parts.query, masked.secrets, everything=True)
    rest = "/…" if (parts.path.strip("/") or parts.query) else ""
    masked.url = f"{parts.scheme}://{netloc}{rest}"
    return masked


def _mask_path(path: str, host: str, secrets: set[str], *, web: bool) -> str:
    """The path with its secret parts hidden: a ``key=value`` part or parameter, the part
    after one named like a secret (``/token/XYZ``), a long random token, and the whole rest
    after a webhook marker (a ``hooks.*`` host, ``/webhooks/``, ``/hooks/``). Tokens and webhooks
    only on the ``web``: a database's path is a file's."""
    segments = path.split("/")
    shown: list[str] = []
    webhook = web and host.lower().startswith("hooks.")
    after_secret = False
    for i, segment in enumerate(segments):
        if segment and webhook:
            for rest in segments[i:]:
                if rest.lower() not in _GENERIC_SEGMENTS:
                    secrets |= {rest, unquote(rest)}
            shown.append("…")
            break
        if segment and (after_secret or (web and _random_token(segment))):
            secrets |= {segment, unquote(segment)}
            segment = HIDDEN
        segment = ";".join(_mask_parameter(piece, secrets) for piece in segment.split(";"))
        after_secret = _secret_name(segment)
        webhook = webhook or (web and segment.lower() in _WEBHOOK_MARKERS)
        shown.append(segment)
    return "/".join(shown)


def _mask_parameter(piece: str, secrets: set[str]) -> str:
    """``key=value`` in a path (``/rss;key=K``, ``/key=K/``) with a secret value hidden."""
    name, separator, value = piece.partition("=")
    if not (separator and value and _secret_name(unquote(name))):
        return piece
    secrets |= {value, unquote(value)}
    return f"{name}={HIDDEN}"


def _mask_query(query: str, secrets: set[str], *, everything: bool) -> str:
    """The query with secret values hidden, as written otherwise. ``everything``: every value
    but an apprise setting counts as a secret (the query is hidden whole anyway)."""
    if not query:
        return ""
    shown = []
    for pair in query.split("&"):
        name, separator, value = pair.partition("=")
        plain = unquote(name).lstrip("+-:")
        secret = (
            plain.lower() not in _PUBLIC_PARAMS and len(value) >= 4
            if everything
            else _secret_name(plain)
        )
        if separator and value and secret:
            secrets |= {value, unquote(value), unquote(value.replace("+", " "))}
            pair = f"{name}={HIDDEN}"
        shown.append(pair)
    return "&".join(shown)


def _secret_name(name: str) -> bool:
    lowered = name.lower()
    return lowered in SECRET_NAMES or re.split(r"[-_.]", lowered)[-1] in SECRET_NAMES


def _raw_host(parts: SplitResult) -> str:
    """The host as written (``hostname`` is lower-cased; a token must keep its case)."""
    host = parts.netloc.rpartition("@")[2]
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.rpartition(":")[0] if ":" in host else host


def _token_host(host: str) -> bool:
    """slack://TOKEN/..., tgram://TOKEN/...: a "host" without a dot is a token, not a host."""
    return (
        bool(host) and "." not in host and ":" not in host and host != "localhost" and len(host) > 4
    )


def _token_like(segment: str) -> bool:
    """A part of a service URL's path that may be a token (hidden whole anyway; this decides
    what log lines blank): not a generic word, and not an all-lowercase short one."""
    if len(segment) < 6 or segment.lower() in _GENERIC_SEGMENTS:
        return False
    return bool(re.search(r"[0-9A-Z_-]", segment)) or len(segment) >= 16


def _random_token(segment: str) -> bool:
    """A part of a page's path that reads as a key: long, letters and digits, no words."""
    return (
        len(segment) >= 20
        and re.fullmatch(r"[A-Za-z0-9_\-]+", segment) is not None
        and re.search(r"[A-Za-z]", segment) is not None
        and re.search(r"[0-9]", segment) is not None
        and re.search(r"[a-z]{2,}[-_][a-z]{2,}", segment) is None  # a slug: words-and-2024
    )


class Redactor(logging.Filter):
    """Blanks known secrets in text and in every log record that passes through it."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def add(self, secrets: Iterable[str]) -> None:
        self.secrets |= set(secrets)

    def __call__(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, HIDDEN)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        clean = self(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self(record.exc_text)
        if clean != message:
            record.msg, record.args = clean, None
        return True


REDACTOR = Redactor()


def protect(urls: Iterable[str]) -> None:
    """Blank the secrets of ``urls`` in every log handler's output; keep apprise (which logs
    full URLs at its most verbose levels) and urllib3 (which logs webhook paths) at INFO+."""
    for url in urls:
        REDACTOR.add(secrets_of(url))
    for name in ("apprise", "urllib3"):
        named = logging.getLogger(name)
        if named.getEffectiveLevel() < logging.INFO:
            named.setLevel(logging.INFO)
    for handler in logging.getLogger().handlers:
        if REDACTOR not in handler.filters:
            handler.addFilter(REDACTOR)


# A URL in prose: up to a space, quote or bracket (but an IPv6 host's), without the punctuation
# that ends a sentence.
_URL_IN_TEXT = re.compile(
    r"\b[A-Za-z][A-Za-z0-9+.\-]*://(?:[^\s'\"<>`\[\]@/]*@)?(?:\[[0-9A-Fa-f:.]+\])?"
    r"[^\s'\"<>`\[\]]*?(?=[.,;:!?)]*(?:[\s'\"<>`\[\]]|$))"
)


def redact(text: str) -> str:
    """Text from an error or a library, fit to print: the known secrets blanked and every URL in
    it masked (a config error quoting a URL that was never loaded is caught here too)."""
    return _URL_IN_TEXT.sub(lambda match: mask_url(match[0]), REDACTOR(text))
