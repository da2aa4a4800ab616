"""Resolution: identifiers, names, spellings, rules; pure, explained, independent of input order."""

from __future__ import annotations

import itertools
import random

import pytest

from monitor.entities.mentions import Mention, mention_of_news
from monitor.entities.resolve import EntityRule, Resolution, resolve


def org(ref: str, *names: str, ids: tuple[str, ...] = (), kind: str = "organisation") -> Mention:
    return Mention(ref, names, ids, kind, ref.partition(":")[0])  # type: ignore[arg-type]


def person(ref: str, *names: str, ids: tuple[str, ...] = ()) -> Mention:
    return org(ref, *names, ids=ids, kind="individual")


def together(resolution: Resolution, *refs: str) -> bool:
    entities = {resolution.of(ref) for ref in refs}
    return len(entities) == 1 and None not in entities


def apart(resolution: Resolution, a: str, b: str) -> bool:
    return resolution.of(a) is not None and resolution.of(a) != resolution.of(b)


# --- identifiers -------------------------------------------------------------------------------


def test_a_shared_identifier_merges_whatever_the_names() -> None:
    resolution = resolve(
        [
            person("un:TAi.002", "MOHAMMAD HASSAN AKHUND", ids=("un:TAi.002",)),
            person("gb:AFG0006", "Akhund, Mohammad Hasan", ids=("un:TAi.002", "uk:AFG0006")),
            person("ofac:1", "MOHAMMAD HASSAN AKHUND"),  # a person is never merged by name
        ]
    )
    assert together(resolution, "un:TAi.002", "gb:AFG0006")
    assert apart(resolution, "un:TAi.002", "ofac:1")
    [link] = resolution.of("gb:AFG0006").links  # type: ignore[union-attr]
    assert (link.why, link.kind) == ("share the UN reference TAi.002", "identifier")


def test_two_identifiers_of_one_scheme_are_never_merged_by_name() -> None:
    resolution = resolve(
        [
            org("un:QDe.145", "ANSAR AL CHARIA DERNA", "Ansar al-Sharia", ids=("un:QDe.145",)),
            org("ofac:1", "ANSAR AL CHARIA DERNA", ids=("ofac:1",)),
            org("un:QDe.146", "ANSAR AL CHARIA BENGHAZI", ids=("un:QDe.146",)),
            org("eu:9", "ANSAR AL CHARIA BENGHAZI", "Ansar al-Sharia"),
            org("gb:3", "Ansar al-Sharia"),
        ]
    )
    # The UN gives "Ansar al-Sharia" to one entry only, so the name is usable; it would put
    # two UN references in one entity, so it joins gb:3 to one of them and no more.
    assert together(resolution, "un:QDe.145", "ofac:1")
    assert together(resolution, "un:QDe.146", "eu:9")
    assert apart(resolution, "un:QDe.145", "un:QDe.146")
    assert resolution.of("gb:3") in (resolution.of("un:QDe.145"), resolution.of("un:QDe.146"))
    assert any("different UN references QDe.145 and QDe.146" in k.why for k in resolution.apart)


# --- names of organisations --------------------------------------------------------------------


