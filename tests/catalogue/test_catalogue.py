"""The real source catalogue (feeds/*.toml): what each list source reads from its recorded document.

Every list source is taken from the real default configuration (monitor.toml and the catalogue it
includes), not restated here, so these tests break when a selector in feeds/ does.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from monitor.catalogue import content_type_of
from monitor.config import Settings, Source, load_settings
from monitor.diff import diff_entries, missing_canaries, parse_problems
from monitor.sources.lists import Entry, parse_list
from tests.conftest import REPO, shared

CATALOGUE = REPO / "feeds"
SAMPLES = REPO / "tests" / "fixtures" / "catalogue"


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(REPO / "monitor.toml", env={})


def _source(settings: Settings, source_id: str) -> Source:
    return settings.source(source_id)


def _parse(source: Source, body: bytes | None = None) -> list[Entry]:
    assert source.sample, f"{source.id} has no sample"
    path = Path(source.sample)
    body = path.read_bytes() if body is None else body
    return parse_list(body, source, content_type=content_type_of(path))


def _by_key(entries: list[Entry]) -> dict[str, Entry]:
    keys = [str(e["key"]) for e in entries]
    assert len(keys) == len(set(keys))
    return {str(e["key"]): e for e in entries}


def _sample_text(source: Source, encoding: str = "utf-8") -> str:
    assert source.sample
    return Path(source.sample).read_text(encoding=encoding)


# --- the catalogue as a whole ------------------------------------------------------------------


def test_default_config_includes_the_catalogue_and_watches_taliban_and_moscow_format(
    settings: Settings,
) -> None:
    files = {Path(f).name for f in settings.source_files.values()}
    assert {"ru.toml", "un.toml", "us.toml", "gb.toml", "eu.toml", "news.toml"} <= files
    assert all(Path(f).parent == CATALOGUE for f in settings.source_files.values())
    taliban = [w for w in settings.watches if w.entity == "Taliban"]
    assert taliban and {"Талибан", "Taleban"} <= set(taliban[0].aliases)
    moscow = [t for t in settings.topics if t.name == "Moscow Format"]
    assert moscow and "Московский формат" in moscow[0].match


def test_every_list_source_has_a_sample_described_in_the_fixture_readme(settings: Settings) -> None:
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    lists = [s for s in settings.sources if s.kind == "list"]
    assert len(lists) >= 12
    for source in lists:
        assert source.sample, f"{source.id}: a list source needs a recorded sample"
        path = Path(source.sample)
        assert path.parent == SAMPLES and path.is_file(), source.sample
        assert f"`{path.name}`" in readme, f"{path.name} is not described in README.md"
        assert source.jurisdiction, f"{source.id}: a list names its jurisdiction"


def test_schedules_size_caps_and_switches(settings: Settings) -> None:
    for source in settings.sources:
        if source.kind == "list":
            assert 6 * 3600 <= source.every <= 24 * 3600, source.id
        else:
            assert 15 * 60 <= source.every <= 3600, source.id
    for source_id in (
        "un-sc-consolidated",
        "us-ofac-sdn",
        "gb-sanctions-terrorism",
        "eu-fsf-terrorism",
    ):
        assert settings.max_bytes(_source(settings, source_id)) > 10 * 1024**2, source_id
    assert _source(settings, "ru-fsb-terrorist-list").encoding is None  # UTF-8 or windows-1251
    assert _source(settings, "tass-en").headers["User-Agent"].startswith("Mozilla/")
    assert _source(settings, "us-state-fto").headers["User-Agent"].startswith("Mozilla/")
    disabled = {s.id for s in settings.sources if not s.enabled}
    assert disabled == {"us-ofac-sdn-all", "us-ofac-sdn-enhanced", "kg-fiu-national"}


def test_every_source_in_the_catalogue_files_is_commented() -> None:
    for path in sorted(CATALOGUE.glob("*.toml")):
        lines = path.read_text(encoding="utf-8").splitlines()
        tomllib.loads("\n".join(lines))  # each file is valid TOML on its own
        for number, line in enumerate(lines):
            if line.strip() != "[[source]]":
                continue
            before = [text for text in lines[:number] if text.strip()]
            assert before and before[-1].startswith("#"), f"{path.name}:{number + 1} has no comment"


# --- monitor sources --check -------------------------------------------------------------------


def test_check_validates_the_real_catalogue_offline(invoke: Any) -> None:
    result = invoke(REPO / "monitor.toml", "sources", "--check")
    assert result.code == 0, result
    assert "no problem" in result.out
    assert re.search(
        r"ru-fsb-terrorist-list: sample parses to 37 entries, .*; 0 repeated keys; "
        r"canaries found in the sample: 2 of 2",
        result.out,
    )
    assert "kg-fiu-national (disabled): sample parses to 3 entries" in result.out
    assert "tass-en: no sample, settings checked only" in result.out
    assert "problem" not in result.err


def _check(tmp_path: Path, invoke: Any, source: str) -> Any:
    (tmp_path / "doc.html").write_text(
        "<table><tr><th>n</th><th>name</th></tr>"
        "<tr><td>1</td><td>Alpha</td></tr><tr><td>2</td><td>Beta</td></tr></table>",
        encoding="utf-8",
    )
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path / "m.db"}"\n\n[[source]]\nid = "t"\nkind = "list"\n'
        f'format = "html"\nurl = "https://example.org/list"\nevery = "6h"\n{source}',
        encoding="utf-8",
    )
    return invoke(config, "sources", "--check")


def test_check_passes_a_good_small_config(tmp_path: Path, invoke: Any) -> None:
    result = _check(
        tmp_path,
        invoke,
        'entries = "tr"\nsample = "doc.html"\n[source.fields]\nname = "td:nth-of-type(2)"\n',
    )
    assert result.code == 0, result
    assert "t: sample parses to 2 entries, e.g. 'Alpha'" in result.out


def test_check_reports_a_broken_selector(tmp_path: Path, invoke: Any) -> None:
    result = _check(
        tmp_path, invoke, 'entries = "tr[["\nsample = "doc.html"\n[source.fields]\nname = "td"\n'
    )
    assert result.code == 2, result  # refused as the config loads, like every command does
    assert "source \"t\".entries: not a valid CSS selector 'tr[['" in result.err


def test_check_reports_a_missing_sample(tmp_path: Path, invoke: Any) -> None:
    result = _check(
        tmp_path, invoke, 'entries = "tr"\nsample = "gone.html"\n[source.fields]\nname = "td"\n'
    )
    assert result.code == 1, result
    assert "source t: cannot read its sample" in result.err and "gone.html" in result.err


def test_check_reports_a_sample_that_parses_to_nothing(tmp_path: Path, invoke: Any) -> None:
    result = _check(
        tmp_path, invoke, 'entries = "ul li"\nsample = "doc.html"\n[source.fields]\nname = "a"\n'
    )
    assert result.code == 1, result
    assert "source t: its sample doc.html parses to no entries" in result.err


def test_check_reports_a_key_that_does_not_identify_entries(tmp_path: Path, invoke: Any) -> None:
    (tmp_path / "same.html").write_text(
        "<table>" + "".join(f"<tr><td>{n}</td><td>Same</td></tr>" for n in range(4)) + "</table>",
        encoding="utf-8",
    )
    result = _check(
        tmp_path,
        invoke,
        'entries = "tr"\nsample = "same.html"\n[source.fields]\nname = "td:nth-of-type(2)"\n',
    )
    assert result.code == 1, result
    assert "3 of the 4 entries of its sample repeat another entry's key ('Same #2'," in result.err


def test_check_reports_one_repeated_key_and_the_canaries_found(tmp_path: Path, invoke: Any) -> None:
    (tmp_path / "twice.html").write_text(
        "<table><tr><td>Alpha</td></tr><tr><td>Beta</td></tr><tr><td>Alpha</td></tr></table>",
        encoding="utf-8",
    )
    result = _check(
        tmp_path,
        invoke,
        'entries = "tr"\nsample = "twice.html"\nexpect = ["«alpha»", "Gamma"]\n'
        'expect_entries = [100, 200]\n[source.fields]\nname = "td"\n',
    )
    assert result.code == 1, result
    assert "1 of the 3 entries of its sample repeat another entry's key ('Alpha #2')" in result.err
    assert "1 repeated keys; canaries found in the sample: 1 of 2" in result.out


def test_every_list_declares_its_size_and_canaries_and_its_sample_holds_them(
    settings: Settings,
) -> None:
    for source in settings.sources:
        if source.kind != "list":
            continue
        assert source.expect_entries and source.expect, source.id
        if source.id == "us-ofac-sdn-enhanced":
            continue  # its sample is an excerpt of the consolidated list, which has no HAMAS
        entries = _parse(source)
        assert not missing_canaries(entries, source.expect), source.id


def test_check_reports_an_interval_out_of_range(tmp_path: Path, invoke: Any) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path / "m.db"}"\n\n[[source]]\nid = "f"\nkind = "feed"\n'
        'url = "https://example.org/feed"\nevery = "10s"\n',
        encoding="utf-8",
    )
    result = invoke(config, "sources", "--check")
    assert result.code == 2, result  # refused as the config loads, like every command does
    assert 'source "f".every: must be at least 1m, got "10s"' in result.err


# --- Russia ------------------------------------------------------------------------------------

FSB_2003 = (
    "Верховный Суд Российской Федерации, от 14.02.2003 № ГКПИ 03-116, вступило в силу 04.03.2003"
)


def test_fsb_list_reads_every_row_keyed_by_name_with_the_shared_decision(
    settings: Settings,
) -> None:
    source = _source(settings, "ru-fsb-terrorist-list")
    entries = _parse(source)
    assert len(entries) == 37  # rows 1-22, 62-75 and 77 of the recorded page
    by_key = _by_key(entries)
    taliban = by_key['"Движение Талибан"']
    assert taliban == {
        "key": '"Движение Талибан"',
        "name": '"Движение Талибан"',
        "decision": FSB_2003,
    }
    assert by_key['"База" ("Аль-Каида")']["decision"] == FSB_2003  # rowspan carried down to row 3
    assert by_key['"Дом двух святых" ("Аль-Харамейн")']["decision"] == FSB_2003  # ... and to row 15
    assert by_key['"Джунд аш-Шам" (Войско Великой Сирии)']["decision"].endswith("16.06.2006")
    assert entries[-1]["key"] == 'Террористическое сообщество "ULTIMA"'
    assert all(set(e) == {"key", "name", "decision"} for e in entries)  # no row number field


def test_fsb_page_charset_wins_over_a_wrong_server_charset(settings: Settings) -> None:
    source = _source(settings, "ru-fsb-terrorist-list")
    assert source.sample
    body = Path(source.sample).read_bytes()
    entries = parse_list(body, source, content_type="text/html; charset=utf-8")
    assert entries[10]["key"] == '"Движение Талибан"'


def test_fsb_suspension_inside_the_taliban_row_is_a_change_not_a_removal(
    settings: Settings,
) -> None:
    source = _source(settings, "ru-fsb-terrorist-list")
    page = _sample_text(source, "cp1251")
    # As the page has it since 2025 (decision text from the parsed 2026 mirror in shared/data): the
    # shared 2003 cell is split around row 11, which gets its own, longer decision cell.
    suspended = (
        page.replace('<td rowspan="15">', '<td rowspan="10">')
        .replace(
            "<td>«Движение Талибан»</td>",
            f"<td>«Движение Талибан»</td><td>{FSB_2003} Запрет деятельности приостановлен. "
            "Верховный Суд Российской Федерации, от 17.04.2025 № АКПИ25-174с, вступило в силу "
            "20.05.2025</td>",
        )
        .replace(
            "<td>«Исламская партия Туркестана» (бывшее «Исламское движение Узбекистана»)</td>",
            "<td>«Исламская партия Туркестана» (бывшее «Исламское движение Узбекистана»)</td>"
            f'<td rowspan="4">{FSB_2003}</td>',
        )
    )
    assert suspended.count("rowspan") == 2 and "приостановлен" in suspended
    before = _by_key(_parse(source))
    after = _parse(source, suspended.encode("cp1251"))
    diff = diff_entries(before, after)
    assert not diff.added and not diff.removed
    [(old, new)] = diff.changed
    assert old["key"] == new["key"] == '"Движение Талибан"'
    assert new["decision"].startswith(FSB_2003 + " Запрет деятельности приостановлен.")


def test_minjust_list_skips_stubs_and_page_chrome(settings: Settings) -> None:
    source = _source(settings, "ru-minjust-extremist-list")
    entries = _parse(source)
    assert len(entries) == 11  # 13 paragraphs, two of them "Организация исключена" stubs
    names = [str(e["name"]) for e in entries]
    assert [n.split(".")[0] for n in names] == [
        "1", "3", "4", "5", "6", "7", "8", "10", "11", "12", "13"
    ]  # fmt: skip
    assert not any("исключена" in n or "по состоянию" in n or "Житная" in n for n in names)
    assert names[4].startswith(
        '6. Международное общественное движение "Арестантское уголовное единство"'
    )
    assert "Meta Platforms Inc." in names[7]


def test_minjust_names_with_parentheses_keep_distinct_stable_keys(settings: Settings) -> None:
    source = _source(settings, "ru-minjust-extremist-list")
    keys = [str(e["key"]) for e in _parse(source)]
    assert len(keys) == len(set(keys)) and not any("#" in k for k in keys)
    assert keys[-2:] == [
        'Общественное объединение (движение) "Северное братство"',
        'Общественное объединение (движение) "Русское национальное единство"',
    ]  # cut at the court decision, not at the first "("
    assert keys[4].startswith('Международное общественное движение "Арестантское уголовное')
    assert keys[7].endswith("Meta Platforms Inc.")  # the name's own full stop stays
    # Renumbered paragraphs keep every key: no removal, no addition (the paragraph, number
    # included, is the name field, so each reads as changed).
    page = _sample_text(source)
    before = _by_key(_parse(source))
    renumbered = re.sub(r"<p>(\d+)\. ", lambda m: f"<p>{int(m[1]) + 1}. ", page)
    diff = diff_entries(before, _parse(source, renumbered.encode()))
    assert not diff.added and not diff.removed and len(diff.changed) == len(keys)
    # An amended decision is one changed entry under the same key.
    amended = page.replace("от 01.08.2012 о запрете", "от 01.08.2012, изменено 2026, о запрете")
    diff = diff_entries(before, _parse(source, amended.encode()))
    assert not diff.added and not diff.removed
    [(old, new)] = diff.changed
    assert old["key"] == new["key"] == keys[-2]


def test_minjust_stub_replacing_an_organisation_reads_as_its_removal(settings: Settings) -> None:
    source = _source(settings, "ru-minjust-extremist-list")
    page = _sample_text(source)
    old = re.search(
        r"<p>(7\. Некоммерческая организация «Фонд борьбы с коррупцией»[^<]*)</p>", page
    )
    assert old
    stubbed = page.replace(
        old[1], "7. Организация исключена из перечня (решение суда от 01.02.2026);"
    )
    diff = diff_entries(_by_key(_parse(source)), _parse(source, stubbed.encode()))
    assert not diff.added and not diff.changed
    [removed] = diff.removed
    assert '"Фонд борьбы с коррупцией"' in removed["name"]


# --- UN ----------------------------------------------------------------------------------------


def test_un_list_keys_by_trimmed_reference_and_reads_the_taliban_regime(settings: Settings) -> None:
    source = _source(settings, "un-sc-consolidated")
    entries = _parse(source)
    assert len(entries) == 29
    by_key = _by_key(entries)
    assert "KPi.034" in by_key and "QDi.369" in by_key  # "KPi.034 " in the file
    taliban = {k for k, e in by_key.items() if e["list_type"] == "Taliban"}
    assert {k[:4] for k in taliban} == {"TAi.", "TAe."}
    assert len(taliban) == 15  # 10 TAi + all 5 TAe of the recorded file
    baradar = by_key["TAi.024"]
    assert baradar["name"] == "ABDUL GHANI BARADAR ABDUL AHMAD TURK"
    assert baradar["type"] == "INDIVIDUAL"
    assert baradar["listed_on"] == "2001-02-23"
    assert "Mullah Baradar Akhund" in baradar["aliases"]
    assert by_key["TAe.012"]["name"] == "HAQQANI NETWORK (HQN)"
    assert by_key["TAe.014"]["listed_on"] == "2015-03-27-04:00"  # time-zone suffix kept as written
    assert by_key["QDe.161"]["name"] == "ISLAMIC STATE IN IRAQ AND THE LEVANT - KHORASAN (ISIL- K)"


def test_un_2024_pair_differing_only_in_date_generated_records_no_entry_change(
    settings: Settings,
) -> None:
    source = _source(settings, "un-sc-consolidated")
    before, after = (
        parse_list(shared(f"un/un_consolidated_2024-09-{day}.xml").read_bytes(), source)
        for day in ("21", "26")
    )
    assert len(before) == len(after) == 875
    assert not diff_entries(_by_key(before), after)


def test_un_delisting_is_a_removal(settings: Settings) -> None:
    source = _source(settings, "un-sc-consolidated")
    xml = _sample_text(source)
    records = re.findall(r"<INDIVIDUAL>.*?</INDIVIDUAL>", xml, flags=re.S)
    [baradar] = [r for r in records if "<REFERENCE_NUMBER>TAi.024<" in r]
    delisted = xml.replace(baradar, "")
    assert delisted != xml
    diff = diff_entries(_by_key(_parse(source)), _parse(source, delisted.encode()))
    assert [e["key"] for e in diff.removed] == ["TAi.024"] and not diff.added and not diff.changed


# --- United States -----------------------------------------------------------------------------


def test_state_fto_reads_only_the_designated_table(settings: Settings) -> None:
    source = _source(settings, "us-state-fto")
    entries = _parse(source)
    assert len(entries) == 15
    by_key = _by_key(entries)
    assert by_key["Haqqani Network (HQN)"]["designated"] == "September 19, 2012"
    assert by_key["Tehrik-e Taliban Pakistan (TTP)"]["designated"] == "September 1, 2010"
    assert "HAMAS" in by_key and "Hizballah" in by_key
    assert not any("Kahane" in k or "Date" in k or k == "Name" for k in by_key)  # delisted, headers
    hts = by_key[
        "al-Nusrah Front, aka Hay'at Tahrir al-Sham (ANF/HTS) — Jabhat Fath al-Sham Amendment "
        "(November 14, 2016) — Hay'at Tahrir al-Sham Amendment (June 1, 2018)"
    ]
    assert hts["designated"] == "May 15, 2014"


def test_state_fto_move_to_the_delisted_table_is_a_removal(settings: Settings) -> None:
    source = _source(settings, "us-state-fto")
    page = _sample_text(source)
    row = "<tr><td>September 1, 2010</td><td>Tehrik-e Taliban Pakistan (TTP)</td></tr>\n"
    assert row in page
    moved = page.replace(row, "").replace(
        "<tbody>\n<tr><td>November 30, 2021</td>",
        "<tbody>\n<tr><td>July 8, 2026</td><td>September 1, 2010</td>"
        "<td>Tehrik-e Taliban Pakistan (TTP)</td></tr>\n<tr><td>November 30, 2021</td>",
    )
    assert moved.count("Tehrik-e Taliban Pakistan") == 1
    diff = diff_entries(_by_key(_parse(source)), _parse(source, moved.encode()))
    assert [e["key"] for e in diff.removed] == ["Tehrik-e Taliban Pakistan (TTP)"]
    assert not diff.added and not diff.changed


def test_ofac_sdn_reads_the_terrorism_programmes_keyed_by_uid(settings: Settings) -> None:
    source = _source(settings, "us-ofac-sdn")
    entries = _parse(source)
    assert len(entries) == 15  # 18 entries, minus two CUBA and one CYBER2
    by_key = _by_key(entries)
    assert not {"36", "306", "26235"} & set(by_key)
    assert by_key["6636"] == {
        "key": "6636",
        "uid": "6636",
        "name": "TALIBAN",
        "type": "Entity",
        "programs": "SDGT",
        "aliases": "",
    }
    assert by_key["4695"]["programs"] == ["FTO", "SDGT", "SDT"]
    assert by_key["12206"]["name"] == "TEHRIK-E TALIBAN PAKISTAN (TTP)"
    assert by_key["15007"]["name"] == "BARAKZAI, Haji Abdul Sattar"
    assert by_key["15007"]["type"] == "Individual"
    assert "KURDISH TALIBAN" in by_key["7472"]["aliases"]


def test_ofac_sdn_selectors_read_a_real_ofac_export(settings: Settings) -> None:
    """The real 2024 non-SDN export shares sdn.xml's schema and namespace: only its SDGT entries."""
    source = _source(settings, "us-ofac-sdn")
    body = (SAMPLES / "us-ofac-consolidated-excerpt.xml").read_bytes()
    entries = parse_list(body, source, content_type="application/xml")
    assert entries == [
        {
            "key": "9647",
            "uid": "9647",
            "name": "ZAHHAR, Mahmoud Khaled",
            "type": "Individual",
            "programs": ["NS-PLC", "SDGT"],
            "aliases": ["AL ZAHAR", "ZAHAR, Mahmoud", "AL-ZAHAR, Mahmoud"],  # weak akas: whole name
        },
        {
            "key": "9659",
            "uid": "9659",
            "name": "HAMMAD, Fathi Ahmad Mohammad",
            "type": "Individual",
            "programs": ["NS-PLC", "SDGT"],
            "aliases": ["HAMMAD", "HAMAD", "HAMAD"],
        },
    ]


