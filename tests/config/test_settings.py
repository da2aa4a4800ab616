"""Configuration: durations, sizes, ${ENV}, includes, relative paths, and per-source fallbacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import load_settings, parse_duration, parse_size, substitute_env
from monitor.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("15m", 900), ("6h", 21600), ("1d", 86400), ("1.5h", 5400), ("", None)],
)
def test_durations(text, seconds) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["soon", "5 parsecs", "-1s", "1y", True, 45, 1.5, "36501d"])
def test_bad_durations(text) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_sizes_use_binary_units() -> None:
    assert parse_size("500KB") == 500 * 1024
    assert parse_size("25MB") == 25 * 1024 * 1024
    assert parse_size(1000) == 1000
    for bad in ("lots", "0", "-5MB", 10**400, "9" * 400 + "MB", "2048GB"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_env_substitution_with_defaults_and_errors() -> None:
    env = {"TOKEN": "s3cret"}
    assert substitute_env({"url": "slack://${TOKEN}/x"}, env, "") == {"url": "slack://s3cret/x"}
    assert substitute_env(["${MISSING:-fallback}", "${MISSING:-}"], env, "") == ["fallback", ""]
    with pytest.raises(ConfigError, match=r"channel\[0\]\.url: environment variable MISSING"):
        substitute_env({"channel": [{"url": "${MISSING}"}]}, env, "")
    with pytest.raises(ConfigError, match=r'channel "slack"\.url: environment variable MISSING'):
        substitute_env({"channel": [{"name": "slack", "url": "${MISSING}"}]}, env, "")


def test_includes_relative_paths_and_defaults(tmp_path: Path) -> None:
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "a.toml").write_text(
        '[[source]]\nid = "a"\nkind = "feed"\nurl = "https://a.example/rss"\nevery = "15m"\n'
        'headers = { "User-Agent" = "Mozilla/5.0" }\nmax_bytes = "2MB"\ntimeout = "45s"\n'
        'sample = "../samples/a.xml"\n'
    )
    (tmp_path / "feeds" / "b.toml").write_text(
        '[[source]]\nid = "b"\nkind = "list"\nformat = "csv"\nurl = "https://b.example/l.csv"\n'
        'enabled = false\nencoding = "cp1251"\nsuspect_ratio = 0.8\nfail_after = 5\n[source.fields]\nname = "2"\n'
    )
    config = tmp_path / "monitor.toml"
    config.write_text(
        'include = ["feeds/*.toml"]\n[store]\nurl = "sqlite:///state/m.db"\n[health]\nfail_after = 2\n'
        '[[channel]]\nname = "off"\nurl = "${NOPE:-}"\n'
    )
    settings = load_settings(config, env={})
    assert settings.store.url == f"sqlite:///{tmp_path / 'state' / 'm.db'}"
    a, b = settings.source("a"), settings.source("b")
    assert a.headers == {"User-Agent": "Mozilla/5.0"} and a.every == 900
    assert settings.max_bytes(a) == 2 * 1024 * 1024 and settings.timeout(a) == 45
    assert a.sample == str(tmp_path / "samples" / "a.xml")
    assert settings.fail_after(a) == 2 and settings.fail_after(b) == 5
    assert settings.suspect_ratio(a) == 0.5 and settings.suspect_ratio(b) == 0.8
    assert [s.id for s in settings.enabled_sources] == ["a"]
    assert settings.channels[0].enabled is False
    assert settings.source_files["b"].endswith("b.toml")


def test_duplicate_ids_across_files_name_both(tmp_path: Path) -> None:
    (tmp_path / "x.toml").write_text(
        '[[source]]\nid = "dup"\nkind = "feed"\nurl = "https://x.example/"\n'
    )
    config = tmp_path / "monitor.toml"
    config.write_text(
        'include = ["x.toml"]\n[[source]]\nid = "dup"\nkind = "feed"\nurl = "https://y.example/"\n'
    )
    with pytest.raises(
        ConfigError,
        match=r'x\.toml: source "dup"\.id: duplicate source id, already defined in .*monitor\.toml',
    ):
        load_settings(config, env={})


@pytest.mark.parametrize(
    ("source", "needle"),
    [
        ('kind = "list"\nformat = "html"\n[source.fields]\nname = "td"', "needs entries"),
        ('kind = "list"\nformat = "xml"\nentries = "//x"', "needs [source.fields]"),
        (
            'kind = "list"\nformat = "json"\nentries = "a[*]"\nkey = "id"\n[source.fields]\nname = "n"',
            "key 'id' is not one of the fields",
        ),
        ('kind = "feed"\nencoding = "klingon-8"', "unknown encoding"),
        ('kind = "feed"\nremoved_when = "(unclosed"', "not a valid regular expression"),
        ('kind = "feed"\nevery = "0s"', "at least 1m"),
    ],
)
def test_source_rules(tmp_path: Path, source: str, needle: str) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(f'[[source]]\nid = "s"\nurl = "https://s.example/"\n{source}\n')
    with pytest.raises(ConfigError, match=r'monitor\.toml: source "s"') as caught:
        load_settings(config, env={})
    assert needle in str(caught.value)


def test_not_an_http_url(tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text('[[source]]\nid = "s"\nkind = "feed"\nurl = "/etc/passwd"\n')
    with pytest.raises(ConfigError, match="expected an http"):
        load_settings(config, env={})


def test_topics_by_phrases_or_by_meaning(tmp_path: Path) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(
        '[[topic]]\nname = "Doha process"\ndescription = "UN-led meetings on Afghanistan in Doha"\n'
        'examples = ["Envoys meet in Doha on Afghanistan"]\n',
        encoding="utf-8",
    )
    [topic] = load_settings(config, env={}).topics
    assert topic.by_meaning and topic.match == []
    config.write_text('[[topic]]\nname = "Nothing to match"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"topic.*match phrases, a description or examples"):
        load_settings(config, env={})
