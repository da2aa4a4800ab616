"""Configuration: one TOML file (plus included catalogue files) read into typed, validated settings.

Every problem is reported as a :class:`~monitor.errors.ConfigError` whose message names the file,
the key and what is wrong, so ``monitor`` can refuse to start with one readable line.
"""

from __future__ import annotations

import glob
import ipaddress
import json
import logging
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from monitor.errors import ConfigError

DEFAULT_CONFIG = "monitor.toml"
DEFAULT_STORE_URL = "sqlite:///state/monitor.db"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
# Longer than any window anyone means, and far enough from datetime's year 9999 that adding one
# to a date never overflows.
MAX_DURATION = 36500 * 86400.0
MAX_SIZE = 1024**4  # 1 TB: beyond this a size is a typo, and int(float) could overflow
# How often a source may be polled: more often is rude to an official site and pointless; less
# often misses changes. A source on this machine (a test server, a local mirror) may go to 1s.
MIN_EVERY = 60.0
MAX_EVERY = 7 * 86400.0
MIN_EVERY_LOCAL = 1.0
_SOURCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_SCHEME = re.compile(r"[a-z][a-z0-9-]{0,30}")
_DURATION_EXAMPLE = 'must be a duration such as "30s", "15m", "6h" or "1d"'


def _shown(value: Any) -> str:
    """A value as the user would write it in TOML, cut short."""
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)
    if isinstance(value, bool):
        text = "true" if value else "false"
    return text if len(text) <= 60 else text[:59] + "…"


def parse_duration(value: Any) -> float | None:
    """``"30s"``, ``"15m"``, ``"6h"``, ``"1d"`` → seconds; "" → None; at most 100 years."""
    if value is None or value == "":
        return None
    seconds = _seconds(value)
    if seconds > MAX_DURATION:
        raise ValueError(f"must be at most 36500d (100 years), got {_shown(value)}")
    return seconds