@pytest.mark.parametrize("document", ["sample", "real"])
def test_ofac_enhanced_xml_reads_the_same_entries_as_the_legacy_schema(
    settings: Settings, document: str
) -> None:
    """The same SDGT entries, keyed and named alike, from the ZIP of the ENHANCED_XML schema
    (the catalogue's excerpt, or the whole real 2025-01-10 file) and from the legacy sdnList
    export of 2025-06-30."""
    enhanced = _source(settings, "us-ofac-sdn-enhanced")
    if document == "sample":
        body = (SAMPLES / "us-ofac-enhanced-excerpt.zip").read_bytes()
    else:
        body = shared("ofac/ofac_cons_enhanced_2025-01-10.zip").read_bytes()
    entries = parse_list(body, enhanced, content_type="application/zip")
    legacy_body = shared("ofac/ofac_cons_nonsdn_2025-06-30.xml").read_bytes()
    legacy = parse_list(legacy_body, _source(settings, "us-ofac-sdn"), content_type="text/xml")
    assert (
        [(e["key"], e["name"], e["type"], e["programs"]) for e in entries]
        == [(e["key"], e["name"], e["type"], e["programs"]) for e in legacy]
        == [
            ("9647", "ZAHHAR, Mahmoud Khaled", "Individual", ["NS-PLC", "SDGT"]),
            ("9659", "HAMMAD, Fathi Ahmad Mohammad", "Individual", ["NS-PLC", "SDGT"]),
        ]
    )
    # The enhanced schema gives each alias's whole name (the legacy aka's lastName alone).
    assert entries[0]["aliases"] == [
        "AL ZAHAR, Mahmoud Khaled",
        "ZAHAR, Mahmoud",
        "AL-ZAHAR, Mahmoud",
    ]


