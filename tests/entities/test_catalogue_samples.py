"""One organisation across the UN, US, UK, EU, RU, CA, AU, KZ and KG lists and the news.

Every list source of the shipped catalogue is read from its recorded sample (most samples are
constructed in each list's real structure, with real names) through its own parser, as
``monitor sources --check`` reads it, and resolved with the shipped ``[[entity]]`` tables.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.catalogue import content_type_of
from monitor.config import Settings, load_settings
from monitor.entities.mentions import mention_of_entry, mention_of_news
from monitor.entities.resolve import Resolution, resolve
from monitor.sources.lists import parse_list
from tests.conftest import REPO

NEWS = ("Taliban", "al-Qaeda", "Hizb ut-Tahrir", "Hamas", "Hezbollah")


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(REPO / "monitor.toml", env={})


@pytest.fixture(scope="module")
def resolution(settings: Settings) -> Resolution:
    mentions = [mention_of_news(name) for name in NEWS]
    for source in settings.sources:
        if source.kind != "list" or not source.sample:
            continue
        path = Path(source.sample)
        entries = parse_list(path.read_bytes(), source, content_type=content_type_of(path))
        mentions += [
            mention_of_entry(source.id, str(e["key"]), e, source.identifiers) for e in entries
        ]
    return resolve(mentions, settings.entities)


def _jurisdictions(settings: Settings, members: tuple[str, ...]) -> set[str]:
    found = set()
    for ref in members:
        source = ref.partition(":")[0]
        found.add("news" if source == "news" else settings.source(source).jurisdiction or "")
    return found


def test_al_qaida_is_one_entity_on_nine_lists_and_in_the_news(
    settings: Settings, resolution: Resolution
) -> None:
    [al_qaida] = resolution.find("Аль-Каида")
    assert resolution.find("al-Qa'ida") == resolution.find("AL QAEDA") == [al_qaida]
    assert _jurisdictions(settings, al_qaida.members) == {
        "UN", "US", "GB", "EU", "RU", "CA", "AU", "KZ", "KG", "news",
    }  # fmt: skip
    kinds = {link.kind for link in al_qaida.links}
    assert {"identifier", "name"} <= kinds  # OFAC's uid across its files; names across scripts


def test_the_taliban_and_the_pakistani_taliban(settings: Settings, resolution: Resolution) -> None:
    taliban = resolution.of("news:taliban")
    assert taliban is not None and (taliban.id, taliban.name) == ("taliban", "Taliban")
    assert 'ru-fsb-terrorist-list:"Движение Талибан"' in taliban.members
    assert {"RU", "US", "news"} <= _jurisdictions(settings, taliban.members)
    [ttp] = resolution.find("Tehrik-e Taliban Pakistan")
    assert ttp != taliban and {"UN", "US", "CA"} <= _jurisdictions(settings, ttp.members)


def test_hizb_ut_tahrir_by_its_table(settings: Settings, resolution: Resolution) -> None:
    entity = resolution.of("news:hizb ut tahrir")
    assert entity is not None and entity.id == "hizb-ut-tahrir"
    assert {"RU", "KZ", "KG", "news"} <= _jurisdictions(settings, entity.members)


def test_hamas_and_hezbollah(settings: Settings, resolution: Resolution) -> None:
    hamas = resolution.of("news:hamas")
    assert hamas is not None and {"AU", "GB", "US", "news"} <= _jurisdictions(
        settings, hamas.members
    )
    hezbollah = resolution.of("news:hezbollah")
    assert hezbollah is not None and hezbollah.name == "Hizballah"
    assert {"AU", "CA", "US"} <= _jurisdictions(settings, hezbollah.members)
    assert any(link.kind == "variant" for link in hezbollah.links)  # Hezbollah / Hizballah