def _seconds(value: Any) -> float:
    """A duration's seconds, however large. A bare number is refused: ``every = 1`` would
    otherwise mean one second without a word."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        hint = " (a bare number has no unit)" if number else ""
        raise ValueError(f"{_DURATION_EXAMPLE}, got {_shown(value)}{hint}")
    return float(match[1]) * _DURATION_UNITS[match[2]]


def parse_size(value: Any) -> int:
    """``"500KB"``, ``"25MB"`` → bytes (1 KB = 1,024 bytes); a bare number is bytes."""
    size: float
    if isinstance(value, int) and not isinstance(value, bool):
        size = value  # compared as an int: TOML's integers have no limit, floats overflow
    else:
        match = _SIZE.match(value) if isinstance(value, str) else None
        if match is None:
            raise ValueError(f'must be a size such as "500KB" or "25MB", got {_shown(value)}')
        size = float(match[1]) * _SIZE_UNITS[(match[2] or "b").lower()]
    if size > MAX_SIZE:
        raise ValueError(f'must be at most "1024GB", got {_shown(value)}')
    if int(size) <= 0:
        raise ValueError(f"must be more than 0 bytes, got {_shown(value)}")
    return int(size)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or address, IPv6 with or without brackets) is this machine's
    loopback: ``localhost``, 127.0.0.0/8, ::1."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _matching(pattern: re.Pattern[str], value: str, wanted: str) -> str:
    """``value`` if all of it matches ``pattern``; else what was ``wanted``, and what came."""
    if not pattern.fullmatch(value):
        raise ValueError(f"{wanted}, got {_shown(value)}")
    return value


def _is_local(url: str) -> bool:
    """Whether a URL names this machine."""
    try:
        return is_loopback(urlsplit(url).hostname or "")
    except ValueError:
        return False


def _required_duration(value: Any) -> float:
    seconds = parse_duration(value)
    if seconds is None:
        raise ValueError(f"{_DURATION_EXAMPLE}; it cannot be empty")
    return seconds


def _processes(value: Any) -> Any:
    """``[service] processes``: "auto" or a count, said in one sentence (a union of the two
    would make pydantic report each member, in its own words)."""
    if value == "auto" or (
        isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 64
    ):
        return value
    raise ValueError(
        f'must be "auto" or a number of worker processes from 0 to 64, got {_shown(value)}'
    )


Duration = Annotated[float, BeforeValidator(_required_duration)]
OptionalDuration = Annotated[float | None, BeforeValidator(parse_duration)]
Size = Annotated[int, BeforeValidator(parse_size)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreSettings(_Model):
    url: str = DEFAULT_STORE_URL
    lock_timeout: Duration = 30.0  # SQLite: how long a writer waits for another one


class HttpSettings(_Model):
    timeout: Duration = 20.0
    max_bytes: Size = 25 * 1024**2
    concurrency: int = Field(32, ge=1, le=1024)
    per_host: int = Field(4, ge=1, le=256)
    user_agent: str = "monitor/0.1 (policy change monitor; +https://example.org/monitor)"


class AlertSettings(_Model):
    max_age: OptionalDuration = None
    story_window: Duration = 14 * 86400.0
    topic_window: Duration = 7 * 86400.0
    # A designation story no followed list has confirmed within this is shown as unconfirmed.
    confirm_within: Duration = 90 * 86400.0


class HealthSettings(_Model):
    fail_after: int = Field(3, ge=1, le=1000)
    suspect_ratio: float = Field(0.5, ge=0.0, le=1.0)


class DeliverySettings(_Model):
    """Retries of the outbox: exponential backoff with jitter from ``retry_base`` up to
    ``retry_max``; after ``give_up_after`` a notification is recorded as failed. ``timeout``
    bounds one send (an unconfirmed send is retried, see README "Notifications")."""

    give_up_after: Duration = 24 * 3600.0
    retry_base: Duration = 30.0
    retry_max: Duration = 300.0  # SPEC: an owed alert arrives within minutes of a recovery
    timeout: Duration = 30.0


class ServiceSettings(_Model):
    """``monitor run``: how often it looks for due sources and pending alerts, and how long
    SIGTERM waits for in-flight work."""

    tick: Duration = 1.0
    deliver_every: Duration = 5.0
    grace: Duration = 8.0
    lease_margin: Duration = 60.0  # a lease outlives the request it covers by this much
    # Worker processes that parse documents and classify news items; 0: threads of this process.
    # "auto": one less than the cores (at most 4) when at least 50 sources are enabled, else 0.
    processes: Annotated[Literal["auto"] | int, BeforeValidator(_processes)] = "auto"
    # Plain RSS 2.0 / Atom 1.0 read with lxml where that agrees with feedparser on every item's
    # identity, link and date (7-10x faster); false: feedparser reads every feed.
    fast_feeds: bool = True


WEB_TOKEN_MIN = 16


class WebSettings(_Model):
    """``monitor serve``: where it listens, and the token every request must carry. The token
    is required for any address but this machine's loopback (``monitor serve`` refuses to start
    without it); set, it is required on loopback too. ``actions`` offers the two that change
    something (accept a suspect list, send a test message); they need the token even on
    loopback, where without one anyone on this machine could record removals and alert."""

    host: str = Field("127.0.0.1", min_length=1)
    port: int = Field(8080, ge=0, le=65535)  # 0: any free port (printed at start)
    token: str = ""
    actions: bool = False

    @field_validator("token")
    @classmethod
    def _long_enough(cls, token: str) -> str:
        token = token.strip()
        if token and len(token) < WEB_TOKEN_MIN:
            # The value itself is never repeated: it is a secret.
            raise ValueError(
                f"must be at least {WEB_TOKEN_MIN} characters (a long random string, such as "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'), "
                f"got {len(token)}"
            )
        return token

    @field_validator("actions")
    @classmethod
    def _need_a_token(cls, actions: bool, info: ValidationInfo) -> bool:
        # A token that failed its own check is reported there, not again here.
        if actions and info.data.get("token", "refused") == "":
            raise ValueError(
                "true needs [web] token, even on 127.0.0.1 (an action records facts that are "
                "never deleted and alerts every channel: not for anyone on this machine): "
                'set token = "${MONITOR_WEB_TOKEN}" too, or actions = false'
            )
        return actions


class Watch(_Model):
    entity: str = Field(min_length=1)
    aliases: list[str] = []


# A member ref in [[entity]] same_as / not_same_as: "SOURCE:KEY" (a source id, a colon, no space).
ENTITY_REF = re.compile(rf"^({_SOURCE_ID.pattern}):(\S.*)$")


class EntityRule(_Model):
    """An ``[[entity]]``: what name matching cannot settle. ``name`` is the entity's canonical
    name; ``aliases`` are more of its names; ``same_as`` / ``not_same_as`` items are names or
    member refs ("SOURCE:KEY", "news:NAME") that are, or are never, this entity."""

    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    same_as: tuple[str, ...] = ()
    not_same_as: tuple[str, ...] = ()

    @field_validator("aliases", "same_as", "not_same_as")
    @classmethod
    def _no_empty_item(cls, items: tuple[str, ...]) -> tuple[str, ...]:
        if any(not item.strip() for item in items):
            raise ValueError("must not hold an empty name")
        return tuple(item.strip() for item in items)

    @model_validator(mode="after")
    def _not_both(self) -> EntityRule:
        both = sorted(set(self.same_as) & set(self.not_same_as))
        if both:
            raise ValueError(f"{_shown(both[0])} is in both same_as and not_same_as")
        return self


class Topic(_Model):
    """A subject to follow in the news: by its phrases (a match is always a hit) and by meaning
    (items close to the description or an example, in any language)."""

    name: str = Field(min_length=1)
    match: list[str] = []
    description: str = ""
    examples: list[str] = []

    @model_validator(mode="after")
    def _something_to_match(self) -> Topic:
        if not (self.match or self.description.strip() or self.examples):
            raise ValueError("give match phrases, a description or examples")
        return self

    @property
    def by_meaning(self) -> bool:
        return bool(self.description.strip() or self.examples)


AlertClass = Literal["designation", "topic", "health"]


class Channel(_Model):
    name: str = Field(min_length=1)
    url: str = ""
    notify: list[AlertClass] = ["designation", "topic", "health"]

    @property
    def enabled(self) -> bool:
        return bool(self.url.strip())


ListFormat = Literal["html", "xml", "csv", "json", "feed"]
_FEED_FIELDS = ("title", "summary", "link", "published", "id")  # a list read from a feed


class Source(_Model):
    """One polled document: a news feed, or an official list read as entries."""

    id: str
    kind: Literal["feed", "list"]
    url: str
    every: float = 3600.0  # seconds; validated by _sane_every
    name: str = ""
    enabled: bool = True
    headers: dict[str, str] = {}
    max_bytes: Size | None = None
    timeout: OptionalDuration = None
    encoding: str | None = None
    fail_after: int | None = Field(None, ge=1, le=1000)
    max_age: OptionalDuration = None
    # list sources
    format: ListFormat | None = None
    jurisdiction: str | None = None
    entries: str | None = None
    key: str = "name"
    fields: dict[str, str] = {}
    namespaces: dict[str, str] = {}
    suspect_ratio: float | None = Field(None, ge=0.0, le=1.0)
    removed_when: str | None = None
    key_pattern: str | None = None  # regex: its first group (or match) of the key text is the key
    delimiter: str = ","
    header: bool = True
    skip_lines: int = Field(0, ge=0)
    sample: str | None = None  # a recorded copy of the document, for `monitor sources --check`
    # What a sane parse looks like: [fewest, most] entries, and entries (by key or name) that
    # must be there. A parse outside them is parse_suspect, never a baseline or a removal.
    expect_entries: tuple[int, int] | None = None
    expect: list[str] = []
    # Identifiers an entry carries, by scheme: {un = "un_reference"}: entity resolution merges
    # the entries of any lists that share one (monitor/entities).
    identifiers: dict[str, str] = {}

    @field_validator("identifiers")
    @classmethod
    def _schemes(cls, identifiers: dict[str, str]) -> dict[str, str]:
        for scheme in identifiers:
            _matching(
                _SCHEME,
                scheme,
                "a scheme is a short lower-case name such as un or ofac (letters, digits, '-')",
            )
        return identifiers

    @field_validator("id")
    @classmethod
    def _plain_id(cls, source_id: str) -> str:
        return _matching(
            _SOURCE_ID,
            source_id,
            "may hold letters, digits, '.', '_' and '-', must start with a letter or digit "
            "and be at most 100 characters",
        )

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not re.match(r"^https?://[^/\s]+", url):
            # The URL itself is not repeated: it may carry a password or an API key.
            scheme = url.partition("://")[0] if "://" in url else ""
            got = (
                f', got a "{scheme}" URL'
                if re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme)
                else ""
            )
            raise ValueError(f"expected an http:// or https:// URL{got}")
        return url

    @field_validator("every", mode="before")
    @classmethod
    def _sane_every(cls, value: Any, info: ValidationInfo) -> float:
        every = _seconds(value)
        if every > MAX_EVERY:
            raise ValueError(f"must be at most 7d, got {_shown(value)}")
        if _is_local(info.data.get("url", "")):
            if every < MIN_EVERY_LOCAL:
                raise ValueError(f"must be at least 1s, got {_shown(value)}")
        elif every < MIN_EVERY:
            raise ValueError(
                f"must be at least 1m, got {_shown(value)}: polling a site more often is rude "
                "(only a source on this machine, such as a test server, may go down to 1s)"
            )
        return every

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, encoding: str | None) -> str | None:
        if encoding is not None:
            import codecs

            try:
                codecs.lookup(encoding)
            except LookupError:
                raise ValueError(f"unknown encoding {encoding!r}") from None
        return encoding

    @field_validator("removed_when", "key_pattern")
    @classmethod
    def _regex(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return pattern

    @field_validator("expect_entries")
    @classmethod
    def _range(cls, bounds: tuple[int, int] | None) -> tuple[int, int] | None:
        if bounds is not None and not 0 <= bounds[0] <= bounds[1]:
            raise ValueError(f"must be [fewest, most] with 0 <= fewest <= most, got {list(bounds)}")
        return bounds

    @model_validator(mode="after")
    def _list_needs(self) -> Source:
        if self.kind == "list":
            if self.format is None:
                raise ValueError("a list source needs format (html, xml, csv, json or feed)")
            if self.format in ("html", "xml", "json") and not self.entries:
                raise ValueError(f"a {self.format} list source needs entries (the entry selector)")
            if self.format != "feed" and not self.fields:
                raise ValueError("a list source needs [source.fields]")
            if self.format != "feed" and self.key not in self.fields:
                raise ValueError(f"key {self.key!r} is not one of the fields {sorted(self.fields)}")
            fields = set(self.fields) | ({*_FEED_FIELDS} if self.format == "feed" else set())
            for scheme, field in sorted(self.identifiers.items()):
                if field not in fields:
                    raise ValueError(
                        f"identifiers.{scheme}: {_shown(field)} is not one of the fields "
                        f"{sorted(fields)}"
                    )
        elif self.format not in (None, "feed"):
            raise ValueError("format applies to list sources; a feed source is RSS or Atom")
        elif self.expect_entries is not None or self.expect:
            raise ValueError("expect_entries and expect apply to list sources")
        elif self.identifiers:
            raise ValueError("identifiers apply to list sources")
        return self

    @property
    def label(self) -> str:
        return self.name or self.id


class Settings(_Model):
    """The whole configuration, after includes and environment substitution."""

    path: Path
    store: StoreSettings = StoreSettings()
    http: HttpSettings = HttpSettings()
    alerts: AlertSettings = AlertSettings()
    health: HealthSettings = HealthSettings()
    delivery: DeliverySettings = DeliverySettings()
    service: ServiceSettings = ServiceSettings()
    web: WebSettings = WebSettings()
    watches: list[Watch] = []
    topics: list[Topic] = []
    entities: tuple[EntityRule, ...] = ()  # [[entity]], from this file and the catalogue
    channels: list[Channel] = []
    sources: list[Source] = []
    source_files: dict[str, str] = {}

    def source(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(source_id)

    def check_before_polling(self) -> None:
        """Refuse, for the commands that poll and deliver, a config with no source at all (it
        would start and watch nothing) or a channel URL apprise cannot use (every alert would
        fail). Commands that only read the store need neither, and do not load apprise."""
        if not self.sources:
            raise ConfigError(
                f"{self.path}: source: no [[source]] is configured, in this file or a file it "
                "includes: there is nothing to poll"
            )
        _check_channels(self.channels, self.path)

    @property
    def enabled_sources(self) -> list[Source]:
        return [s for s in self.sources if s.enabled]

    def fail_after(self, source: Source) -> int:
        return source.fail_after or self.health.fail_after

    def suspect_ratio(self, source: Source) -> float:
        return self.health.suspect_ratio if source.suspect_ratio is None else source.suspect_ratio

    def max_bytes(self, source: Source) -> int:
        return source.max_bytes or self.http.max_bytes

    def timeout(self, source: Source) -> float:
        return source.timeout or self.http.timeout

    def max_age(self, source: Source) -> float | None:
        return source.max_age if source.max_age is not None else self.alerts.max_age


def substitute_env(value: Any, env: Mapping[str, str], where: str) -> Any:
    """Replace ``${NAME}`` and ``${NAME:-default}`` in every string of a TOML value."""
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name, default = match[1], match[2]
            if name in env:
                return env[name]
            if default is not None:
                return default
            raise ConfigError(f"{where}: environment variable {name} is not set")

        return _ENV.sub(replace, value)
    if isinstance(value, list):
        return [
            substitute_env(
                v, env, _item_label(where, i, v) if where in _NAMED_BY else f"{where}[{i}]"
            )
            for i, v in enumerate(value)
        ]
    if isinstance(value, dict):
        return {k: substitute_env(v, env, f"{where}.{k}" if where else k) for k, v in value.items()}
    return value


def _read_toml(path: Path, env: Mapping[str, str]) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        return substitute_env(data, env, "")
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


# The key that names an item of each array of tables, so a message can say `source "x"`.
_NAMED_BY = {
    "source": "id",
    "channel": "name",
    "topic": "name",
    "watch": "entity",
    "entity": "name",
}
_PLAIN = {
    "missing": "required key is missing",
    "extra_forbidden": "unknown key",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text in quotes",
    "list_type": 'must be a list, such as ["a", "b"]',
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
    "string_too_short": "must not be empty",
    "too_short": "must not be empty",
}
_BOUNDS = {
    "greater_than_equal": ("ge", "at least"),
    "greater_than": ("gt", "more than"),
    "less_than_equal": ("le", "at most"),
    "less_than": ("lt", "less than"),
    "string_too_long": ("max_length", "at most this many characters:"),
}


def _item_label(table: str, index: int, item: Any) -> str:
    """``source "x"`` when the item has its naming key, else ``source[3]``."""
    name = item.get(_NAMED_BY.get(table, "")) if isinstance(item, dict) else None
    if isinstance(name, str) and name:
        return f"{table} {_shown(name)}"
    return f"{table}[{index}]"


def _reason(error: Any) -> str:
    """Pydantic's complaint in plain words, with the value the user wrote where it helps."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        reason = f"must be one of: {', '.join(options)}"
    elif kind in _BOUNDS:
        name, words = _BOUNDS[kind]
        reason = f"must be {words} {ctx.get(name)}"
    else:
        reason = _PLAIN.get(kind) or str(error["msg"]).replace("Input should be", "must be")
    value = error.get("input")
    if kind not in ("missing", "extra_forbidden") and isinstance(value, str | int | float):
        reason += f", got {_shown(value)}"
    return reason