def test_ofac_sources_read_the_whole_real_files(settings: Settings) -> None:
    """Every real OFAC copy in ../shared/data/ through the source of its kind: counts computed
    here without the monitor's parser, named entries, and no parse problem (canaries, size)."""
    import csv

    sdn_all = _source(settings, "us-ofac-sdn-all")
    path = shared("ofac/sdn_csv_2019-01-15/sdn.csv")
    rows = [r for r in csv.reader(path.read_text(encoding="latin-1").splitlines()) if r]
    entries = parse_list(path.read_bytes(), sdn_all, content_type="text/csv")
    assert len(entries) == len(rows) > 7000
    by_key = _by_key(entries)
    assert (by_key["6636"]["name"], by_key["6636"]["programs"]) == ("TALIBAN", "SDGT")
    assert not parse_problems(
        entries, known={}, expect_entries=sdn_all.expect_entries, expect=sdn_all.expect
    )

    sdn = _source(settings, "us-ofac-sdn")
    for day in ("2024-05-06", "2025-06-30"):
        body = shared(f"ofac/ofac_cons_nonsdn_{day}.xml").read_bytes()
        assert body.count(b"<sdnEntry>") == 443
        assert [e["key"] for e in parse_list(body, sdn, content_type="text/xml")] == [
            "9647",
            "9659",
        ]  # the consolidated list's two SDGT entries


