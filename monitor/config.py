"""Configuration: one TOML file (plus included catalogue files) read into typed, validated settings.

Every problem is reported as a :class:`~monitor.errors.ConfigError` whose message names the file,
the key and what is wrong, so ``monitor`` can refuse to start with one readable line.
"""

from __future__ import annotations

import glob
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
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


def parse_duration(value: Any) -> float | None:
    """``"30s"``, ``"15m"``, ``"6h"``, ``"1d"`` → seconds; a bare number is seconds; "" → None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"expected a duration like 30s, 15m, 6h or 1d, got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"expected a duration like 30s, 15m, 6h or 1d, got {value!r}")
        seconds = float(match[1]) * _DURATION_UNITS[match[2]]
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative, got {value!r}")
    return seconds


def parse_size(value: Any) -> int:
    """``"500KB"``, ``"25MB"`` → bytes (1 KB = 1,024 bytes); a bare number is bytes."""
    if isinstance(value, bool):
        raise ValueError(f"expected a size like 500KB or 25MB, got {value!r}")
    if isinstance(value, int):
        size = value
    else:
        match = _SIZE.match(str(value))
        if not match:
            raise ValueError(f"expected a size like 500KB or 25MB, got {value!r}")
        size = int(float(match[1]) * _SIZE_UNITS[(match[2] or "b").lower()])
    if size <= 0:
        raise ValueError(f"a size must be positive, got {value!r}")
    return size


def _required_duration(value: Any) -> float:
    seconds = parse_duration(value)
    if seconds is None:
        raise ValueError("a duration is required here")
    return seconds


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


class HealthSettings(_Model):
    fail_after: int = Field(3, ge=1, le=1000)
    suspect_ratio: float = Field(0.5, ge=0.0, le=1.0)


class DeliverySettings(_Model):
    """Retries of the outbox: exponential backoff with jitter from ``retry_base`` up to
    ``retry_max``; after ``give_up_after`` a notification is recorded as failed. ``timeout``
    bounds one send (an unconfirmed send is retried, see README "Notifications")."""

    give_up_after: Duration = 24 * 3600.0
    retry_base: Duration = 30.0
    retry_max: Duration = 3600.0
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
    processes: Literal["auto"] | Annotated[int, Field(ge=0, le=64)] = "auto"


class Watch(_Model):
    entity: str = Field(min_length=1)
    aliases: list[str] = []


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


class Source(_Model):
    """One polled document: a news feed, or an official list read as entries."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
    kind: Literal["feed", "list"]
    url: str
    every: Duration = 3600.0
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

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not re.match(r"^https?://[^/\s]+", url):
            raise ValueError(f"expected an http:// or https:// URL, got {url!r}")
        return url

    @field_validator("every")
    @classmethod
    def _sane_every(cls, every: float) -> float:
        if every < 1:
            raise ValueError("must be at least 1s")
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
        elif self.format not in (None, "feed"):
            raise ValueError("format applies to list sources; a feed source is RSS or Atom")
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
    watches: list[Watch] = []
    topics: list[Topic] = []
    channels: list[Channel] = []
    sources: list[Source] = []
    source_files: dict[str, str] = {}

    def source(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(source_id)

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
        return [substitute_env(v, env, f"{where}[{i}]") for i, v in enumerate(value)]
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


def _explain(error: ValidationError, file: Path, prefix: str = "") -> str:
    lines = []
    for item in error.errors():
        key = prefix
        for part in item["loc"]:
            key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif item["type"] == "missing":
            message = "required key is missing"
        lines.append(f"{file}: {key or '(top level)'}: {message}")
    return "\n".join(lines)


def _parse_sources(raw: Any, file: Path) -> list[Source]:
    if not isinstance(raw, list):
        raise ConfigError(f"{file}: source: expected [[source]] tables")
    sources = []
    for i, item in enumerate(raw):
        label = f"source[{i}]"
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            label = f"source[{i}] ({item['id']})"
        try:
            source = Source.model_validate(item)
        except ValidationError as exc:
            raise ConfigError(_explain(exc, file, label)) from None
        if source.sample:
            sample = (file.parent / source.sample).resolve()
            source = source.model_copy(update={"sample": str(sample)})
        sources.append(source)
    return sources


_TOP_LEVEL = {
    "include": "include",
    "store": "store",
    "http": "http",
    "alerts": "alerts",
    "health": "health",
    "delivery": "delivery",
    "service": "service",
    "watch": "watches",
    "topic": "topics",
    "channel": "channels",
    "source": "sources",
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
    include = data.pop("include", [])
    if isinstance(include, str):
        include = [include]
    if not isinstance(include, list) or not all(isinstance(p, str) for p in include):
        raise ConfigError(f"{config_path}: include: expected a list of file patterns")
    for pattern in include:
        matches = sorted(glob.glob(str(base / pattern)))
        if not matches and not glob.has_magic(pattern):
            raise ConfigError(f"{config_path}: include: no such file {pattern!r}")
        for match in matches:
            file = Path(match)
            included = _read_toml(file, env)
            extra = sorted(set(included) - {"source"})
            if extra:
                raise ConfigError(f"{file}: {extra[0]}: a catalogue file holds only [[source]]")
            for source in _parse_sources(included.get("source", []), file):
                if source.id in source_files:
                    raise ConfigError(
                        f"{file}: source ({source.id}).id: duplicate source id, "
                        f"already defined in {source_files[source.id]}"
                    )
                source_files[source.id] = str(file)
                sources.append(source)
    seen: set[str] = set()
    for source in sources:
        if source.id in seen:
            raise ConfigError(f"{config_path}: source ({source.id}).id: duplicate source id")
        seen.add(source.id)

    fields = {_TOP_LEVEL[k]: v for k, v in data.items()}
    try:
        settings = Settings.model_validate(
            {**fields, "path": config_path, "sources": [], "source_files": source_files}
        )
    except ValidationError as exc:
        reverse = {v: k for k, v in _TOP_LEVEL.items()}
        message = _explain(exc, config_path)
        for plural, singular in reverse.items():
            message = message.replace(f": {plural}[", f": {singular}[")
        raise ConfigError(message) from None
    names = [c.name for c in settings.channels]
    if len(names) != len(set(names)):
        duplicate = next(n for n in names if names.count(n) > 1)
        raise ConfigError(f"{config_path}: channel ({duplicate}).name: duplicate channel name")
    store_url = _resolve_sqlite(settings.store.url, base)
    return settings.model_copy(
        update={"sources": sources, "store": settings.store.model_copy(update={"url": store_url})},
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