def _key(loc: tuple[Any, ...], data: Any, *, missing: bool) -> str:
    """The TOML key an error is about, walking the user's own data: a part of pydantic's
    location that is not in the data (the name of a member of a union) is not a key."""
    parts: list[str] = []
    current = data
    for n, part in enumerate(loc):
        if isinstance(part, int) and isinstance(current, list) and 0 <= part < len(current):
            parts.append(f"[{part}]")
            current = current[part]
        elif isinstance(part, str) and isinstance(current, dict):
            if part not in current and not (missing and n == len(loc) - 1):
                break
            parts.append(f".{part}")
            current = current.get(part)
        else:
            break
    return "".join(parts)


def _explain(error: ValidationError, file: Path, data: Any, label: str = "") -> str:
    """One ``file: key: reason`` line per problem. ``data`` is what was validated, ``label``
    the name of its item (``source "x"``), or "" for the whole file."""
    lines = []
    for item in error.errors():
        loc = tuple(item["loc"])
        missing = item["type"] == "missing"
        prefix, current = label, data
        if not label and len(loc) >= 2 and loc[0] in _PLURAL and isinstance(loc[1], int):
            table, items = _PLURAL[loc[0]], data.get(loc[0])
            if isinstance(items, list) and loc[1] < len(items):
                prefix, current, loc = (
                    _item_label(table, loc[1], items[loc[1]]),
                    items[loc[1]],
                    loc[2:],
                )
        key = (prefix + _key(loc, current, missing=missing)).lstrip(".")
        for plural, singular in _PLURAL.items():
            if key == plural or key.startswith((f"{plural}.", f"{plural}[")):
                key = singular + key[len(plural) :]
        lines.append(f"{file}: {key or '(top level)'}: {_reason(item)}")
    return "\n".join(dict.fromkeys(lines))