def test_ofac_sdn_all_reads_the_legacy_headerless_csv(settings: Settings) -> None:
    source = _source(settings, "us-ofac-sdn-all")
    entries = _parse(source)
    assert len(entries) == 18
    by_key = _by_key(entries)
    assert by_key["6636"] == {
        "key": "6636",
        "uid": "6636",
        "name": "TALIBAN",
        "type": "",  # "-0- " reads as empty
        "programs": "SDGT",
        "remarks": "",
    }
    assert by_key["12206"]["programs"] == "FTO] [SDGT"
    assert by_key["26235"]["name"] == "MALKEVICH, Alexander Aleksandrovich"  # last line, no newline
    assert by_key["15005"]["remarks"] == "Linked To: TALIBAN."


# --- United Kingdom ----------------------------------------------------------------------------


def test_gb_proscription_change_history_is_a_list_of_notes(settings: Settings) -> None:
    source = _source(settings, "gb-proscribed-change-history")
    entries = _parse(source)
    assert len(entries) == 7
    assert entries[0] == {
        "key": "2025-07-05T00:00:00.000+01:00",
        "timestamp": "2025-07-05T00:00:00.000+01:00",
        "name": "Added Palestine Action, Maniacs Murder Cult and Russian Imperial Movement to the "
        "list of proscribed organisations.",
    }
    assert entries[-1]["name"] == "First published."


