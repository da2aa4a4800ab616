"""``[[entity]]`` and ``[source.identifiers]`` in the configuration, and the shipped catalogue's."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import EntityRule, Settings, load_settings
from monitor.errors import ConfigError
from tests.conftest import REPO

LIST = """
[[source]]
id = "un"
kind = "list"
format = "xml"
url = "https://example.org/un.xml"
every = "6h"
entries = "//ENTITY"
key = "reference"
[source.fields]
reference = "REFERENCE_NUMBER"
name = "FIRST_NAME"
"""


def _load(tmp_path: Path, body: str, catalogue: str | None = None) -> Settings:
    head = ""
    if catalogue is not None:
        (tmp_path / "feeds").mkdir(exist_ok=True)
        (tmp_path / "feeds" / "entities.toml").write_text(catalogue, encoding="utf-8")
        head = 'include = ["feeds/*.toml"]\n'
    path = tmp_path / "monitor.toml"
    store = f'[store]\nurl = "sqlite:///{tmp_path / "m.db"}"\n'
    path.write_text(head + store + body, encoding="utf-8")
    return load_settings(path, env={})


def test_entity_tables_in_the_config_and_the_catalogue(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        LIST
        + '[[entity]]\nname = "Taliban"\naliases = ["Taleban"]\nnot_same_as = ["un:QDe.132"]\n',
        catalogue='[[entity]]\nname = "Hamas"\nsame_as = ["news:Harakat al-Muqawama"]\n',
    )
    assert settings.entities == (
        EntityRule(name="Taliban", aliases=("Taleban",), not_same_as=("un:QDe.132",)),
        EntityRule(name="Hamas", same_as=("news:Harakat al-Muqawama",)),
    )


def test_identifiers_of_a_list_source(tmp_path: Path) -> None:
    settings = _load(tmp_path, LIST + '[source.identifiers]\nun = "reference"\n')
    assert settings.source("un").identifiers == {"un": "reference"}
    assert _load(tmp_path, LIST).source("un").identifiers == {}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            LIST + '[source.identifiers]\nun = "un_reference"\n',
            'source "un": identifiers.un: "un_reference" is not one of the fields [\'name\', '
            "'reference']",
        ),
        (
            LIST + '[source.identifiers]\nUN = "reference"\n',
            'source "un".identifiers: a scheme is a short lower-case name such as un or ofac',
        ),
        (
            '[[source]]\nid = "f"\nkind = "feed"\nurl = "https://example.org/f"\n'
            '[source.identifiers]\nun = "title"\n',
            'source "f": identifiers apply to list sources',
        ),
        ('[[entity]]\naliases = ["x"]\n', "entity[0].name: required key is missing"),
        ('[[entity]]\nname = "X"\nalias = ["x"]\n', 'entity "X".alias: unknown key'),
        ('[[entity]]\nname = "X"\naliases = ["x", " "]\n', 'entity "X".aliases: must not hold'),
        (
            '[[entity]]\nname = "X"\nsame_as = ["Y"]\nnot_same_as = ["Y"]\n',
            '"Y" is in both same_as and not_same_as',
        ),
        (
            LIST + '[[entity]]\nname = "X"\nsame_as = ["un-sc:QDe.1"]\n',
            'entity "X".same_as[0]: "un-sc:QDe.1" names no configured source',
        ),
        (
            '[[entity]]\nname = "X"\n[[entity]]\nname = "x"\n',
            'entity "x".name: duplicate entity name',
        ),
    ],
)
def test_a_wrong_table_is_refused_with_file_key_and_what(
    tmp_path: Path, body: str, message: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        _load(tmp_path, body)
    assert message in str(refused.value)
    assert str(tmp_path / "monitor.toml") in str(refused.value)


def test_a_wrong_table_in_the_catalogue_names_that_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as refused:
        _load(tmp_path, "", catalogue='[[entity]]\nname = ""\n')
    assert str(tmp_path / "feeds" / "entities.toml") in str(refused.value)
    assert "entity[0].name: must not be empty" in str(refused.value)


def test_a_name_with_a_colon_and_a_space_is_a_name(tmp_path: Path) -> None:
    settings = _load(tmp_path, '[[entity]]\nname = "X"\nsame_as = ["AL-HARAMAIN: BRANCH"]\n')
    assert settings.entities[0].same_as == ("AL-HARAMAIN: BRANCH",)


def test_the_shipped_catalogue_declares_the_identifiers_lists_share() -> None:
    settings = load_settings(REPO / "monitor.toml", env={})
    assert settings.source("un-sc-consolidated").identifiers == {"un": "reference"}
    assert settings.source("gb-sanctions-terrorism").identifiers == {
        "un": "un_reference",
        "uk": "id",
    }
    assert settings.source("eu-fsf-terrorism").identifiers == {"un": "un_id", "eu": "reference"}
    for source_id in ("us-ofac-sdn", "us-ofac-sdn-enhanced", "us-ofac-sdn-all"):
        assert settings.source(source_id).identifiers == {"ofac": "uid"}
    names = [rule.name for rule in settings.entities]
    assert "Taliban" in names and len(names) == len(set(names))
