"""The API fuzzed from its own OpenAPI document (schemathesis) against `monitor serve` as a real
process over a store the demo filled: whatever the path, the query or its filters, no answer is
a server error; each has a status, a content type, headers and a body that the document
declares; and none holds a secret of the configuration (a channel's password and token, a
source's API key, also where a stored error quotes them).

Bounded and deterministic: each operation gets a fixed number of examples, generated
derandomized (Hypothesis seeds each from the test, not from the clock) and without an example
database, so a failure here is the same failure on the next run and in CI.

Not `schemathesis.pytest.from_fixture`, which the documentation gives for a schema only known
once a fixture has run: with pytest 9.2 it fails before the first request (it sets the removed
private `Node._nodeid`). Each operation is a plain parametrized test over the operation's own
Hypothesis strategy instead, checked by the same `call_and_validate`.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis import Case, CheckContext, GenerationMode, Response
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from monitor.config import load_settings
from monitor.redact import secrets_of
from monitor.store import Store
from tests.web.conftest import play_demo
from tests.web.server import Server

pytestmark = pytest.mark.slow

EXAMPLES = 50  # per operation and kind of example: about 700 requests in all

CHANNEL_PASSWORD = "S3cretPass"
CHANNEL_TOKEN = "SeCrEtToKeN"
SOURCE_KEY = "F33dK3yF33dK3y"
CHANNEL_URL = f"json://user:{CHANNEL_PASSWORD}@127.0.0.1:9/hook?token={CHANNEL_TOKEN}"
SOURCE_URL = f"https://news.example.org/feed?lang=en&apikey={SOURCE_KEY}"
SECRET_CONFIG = f"""
[[channel]]
name = "hook"
url = "{CHANNEL_URL}"

[[source]]
id = "keyed-wire"
kind = "feed"
url = "{SOURCE_URL}"
"""
# Every text that must never be in an answer: the secrets, and all that monitor/redact.py counts
# as secret in each URL (the whole URL among them).
SECRETS = sorted(
    {CHANNEL_PASSWORD, CHANNEL_TOKEN, SOURCE_KEY} | secrets_of(CHANNEL_URL) | secrets_of(SOURCE_URL)
)


def no_secret(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A custom check: no secret of the configuration in the answer, body or headers."""
    answer = response.content.decode("utf-8", "replace") + repr(sorted(response.headers.items()))
    leaked = [secret for secret in SECRETS if secret in answer]
    if leaked:
        raise AssertionError(f"the answer holds a secret of the configuration: {leaked}")
    return None


# The stateless checks (each only where the document declares what it checks), and ours. Not
# `negative_data_rejection`: in a query a scalar and a one-element array are the same on the
# wire, so some "wrong types" for `type` (an array) go out as valid requests and are answered.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    no_secret,
]

# Not fuzzed: the live stream follows the log until the client hangs up, so no request to it
# ever has a whole answer to check (tests/web/test_api.py reads it and leaves).
STREAM = "/api/events/stream"
# Every other operation of the document. True: it takes parameters, so it also gets negative
# examples (wrong types, numbers out of range, values the document does not allow).
OPERATIONS = {
    "GET /api/events": True,
    "GET /api/events/{event_id}": True,
    "GET /api/lists/{source_id}": True,
    "GET /api/stories": True,
    "GET /api/sources": False,
    "GET /api/deliveries": False,
    "GET /api/entities": True,
    "GET /api/entities/{entity_id}": True,
    "GET /feeds/changes.atom": True,
}
# "known": positive examples around what the store holds, which random values almost never hit:
# the ids of its events, of its sources (lists and feeds), its event types as filters, the
# moments its lists changed, its entities and names that find them.
KNOWN = ["GET /api/events", "GET /api/events/{event_id}", "GET /api/lists/{source_id}",
         "GET /feeds/changes.atom", "GET /api/entities", "GET /api/entities/{entity_id}"]  # fmt: skip