def test_gb_sanctions_list_reads_only_counter_terrorism_regimes(settings: Settings) -> None:
    source = _source(settings, "gb-sanctions-terrorism")
    by_key = _by_key(_parse(source))
    assert set(by_key) == {"AFG0024", "AFG0118", "AQD0004", "CTI0019"}  # not RUS0251, CYB0011
    assert by_key["AFG0024"] == {
        "key": "AFG0024",
        "id": "AFG0024",
        "name": "Abdul Ghani BARADAR",
        "aliases": ["BARADAR AKHUND", "Abdul Ghani BIRADAR"],
        "regime": "The Afghanistan (Sanctions) (EU Exit) Regulations 2020",
        "type": "Individual",
        "designated": "23/02/2001",
        "un_reference": "TAi.024",
    }  # "Primary name variation" is an alias
    assert by_key["AQD0004"]["aliases"] == "The Base"  # NameType "ALias"
    assert by_key["CTI0019"]["name"] == "HAMAS"


def test_gb_sanctions_list_reads_the_real_excerpt(settings: Settings) -> None:
    real = shared("gb/uk_sanctions_list_2026-09-02.EXCERPT.xml")
    source = _source(settings, "gb-sanctions-terrorism")
    by_key = _by_key(parse_list(real.read_bytes(), source, content_type="application/xml"))
    assert set(by_key) == {"AFG0001", "AFG0006"}
    assert by_key["AFG0001"]["name"] == "HAJI KHAIRULLAH HAJI SATTAR MONEY EXCHANGE"
    assert by_key["AFG0001"]["aliases"] == ["Haji Alim Hawala", "Haji Hakim Hawala"]
    assert (by_key["AFG0001"]["type"], by_key["AFG0001"]["un_reference"]) == ("Entity", "TAe.010")
    assert by_key["AFG0006"]["name"] == "MOHAMMAD HASSAN AKHUND"
    assert by_key["AFG0006"]["regime"] == "The Afghanistan (Sanctions) (EU Exit) Regulations 2020"