def _parse_sources(raw: Any, file: Path) -> list[Source]:
    if not isinstance(raw, list):
        raise ConfigError(f"{file}: source: expected [[source]] tables")
    sources = []
    for i, item in enumerate(raw):
        label = _item_label("source", i, item)
        try:
            source = Source.model_validate(item)
        except ValidationError as exc:
            raise ConfigError(_explain(exc, file, item, label)) from None
        if source.kind == "list":
            _check_selectors(source, file, label)
        if source.sample:
            sample = (file.parent / source.sample).resolve()
            source = source.model_copy(update={"sample": str(sample)})
        sources.append(source)
    return sources


def _parse_entities(raw: Any, file: Path) -> list[tuple[EntityRule, Path]]:
    """``[[entity]]`` tables of one file, each with the file it came from."""
    if not isinstance(raw, list):
        raise ConfigError(f"{file}: entity: expected [[entity]] tables")
    rules = []
    for i, item in enumerate(raw):
        try:
            rules.append((EntityRule.model_validate(item), file))
        except ValidationError as exc:
            raise ConfigError(_explain(exc, file, item, _item_label("entity", i, item))) from None
    return rules


def _check_entities(rules: list[tuple[EntityRule, Path]], source_ids: set[str]) -> None:
    """Two [[entity]] tables with one name would be one entity with two definitions, and a
    member ref to a source that does not exist would match nothing, silently."""
    seen: dict[str, Path] = {}
    for rule, file in rules:
        label = f"entity {_shown(rule.name)}"
        if rule.name.casefold() in seen:
            first = seen[rule.name.casefold()]
            raise ConfigError(f"{file}: {label}.name: duplicate entity name, already in {first}")
        seen[rule.name.casefold()] = file
        for key in ("same_as", "not_same_as"):
            for n, item in enumerate(getattr(rule, key)):
                ref = ENTITY_REF.match(item)
                if ref and ref[1] != "news" and ref[1] not in source_ids:
                    raise ConfigError(
                        f"{file}: {label}.{key}[{n}]: {_shown(item)} names no configured source "
                        '(a member is "SOURCE:KEY" with a source id, or "news:NAME"; a name '
                        "with a colon in it needs a space after the colon)"
                    )