# Names the demo's entities go by, in both scripts (the entities they find are the known ids).
ENTITY_NAMES = ["Taliban", "Талибан", "Taleban", "Tariq Gidar Group", "Исламская группа", "Al-Qaida"]  # fmt: skip
FUZZED = [
    *(
        pytest.param(label, mode.value, id=f"{label} {mode.value}")
        for label, has_parameters in OPERATIONS.items()
        for mode in GenerationMode
        if has_parameters or mode is GenerationMode.POSITIVE
    ),
    *(pytest.param(label, "known", id=f"{label} known") for label in KNOWN),
]


@pytest.fixture(scope="module")
def secret_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`monitor serve` over a demo store of its own, configured with a channel and a source
    that hold secrets; the source's last error quotes its URL, key and all, as a failed
    fetch's might."""
    folder = tmp_path_factory.mktemp("fuzz")
    config = play_demo(folder)
    config.write_text(config.read_text(encoding="utf-8") + SECRET_CONFIG, encoding="utf-8")
    store = Store(load_settings(config, env={}).store.url)
    try:
        store.save_source_state("keyed-wire", last_error=f"GET {SOURCE_URL}: 503")
    finally:
        store.close()
    server = Server(config, folder)
    yield server
    assert server.stop() == 0, server.output()
    log = server.output()
    assert "Traceback" not in log, log
    assert not [secret for secret in SECRETS if secret in log], "a secret in the server's log"


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture(scope="module")
def api_schema(secret_server: Server) -> Any:
    schema = schemathesis.openapi.from_url(f"{secret_server.url}/api/openapi.json")
    schema.config.update(base_url=secret_server.url)
    return schema.exclude(path=STREAM)


@pytest.fixture(scope="module")
def known(secret_server: Server, http: requests.Session) -> dict[str, list[Any]]:
    """What the store holds, as the API lists it."""

    def get(path: str) -> Any:
        return http.get(f"{secret_server.url}{path}", timeout=30).json()

    events = get("/api/events?limit=500")["events"]
    sources = get("/api/sources")
    versions = [
        version["recorded_at"]
        for source in sources
        if source["kind"] == "list"
        for version in get(f"/api/lists/{source['id']}")["versions"]
    ]
    entities = [hit["id"] for name in ENTITY_NAMES for hit in get(f"/api/entities?q={name}")]
    return {
        "event_id": [e["id"] for e in events],
        "entity_id": sorted(set(entities)),
        "q": ENTITY_NAMES,
        "type": sorted({e["type"] for e in events}),
        "source": [s["id"] for s in sources],
        "at": [*versions, "7d", "2001-01-01", "2024-10-04T12:00:00+05:00"],
    }


def known_cases(operation: Any, known: dict[str, list[Any]]) -> st.SearchStrategy[Case]:
    """Positive examples with a real id in the path, or real filters in the query; the other
    parameters generated as usual."""

    def some(name: str) -> st.SearchStrategy[Any]:
        return st.sampled_from(known[name])

    if "{event_id}" in operation.path:
        return some("event_id").flatmap(
            lambda i: operation.as_strategy(path_parameters={"event_id": i})
        )
    if "{entity_id}" in operation.path:
        return some("entity_id").flatmap(
            lambda i: operation.as_strategy(path_parameters={"entity_id": i})
        )
    if operation.path == "/api/entities":
        return some("q").flatmap(lambda q: operation.as_strategy(query={"q": q}))
    if "{source_id}" in operation.path:
        return st.tuples(
            some("source"), st.fixed_dictionaries({}, optional={"at": some("at")})
        ).flatmap(lambda p: operation.as_strategy(path_parameters={"source_id": p[0]}, query=p[1]))
    filters = st.fixed_dictionaries({}, optional={"source": some("source"), "type": some("type")})
    return filters.flatmap(lambda query: operation.as_strategy(query=query))