# --- European Union, Canada, Australia -----------------------------------------------------------


def test_eu_fsf_reads_afg_taqa_and_terr_programmes(settings: Settings) -> None:
    source = _source(settings, "eu-fsf-terrorism")
    by_key = _by_key(_parse(source))
    assert set(by_key) == {"1473", "1497", "2737", "3502", "3601"}  # keyed by logicalId
    baradar = by_key["1473"]
    assert (baradar["reference"], baradar["name"]) == ("EU.1473.2", "Abdul Ghani Baradar")
    assert baradar["aliases"] == ["Abdul Ghani Baradar", "Mullah Baradar Akhund"]
    assert (baradar["type"], baradar["programme"], baradar["un_id"]) == ("person", "AFG", "6908415")
    assert by_key["2737"]["aliases"] == ["Al-Qaida", "The Base", "Al Qaeda"]
    assert by_key["3601"]["programme"] == "TERR"  # no euReferenceNumber: not dropped
    assert by_key["3601"]["reference"] == ""


def test_eu_fsf_reads_the_real_excerpt_by_its_english_name(settings: Settings) -> None:
    real = shared("eu/eu_fsf_1.1_2018-12-21.EXCERPT.xml").read_text(encoding="utf-8")
    source = _source(settings, "eu-fsf-terrorism")
    [entry] = parse_list(real.encode(), source, content_type="application/xml")  # not ZWE
    assert (entry["key"], entry["reference"]) == ("207", "EU.3523.13")
    assert (entry["type"], entry["programme"]) == ("enterprise", "TERR")
    assert entry["name"] == "Great Islamic Eastern Warriors Front"  # not the first (Turkish) alias
    assert len(entry["aliases"]) == 19 and "IBDA-C" in entry["aliases"]
    assert entry["designated"] == ""  # 2018 files have no designationDate

    # The same record with its names in another order: the same name, no change.
    aliases = re.findall(r"<nameAlias .*?</nameAlias>", real, re.DOTALL)
    assert len(aliases) == 20
    shuffled = real
    for alias in aliases[1:]:  # every name of EU.3523.13, last first
        shuffled = shuffled.replace(alias, "")
    insert_at = shuffled.index('<subjectType code="enterprise"')
    shuffled = shuffled[:insert_at] + "".join(reversed(aliases[1:])) + shuffled[insert_at:]
    [again] = parse_list(shuffled.encode(), source, content_type="application/xml")
    assert again["name"] == entry["name"] and again["aliases"] != entry["aliases"]
    assert not diff_entries({entry["key"]: entry}, [again])