def _check_selectors(source: Source, file: Path, label: str) -> None:
    """A selector or path that does not compile would fail every poll: refuse it at start."""
    from monitor.sources.lists import compile_selectors  # it imports this module

    try:
        compile_selectors(source)
    except ValueError as exc:
        raise ConfigError(f"{file}: {label}.{exc}") from None


def _check_channels(channels: list[Channel], file: Path) -> None:
    """A channel URL apprise cannot use would fail every alert: refuse it at start. Only
    enabled channels are checked, so a config without channels never loads apprise."""
    enabled = [(i, c) for i, c in enumerate(channels) if c.enabled]
    if not enabled:
        return
    import apprise

    from monitor.notify import alertfile  # noqa: F401  (registers alertfile:// with apprise)
    from monitor.redact import mask_url

    for i, channel in enabled:
        url = channel.url.strip()
        added = apprise.Apprise()
        apprise_log = logging.getLogger("apprise")
        level = apprise_log.level
        apprise_log.setLevel(logging.CRITICAL)  # its complaint repeats the URL; ours masks it
        try:
            usable = added.add(url) and len(added) == 1
        finally:
            apprise_log.setLevel(level)
        if usable:
            continue
        where = f"{file}: {_item_label('channel', i, {'name': channel.name})}.url"
        scheme = urlsplit(url).scheme if "://" in url else ""
        if scheme.lower() not in apprise.NotificationManager():
            got = f'"{scheme}://" is' if scheme else "this is"
            raise ConfigError(
                f"{where}: {got} not a kind of URL apprise knows (such as mailto://, mailtos://, "
                "slack://, json://; see https://github.com/caronc/apprise/wiki)"
            )
        raise ConfigError(
            f"{where}: apprise cannot use this {scheme}:// URL ({mask_url(url)}): a part of "
            f"it is missing or malformed, or it holds more than one URL (see the apprise wiki "
            f"page for {scheme}://)"
        )