@pytest.mark.parametrize(("label", "mode"), FUZZED)
def test_the_api_holds_to_its_document(
    api_schema: Any,
    http: requests.Session,
    known: dict[str, list[Any]],
    label: str,
    mode: str,
) -> None:
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, label
    if mode == "known":
        cases = known_cases(operation, known)
    else:
        cases = operation.as_strategy(generation_mode=GenerationMode(mode))

    @hypothesis.settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=cases)
    def fuzz(case: Case) -> None:
        case.call_and_validate(session=http, checks=CHECKS)

    fuzz()


def test_the_fuzz_reaches_every_operation_but_the_stream(api_schema: Any) -> None:
    """A new operation of the API is fuzzed too, or this fails until it is."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.label for op in operations} == set(OPERATIONS)
    for op in operations:
        assert bool(list(op.iter_parameters())) == OPERATIONS[op.label], op.label


# --- what the fuzz found -----------------------------------------------------------------------

TOO_BIG = str(2**63)  # one more than the largest id the log can hold


def test_the_secrets_are_in_reach_and_the_check_sees_them(
    secret_server: Server, http: requests.Session
) -> None:
    """The fuzz has something to find: the answers show the secret-holding source (its URL and
    its error masked) and channel (without its URL), and `no_secret` fails on a secret."""
    sources = {s["id"]: s for s in http.get(f"{secret_server.url}/api/sources").json()}
    masked = "https://news.example.org/feed?lang=en&apikey=****"
    assert sources["keyed-wire"]["url"] == masked
    assert sources["keyed-wire"]["last_error"] == "GET ****: 503"  # the whole URL is a secret
    (hook,) = [
        d for d in http.get(f"{secret_server.url}/api/deliveries").json() if d["channel"] == "hook"
    ]
    assert "url" not in hook
    for secret in (CHANNEL_PASSWORD, CHANNEL_TOKEN, SOURCE_KEY, CHANNEL_URL):
        leaky = SimpleNamespace(content=f"... {secret} ...".encode(), headers={})
        with pytest.raises(AssertionError, match="holds a secret"):
            no_secret(None, leaky, None)  # type: ignore[arg-type]


def test_an_id_beyond_64_bits_is_refused_not_a_server_error(
    secret_server: Server, http: requests.Session
) -> None:
    """The store's driver cannot even bind such a number: it was a 500 (OverflowError), and
    the live stream took it as a place to wait for ever."""
    for path in (f"/api/events/{TOO_BIG}", f"/api/events?before={TOO_BIG}",
                 f"/api/events/stream?after={TOO_BIG}", f"/events/{TOO_BIG}",
                 f"/?before={TOO_BIG}"):  # fmt: skip
        # Streamed: a live stream that took the number would never end.
        with http.get(secret_server.url + path, timeout=30, stream=True) as refused:
            assert refused.status_code in (400, 422), (path, refused.status_code)
            if path.startswith("/api/"):
                assert "less than or equal to 9223372036854775807" in refused.text, path
    largest = http.get(f"{secret_server.url}/api/events/{2**63 - 1}", timeout=30)
    assert largest.status_code == 404  # the largest id is a valid one that names nothing


def test_the_document_declares_each_refusal_and_its_body(api_schema: Any) -> None:
    """A refused filter is a 400 with a `detail` (it was answered but not declared), and so is
    a missing event or source (a 404 declared without a body)."""
    paths = api_schema.raw_schema["paths"]
    problem = {"$ref": "#/components/schemas/Problem"}
    for path, status in [("/api/events", "400"), ("/api/events/stream", "400"),
                         ("/feeds/changes.atom", "400"), ("/api/lists/{source_id}", "400"),
                         ("/api/lists/{source_id}", "404"), ("/api/events/{event_id}", "404")]:  # fmt: skip
        declared = paths[path]["get"]["responses"][status]
        assert declared["content"]["application/json"]["schema"] == problem, (path, status)
    schemas = api_schema.raw_schema["components"]["schemas"]
    assert schemas["Problem"]["required"] == ["detail"]