def test_canada_listed_entities_feed_is_a_list(settings: Settings) -> None:
    source = _source(settings, "ca-listed-terrorist-entities")
    entries = _parse(source)
    by_key = _by_key(entries)
    assert list(by_key) == [
        "Al Qaida",
        "Hizballah",
        "Haqqani Network",
        "Islamic Revolutionary Guard Corps (IRGC)",
        "Tehrik-e-Taliban Pakistan (TTP)",
    ]
    haqqani = by_key["Haqqani Network"]
    assert haqqani["aliases"] == "N/A"
    assert haqqani["listed"] == "2013-04-23T04:00:00+00:00"
    assert haqqani["link"].endswith("crrnt-lstd-ntts-en.aspx#56")
    assert "The Base" in by_key["Al Qaida"]["aliases"]


def test_australia_listed_organisations_table(settings: Settings) -> None:
    source = _source(settings, "au-listed-terrorist-organisations")
    entries = _parse(source)
    assert len(entries) == 9  # the <th> header row is not an entry
    by_key = _by_key(entries)
    assert by_key["Abu Sayyaf Group"]["listed"] == (
        "14 November 2002, Re-listed: 5 November 2004, Re-listed: 3 November 2006"
    )
    assert "Islamic State Khorasan Province" in by_key and "Organisation" not in by_key