_TOP_LEVEL = {
    "include": "include",
    "store": "store",
    "http": "http",
    "alerts": "alerts",
    "health": "health",
    "delivery": "delivery",
    "service": "service",
    "web": "web",
    "watch": "watches",
    "topic": "topics",
    "entity": "entities",
    "channel": "channels",
    "source": "sources",
}
_PLURAL = {
    "watches": "watch",
    "topics": "topic",
    "entities": "entity",
    "channels": "channel",
    "sources": "source",
}


def load_settings(
    path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Read the config file and everything it includes; raise ConfigError on any problem."""
    env = os.environ if env is None else env
    config_path = Path(path or env.get("MONITOR_CONFIG") or DEFAULT_CONFIG).resolve()
    data = _read_toml(config_path, env)
    unknown = sorted(set(data) - set(_TOP_LEVEL))
    if unknown:
        raise ConfigError(f"{config_path}: {unknown[0]}: unknown key")
    base = config_path.parent

    sources = _parse_sources(data.pop("source", []), config_path)
    source_files = {s.id: str(config_path) for s in sources}
    entities = _parse_entities(data.pop("entity", []), config_path)
    include = data.pop("include", [])
    if isinstance(include, str):
        include = [include]
    if not isinstance(include, list) or not all(isinstance(p, str) for p in include):
        raise ConfigError(f"{config_path}: include: expected a list of file patterns")
    for pattern in include:
        matches = sorted(glob.glob(str(base / pattern)))
        if not matches:
            raise ConfigError(
                f"{config_path}: include: no file matches {_shown(pattern)} (looked in {base})"
            )
        for match in matches:
            file = Path(match)
            included = _read_toml(file, env)
            extra = sorted(set(included) - {"source", "entity"})
            if extra:
                raise ConfigError(
                    f"{file}: {extra[0]}: a catalogue file holds only [[source]] and [[entity]]"
                )
            entities += _parse_entities(included.get("entity", []), file)
            for source in _parse_sources(included.get("source", []), file):
                if source.id in source_files:
                    raise ConfigError(
                        f"{file}: {_item_label('source', 0, {'id': source.id})}.id: duplicate "
                        f"source id, already defined in {source_files[source.id]}"
                    )
                source_files[source.id] = str(file)
                sources.append(source)
    seen: set[str] = set()
    for source in sources:
        if source.id in seen:
            raise ConfigError(
                f"{config_path}: {_item_label('source', 0, {'id': source.id})}.id: "
                "duplicate source id"
            )
        seen.add(source.id)

    fields = {_TOP_LEVEL[k]: v for k, v in data.items()}
    try:
        settings = Settings.model_validate(
            {**fields, "path": config_path, "sources": [], "source_files": source_files}
        )
    except ValidationError as exc:
        raise ConfigError(_explain(exc, config_path, fields)) from None
    _check_entities(entities, {s.id for s in sources})
    names = [c.name for c in settings.channels]
    if len(names) != len(set(names)):
        duplicate = next(n for n in names if names.count(n) > 1)
        raise ConfigError(
            f"{config_path}: {_item_label('channel', 0, {'name': duplicate})}.name: "
            "duplicate channel name"
        )
    store_url = _resolve_sqlite(settings.store.url, base)
    return settings.model_copy(
        update={
            "sources": sources,
            "entities": tuple(rule for rule, _ in entities),
            "store": settings.store.model_copy(update={"url": store_url}),
        },
        deep=False,
    )


def _resolve_sqlite(url: str, base: Path) -> str:
    """Make a relative ``sqlite:///`` path relative to the config file's folder."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith("sqlite:////"):
        rest = url[len(prefix) :]
        if rest and rest != ":memory:" and not rest.startswith("file:"):
            return prefix + str((base / rest).resolve())
    return url