def test_names_across_scripts_and_type_words() -> None:
    resolution = resolve(
        [
            org("ru-fsb:1", '"Движение Талибан"', kind="unknown"),
            org("ofac:6636", "TALIBAN"),
            mention_of_news("the Taleban"),
        ]
    )
    assert together(resolution, "ru-fsb:1", "ofac:6636", "news:taliban")
    entity = resolution.of("news:taliban")
    assert entity is not None and entity.name == "Taliban"  # the list's name, as a reader writes it
    assert any("«Движение Талибан»" in k.why for k in entity.links)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Hizballah", "Hezbollah"),
        ("Mujahidin Indonesia Timur", "Mujahidin Indonesia Timor"),
        ("Ansar al-Sharia in Darnah", "Ansar al-Sharia Derna"),
        ("Хайят Тахрир аш-Шам", "Hay'at Tahrir al-Sham"),
        ("Имарат Кавказ", "Emarat Kavkaz"),
    ],
)
def test_spellings_of_one_name_merge(a: str, b: str) -> None:
    resolution = resolve([org("x:1", a), org("y:1", b)])
    assert together(resolution, "x:1", "y:1")
    [link] = resolution.of("x:1").links  # type: ignore[union-attr]
    assert link.kind == "variant" and "rapidfuzz" in link.why


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Taliban", "Tehrik-e Taliban Pakistan"),  # a name is never merged as a part of another
        ("Al-Qaida", "Al-Qaida in the Arabian Peninsula"),
        ("Al-Qaida", "Al-Qaida in Iraq"),
        ("Hamas", "Harakat ul-Mujahidin"),
        ("Hamas", "Harakat Sham al-Islam"),
        ("Harakat ul-Mujahidin", "Harakat ul-Jihad Islami"),
        ("Ansar al-Islam", "Ansarul Islam"),  # the Iraqi and the Burkinabe groups
        ("Ansar", "Ansaru"),
        ("Jamaat ul-Ahrar", "Jamaat ul-Ansar"),
        ("Korea Taesong Trading Company", "Korea Daesong Trading Company"),
        ("Kodo-kai", "Kudo-kai"),
        ("Hadi Shipping Company Limited", "Hoda Shipping Company Limited"),
        ("Shelimar Real Estate Holdings II, Inc", "Shelimar Real Estate Holdings III, Inc"),
        ("In Siratel", "Syriatel"),
        ("Diamond Transportation Limited", "Dimond Transportation Limited"),
        ("Islamic State in Iraq", "Islamic State in Iran"),
        ("Brigade 313", "Brigade 314"),
        ("Islamic Group", "Islamic Movement"),
        ("ETIM", "ETIP"),
    ],
)
def test_similar_names_of_distinct_organisations_stay_apart(a: str, b: str) -> None:
    resolution = resolve([org("x:1", a), org("y:1", b)])
    assert apart(resolution, "x:1", "y:1"), resolution.of("x:1")


def test_short_names_and_acronyms_do_not_link() -> None:
    resolution = resolve([org("x:1", "ASC", "LH"), org("y:1", "ASC"), org("z:1", "LH")])
    assert len(resolution.entities) == 3


def test_a_name_one_list_gives_two_entries_identifies_neither() -> None:
    resolution = resolve(
        [
            org("ofac:16475", "ANSAR AL-SHARIA IN BENGHAZI", "SUPPORTERS OF ISLAMIC LAW"),
            org("ofac:16476", "ANSAR AL-SHARIA IN DARNAH", "SUPPORTERS OF ISLAMIC LAW"),
            org("un:QDe.143", "ANSAR AL-SHARIA IN TUNISIA", "Supporters of Islamic Law"),
        ]
    )
    assert len(resolution.entities) == 3


def test_people_and_ships_are_not_merged_by_name() -> None:
    resolution = resolve(
        [
            person("a:1", "Ahmed al-Sharaa"),
            person("b:1", "Ahmed al-Sharaa"),
            org("c:1", "SEA STAR", kind="asset"),
            org("d:1", "SEA STAR", kind="asset"),
            org("e:1", "Sea Star Trading"),
        ]
    )
    assert len(resolution.entities) == 5


# --- rules -------------------------------------------------------------------------------------


def test_an_entity_rule_names_the_entity_and_adds_names() -> None:
    rule = EntityRule(name="Muslim Brotherhood", aliases=("Братья-мусульмане",))
    mentions = [
        org("ru:1", '"Братья-мусульмане"', kind="unknown"),
        mention_of_news("Muslim Brotherhood"),
    ]
    assert len(resolve(mentions).entities) == 2
    resolution = resolve(mentions, [rule])
    entity = resolution.of("ru:1")
    assert together(resolution, "ru:1", "news:muslim brotherhood")
    assert entity is not None and (entity.id, entity.name) == (
        "muslim-brotherhood",
        "Muslim Brotherhood",
    )
    assert entity.names[:2] == ("Muslim Brotherhood", "Братья-мусульмане")
    assert {k.kind for k in entity.links} == {"rule"}
    assert all(k.b == "[[entity]] Muslim Brotherhood" for k in entity.links)