# --- Kazakhstan, Kyrgyzstan --------------------------------------------------------------------


def test_kazakhstan_afm_list_reads_organisations_and_persons(settings: Settings) -> None:
    source = _source(settings, "kz-afm-terror-financing")
    by_key = _by_key(_parse(source))
    assert list(by_key) == [
        "АЛЬ-КАИДА; AL-QAIDA",
        "ХИЗБ УТ-ТАХРИР АЛЬ-ИСЛАМИ",
        "ИСЛАМСКОЕ ДВИЖЕНИЕ УЗБЕКИСТАНА",
        "ЛАШКАР-Е-ТАЙБА",
        "ПРИМЕРОВ ИВАН ИВАНОВИЧ",
        "ОБРАЗЦОВА АННА",
    ]
    assert by_key["АЛЬ-КАИДА; AL-QAIDA"]["name_en"] == "AL-QAIDA"
    assert by_key["ПРИМЕРОВ ИВАН ИВАНОВИЧ"]["correction"] == "включен от 01.02.2020"
    assert by_key["ОБРАЗЦОВА АННА"]["birthdate"] == "02.02.1990"


def test_kyrgyzstan_fiu_list_reads_legal_and_physical_persons(settings: Settings) -> None:
    source = _source(settings, "kg-fiu-national")
    assert not source.enabled
    by_key = _by_key(_parse(source))
    assert list(by_key) == [
        "Аль-Каида, Al-Qaida",
        "Хизб ут-Тахрир аль-Ислами",
        "Примеров Асан Үсөнович",
    ]
    assert by_key["Аль-Каида, Al-Qaida"]["category"] == "Террористическая организация"
    assert by_key["Примеров Асан Үсөнович"]["born"] == "06.02.1974"
