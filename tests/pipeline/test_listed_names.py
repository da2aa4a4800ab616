"""A report about an organisation on a followed list is named as the list names it (real UN list)."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_httpserver import HTTPServer

from tests.conftest import catalogue_source, shared, write_config

# Written for this test: the UN list calls the group "EASTERN TURKISTAN ISLAMIC MOVEMENT (ETIM)"
# and gives "The Eastern Turkistan Islamic Party" as an alias; no watch or built-in name knows it.
FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>wire</title>
<item><title>Kyrgyzstan designates the Eastern Turkistan Islamic Party as a terrorist organisation</title>
<link>https://wire.example/kg-etip</link><guid>kg-etip</guid><pubDate>Tue, 01 Oct 2024 09:00:00 GMT</pubDate>
<description>Kyrgyzstan's Supreme Court has designated the Eastern Turkistan Islamic Party as a terrorist organisation, the prosecutor's office said.</description>
</item></channel></rss>"""


def test_a_listed_organisation_is_named_as_the_list_names_it(
    httpserver: HTTPServer, tmp_path: Path, invoke
) -> None:
    httpserver.expect_request("/un.xml").respond_with_data(
        shared("un/un_consolidated_2024-09-26.xml").read_bytes(), content_type="application/xml"
    )
    httpserver.expect_request("/wire.xml").respond_with_data(
        FEED, content_type="application/rss+xml"
    )
    un = catalogue_source("un.toml", "un-sc-consolidated", httpserver.url_for("/un.xml"))
    wire = f'[[source]]\nid = "wire"\nkind = "feed"\nurl = "{httpserver.url_for("/wire.xml")}"\n'
    config = write_config(tmp_path, un + wire)
    assert invoke(config, "poll", "un-sc-consolidated").code == 0
    assert invoke(config, "poll", "wire").code == 0

    events = [json.loads(x) for x in invoke(config, "log", "--json").out.splitlines()]
    [reported] = [e for e in events if e["type"] == "designation_reported"]
    data = reported["data"]
    assert (data["actor"], data["entity"], data["action"]) == (
        "KG",
        "Eastern Turkistan Islamic Movement (ETIM)",
        "added",
    )
    assert data["signals"]["listed"] == data["entity"]
    assert "Eastern Turkistan Islamic Party" in data["evidence"]