def test_same_as_joins_members_by_ref_and_people_too() -> None:
    rule = EntityRule(
        name="Ahmed al-Sharaa",
        same_as=("a:1", "news:Abu Mohammed al-Julani", "Abu Muhammad al-Jawlani"),
    )
    resolution = resolve(
        [
            person("a:1", "AL-SHARAA, Ahmed"),
            mention_of_news("Abu Mohammed al-Julani"),
            person("b:1", "Abu Muhammad al-Jawlani"),
            person("c:1", "Somebody Else"),
        ],
        [rule],
    )
    assert together(resolution, "a:1", "news:abu mohammed al julani", "b:1")
    assert apart(resolution, "a:1", "c:1")
    why = {k.why for k in resolution.of("a:1").links}  # type: ignore[union-attr]
    assert "[[entity]] Ahmed al-Sharaa: same_as a:1" in why


def test_not_same_as_wins_over_every_automatic_link() -> None:
    mentions = [
        org("un:QDe.1", "Jund al-Khilafah", ids=("un:QDe.1",)),
        org("gb:1", "Jund al-Khilafah", ids=("un:QDe.1",)),  # the same UN reference
        org("ofac:1", "JUND AL-KHILAFAH"),
        mention_of_news("Jund al-Khilafah"),
    ]
    assert len(resolve(mentions).entities) == 1
    rule = EntityRule(name="Jund al-Khilafah", not_same_as=("gb:1", "ofac:1"))
    resolution = resolve(mentions, [rule])
    assert together(resolution, "un:QDe.1", "news:jund al khilafah")
    assert apart(resolution, "un:QDe.1", "gb:1")  # even the shared identifier gives way
    assert apart(resolution, "un:QDe.1", "ofac:1")
    assert apart(resolution, "gb:1", "un:QDe.1")
    reasons = " ".join(k.why for k in resolution.apart)
    assert "[[entity]] Jund al-Khilafah: not_same_as gb:1" in reasons
    # split deterministically: the same result from the same mentions in any order
    assert resolve(reversed(mentions), [rule]) == resolution


def test_not_same_as_by_name() -> None:
    rule = EntityRule(name="Taliban", not_same_as=("Tehrik-e Taliban Pakistan",))
    resolution = resolve(
        [org("a:1", "Taliban", "Tehrik-e Taliban Pakistan"), mention_of_news("Taliban")], [rule]
    )
    assert apart(resolution, "a:1", "news:taliban")


def test_two_rules_are_two_entities_and_a_watch_of_the_same_name_is_one() -> None:
    rules = [
        EntityRule(name="Taliban", aliases=("Taleban",)),
        EntityRule(name="TTP", aliases=("Tehrik-e Taliban Pakistan",)),
        EntityRule(name="taliban", aliases=("Талибан",)),  # e.g. a [[watch]]: read with the first
    ]
    resolution = resolve(
        [
            mention_of_news("Талибан"),
            mention_of_news("Taleban"),
            org("x:1", "Taleban", "Tehrik-e Taliban Pakistan"),
        ],
        rules,
    )
    taliban = resolution.of("news:taliban")
    assert taliban is not None and taliban.name == "Taliban" and taliban.id == "taliban"
    # x:1 carries a name of each: it joins one (deterministically), never both
    assert resolution.of("x:1") is not None
    assert {e.id for e in resolution.entities} == {"taliban", "ttp"}
    assert any("are two entities" in k.why for k in resolution.apart)


def test_a_rule_that_names_nobody_makes_no_entity() -> None:
    assert resolve([], [EntityRule(name="Taliban")]).entities == ()


# --- the projection: order, ids, look-ups ------------------------------------------------------


def _many() -> list[Mention]:
    mentions = [
        org("un:QDe.004", "AL-QAIDA", "Al Qaeda", ids=("un:QDe.004",)),
        org("gb:AQD0001", "AL-QAIDA", ids=("un:QDe.004", "uk:AQD0001")),
        org("ofac:6366", "AL QA'IDA", ids=("ofac:6366",)),
        org("ofac2:6366", "AL QA'IDA", ids=("ofac:6366",)),
        org("ru:1", '"База" ("Аль-Каида")', kind="unknown"),
        org("ofac:4697", "HIZBALLAH", ids=("ofac:4697",)),
        mention_of_news("Hezbollah"),
        mention_of_news("al-Qaeda"),
        org("un:QDe.129", "AL-QAIDA IN THE ARABIAN PENINSULA (AQAP)", ids=("un:QDe.129",)),
        person("un:QDi.1", "SOMEONE", ids=("un:QDi.1",)),
    ]
    return mentions + [org(f"z:{i}", f"Company Number {i}") for i in range(50)]


def test_the_same_mentions_in_any_order_give_the_same_resolution() -> None:
    mentions = _many()
    first = resolve(mentions)
    for seed in range(5):
        shuffled = mentions[:]
        random.Random(seed).shuffle(shuffled)
        assert resolve(shuffled) == first
    al_qaida = first.of("un:QDe.004")
    assert al_qaida is not None
    assert al_qaida.members == (
        "gb:AQD0001",
        "news:al qaeda",
        "ofac2:6366",
        "ofac:6366",
        "ru:1",
        "un:QDe.004",
    )
    assert al_qaida.name == "Al-Qaida"
    assert apart(first, "un:QDe.004", "un:QDe.129")


def test_versions_of_one_entry_pool_their_names_and_ids() -> None:
    old = org("un:QDe.115", "AL-QAIDA IN IRAQ", ids=("un:QDe.115",))
    new = org("un:QDe.115", "AL-QAIDA IN IRAQ", "Islamic State in Iraq and the Levant")
    resolution = resolve([new, org("ofac:8759", "ISLAMIC STATE OF IRAQ AND THE LEVANT"), old])
    assert together(resolution, "un:QDe.115", "ofac:8759")
    assert resolution == resolve(
        [old, org("ofac:8759", "ISLAMIC STATE OF IRAQ AND THE LEVANT"), new]
    )


def test_ids_are_stable_and_readable() -> None:
    first = {e.members: e.id for e in resolve(_many()).entities}
    again = {e.members: e.id for e in resolve(_many()[::-1]).entities}
    assert first == again
    al_qaida = resolve(_many()).of("ru:1")
    assert al_qaida is not None and al_qaida.id.startswith("al-qaida-")
    assert len({e.id for e in resolve(_many()).entities}) == len(resolve(_many()).entities)


def test_find_by_any_name_in_any_script_and_by_spelling() -> None:
    resolution = resolve(_many())
    al_qaida = resolution.of("un:QDe.004")
    for name in ("Al-Qaida", "AL QAEDA", "Аль-Каида", "База", "al-Qa'ida"):
        assert resolution.find(name) == [al_qaida], name
    assert resolution.find("Hizbollah") == [resolution.of("ofac:4697")]
    assert resolution.find("Hamas") == []


def test_explain_gives_the_chain_of_links() -> None:
    resolution = resolve(_many())
    [link] = resolution.explain("ofac2:6366", "ofac:6366")
    assert (link.why, link.kind) == ("share the OFAC uid 6366", "identifier")
    chain = resolution.explain("ru:1", "news:al qaeda")
    assert "ru:1" in (chain[0].a, chain[0].b) and "news:al qaeda" in (chain[-1].a, chain[-1].b)
    assert all(len({x.a, x.b} & {y.a, y.b}) == 1 for x, y in itertools.pairwise(chain))
    assert resolution.explain("un:QDe.004", "un:QDe.129") == ()
    assert resolution.explain("un:QDe.004", "nobody:1") == ()
