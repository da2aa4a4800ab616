"""Designation classifier: one test per rule, in English and Russian."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.config import Watch
from monitor.detect.classify import detect_designations
from monitor.detect.model import Designation, NewsItem

TALIBAN = [Watch(entity="Taliban", aliases=["Taleban", "Талибан", "Движение «Талибан»"])]
MAY_2025 = datetime(2025, 5, 1, tzinfo=UTC)


def found(
    title: str, summary: str = "", text: str = "", watches=TALIBAN
) -> set[tuple[str, str, str]]:
    item = NewsItem(title=title, summary=summary, text=text, published=MAY_2025)
    return {(d.actor, d.entity, d.action) for d in detect_designations(item, watches)}


# --- enacted and announced changes --------------------------------------------------------

ENACTED = [
    ("Kazakhstan removes Taliban from list of banned organisations", ("KZ", "Taliban", "removed")),
    ("Russia has delisted the Taliban.", ("RU", "Taliban", "removed")),
    ("The Taliban was struck off Russia's list of banned organisations.", ("RU", "Taliban", "removed")),
    ("Taliban no longer a terrorist organisation in Russia", ("RU", "Taliban", "removed")),
    ("US revokes Ansarallah's terrorist designation", ("US", "Houthis", "removed")),
    ("Казахстан исключил «Талибан» из перечня запрещенных организаций", ("KZ", "Taliban", "removed")),
    ("Киргизия вслед за Казахстаном исключила талибов из перечня запрещенных организаций",
     ("KG", "Taliban", "removed")),
    ("Движение «Талибан» исключено из списка террористических организаций, запрещенных в Киргизии",
     ("KG", "Taliban", "removed")),
    ("Canada lists IRGC as a terrorist entity", ("CA", "IRGC", "added")),
    ("The Houthis were designated a Foreign Terrorist Organization on Tuesday.", ("US", "Houthis", "added")),
    ("Britain proscribes Palestine Action", ("GB", "Palestine Action", "added")),
    ("EU adds IRGC to terrorist list", ("EU", "IRGC", "added")),
    ("Госдеп признал хуситов иностранной террористической организацией", ("US", "Houthis", "added")),
    ("Канада внесла КСИР в список террористических организаций", ("CA", "IRGC", "added")),
    ("Russia's Supreme Court suspends Taliban ban", ("RU", "Taliban", "suspended")),
    ("Верховный суд РФ приостановил запрет деятельности «Талибана»", ("RU", "Taliban", "suspended")),
    ("Запрет деятельности «Талибана» в России приостановлен", ("RU", "Taliban", "suspended")),
    ("The ban on the Taliban was suspended by Russia's Supreme Court", ("RU", "Taliban", "suspended")),
    ("US amends al-Nusrah Front terror designation to include HTS alias",
     ("US", "Hayat Tahrir al-Sham", "amended")),
]  # fmt: skip


@pytest.mark.parametrize(("title", "expected"), ENACTED)
def test_enacted(title: str, expected: tuple[str, str, str]) -> None:
    assert found(title) == {expected}


ANNOUNCED = [
    ("Russia to remove Taliban from terror list", ("RU", "Taliban", "announced_removal")),
    ("Kremlin: Taliban to be removed from terror list 'soon'", ("RU", "Taliban", "announced_removal")),
    ("Moscow plans to take the Taliban off its terrorism blacklist", ("RU", "Taliban", "announced_removal")),
    ("Russia says a principal decision was made to remove the Taliban from its terrorist list",
     ("RU", "Taliban", "announced_removal")),
    ("Moscow is finalising the Taliban's removal from its terrorist list",
     ("RU", "Taliban", "announced_removal")),
    ("Russia says Taliban delisting decision made", ("RU", "Taliban", "announced_removal")),
    ("Россия исключит «Талибан» из списка террористических организаций", ("RU", "Taliban", "announced_removal")),
    ("Казахстан намерен исключить движение «Талибан» из списка запрещенных организаций",
     ("KZ", "Taliban", "announced_removal")),
    ("Принято принципиальное решение об исключении «Талибана» из списка террористических организаций России",
     ("RU", "Taliban", "announced_removal")),
    ("UK to ban Palestine Action under terrorism laws", ("GB", "Palestine Action", "announced_addition")),
    ("Prosecutors asked Russia's Supreme Court to suspend the Taliban ban",
     ("RU", "Taliban", "announced_removal")),
    ("Генпрокуратура попросила Верховный суд признать движение «Колумбайн» террористическим",
     ("RU", "Columbine", "announced_addition")),
    ("Britain will outlaw the political wing of Lebanon's Hezbollah", ("GB", "Hezbollah", "announced_addition")),
    ("Лондон намерен признать ЧВК «Вагнер» террористической организацией",
     ("GB", "Wagner Group", "announced_addition")),
]  # fmt: skip


@pytest.mark.parametrize(("title", "expected"), ANNOUNCED)
def test_announced(title: str, expected: tuple[str, str, str]) -> None:
    assert found(title) == {expected}


# --- mentions, calls, denials, states, conditions, history: no change ----------------------

NOT_A_CHANGE = [
    # standing bans mentioned in passing
    "The Taliban, which remains on Russia's list of terrorist organisations, sent a delegation.",
    "Боевики движения «Талибан» (запрещено в РФ) захватили Кундуз",
    "Attack by the banned Taliban movement kills 12 in Helmand",
    "Hundreds arrested at protest backing banned Palestine Action",
    "The group has been on Russia's list of terrorist organisations since 2003.",
    "Hamas, which the EU lists as a terrorist group, rejected the proposal.",
    "«Талибан» по-прежнему входит в список запрещенных в России организаций.",
    "Боевики ХАМАС, признанного в ряде стран террористическим, атаковали Израиль",
    "*Движение «Талибан» признано террористическим и запрещено в России.",
    "Washington has long designated Hezbollah a terrorist organisation.",
    # calls and hopes
    "Afghanistan urged Russia to remove the Taliban from its list.",
    "Afghanistan asked Russia to remove the Taliban from its terrorist list",
    "Талибы попросили Россию исключить движение из списка террористических организаций",
    "Activists call on Britain to proscribe the IRGC",
    "Муттаки выразил надежду, что Россия исключит движение из списка запрещенных организаций.",
    "Senators reintroduce bill to designate Muslim Brotherhood as terrorist group",
    # denials and negation
    "Russia will not remove the Taliban from its terrorist list, Lavrov said.",
    "Lavrov said there were no plans to delist the Taliban.",
    "Россия не намерена исключать «Талибан» из списка террористических организаций",
    "Russia's Supreme Court rejected an appeal against a ruling that outlawed the group as extremist",
    # considering, conditions, questions
    "Britain would consider whether to remove HTS from its list of proscribed organisations.",
    "Will Russia take the Taliban off its terrorist list?",
    "If the Taliban were removed from the terrorist list, trade would grow.",
    # history
    "Russia's Supreme Court designated the Taliban a terrorist organisation in 2003.",
    "Police arrested 500 supporters of Palestine Action, the group proscribed last month.",
    # not designations at all
    "Russia recognises Taliban government",
    "US sanctions on Iranian oil",
    "Russia adds Meduza to foreign agents register",
    "Минюст внес «Медузу» в реестр иностранных агентов",
    "Treasury adds Rosneft and Lukoil to its Specially Designated Nationals list",
    "The Taliban have banned women from attending universities.",
    # a member of a group, unnamed: not the group itself
    "UN Security Council removes Taliban official from sanctions list",
]


@pytest.mark.parametrize("title", NOT_A_CHANGE)
def test_not_a_change(title: str) -> None:
    assert found(title) == set()


def test_negation_binds_to_its_own_verb() -> None:
    title = "Кабулов не исключил, что «Талибан» исключат из списка террористических организаций"
    assert found(title) == {("RU", "Taliban", "announced_removal")}


def test_a_month_before_publication_is_history() -> None:
    lede = "Moscow's decision in April to suspend the Taliban's terrorist designation opened trade."
    assert found("Taliban hail trade with Russia", lede) == set()


# --- structure of an item -------------------------------------------------------------------


def test_headline_may_leave_the_list_to_the_lede() -> None:
    assert found(
        "Palestine Action ban comes into force",
        "The group was proscribed as a terrorist organisation after a vote, the Home Office said.",
    ) == {("GB", "Palestine Action", "added")}


def test_body_recap_is_ignored_when_the_lede_has_news() -> None:
    body = "Kazakhstan and Kyrgyzstan said they will remove the Taliban from their lists of banned groups."
    assert found("Russia to remove Taliban from terror list", text=body) == {
        ("RU", "Taliban", "announced_removal")
    }


def test_body_is_read_when_the_lede_is_silent() -> None:
    body = (
        "Officials met on Friday. "
        "Kazakhstan has removed the Taliban from its list of banned terrorist organisations."
    )
    assert found("Central Asia and Afghanistan", "Talks were held.", body) == {
        ("KZ", "Taliban", "removed")
    }


def test_several_changes_in_one_item() -> None:
    lede = (
        "The State Department has designated eight groups, including Mexico's Sinaloa Cartel, "
        "Venezuela's Tren de Aragua and El Salvador's MS-13, as Foreign Terrorist Organizations."
    )
    assert found("US designates cartels as terrorist organisations", lede) == {
        ("US", "Sinaloa Cartel", "added"),
        ("US", "Tren de Aragua", "added"),
        ("US", "MS-13", "added"),
    }


def test_enacted_change_hides_its_announcement() -> None:
    lede = (
        "Russia's Supreme Court suspended the ban on the Taliban on Thursday. "
        "The prosecutor general's office had asked the court to suspend the terrorist designation."
    )
    assert found("Russia lifts Taliban ban", lede) == {("RU", "Taliban", "suspended")}


def test_entity_from_the_rest_of_the_item() -> None:
    assert found(
        "Russia's Supreme Court suspends ban on the movement",
        "The Taliban have ruled Afghanistan since 2021.",
    ) == {("RU", "Taliban", "suspended")}


def test_unknown_organisation_is_named_as_reported() -> None:
    assert found("Israel designates Al-Haq and Addameer as terrorist organisations") == {
        ("IL", "Al-Haq", "added"),
        ("IL", "Addameer", "added"),
    }


def test_watched_flag_and_evidence() -> None:
    item = NewsItem(
        title="Kazakhstan removes Taliban from list of banned organisations",
        summary="<p>Kazakhstan has removed the <b>Taliban</b> from its list of banned groups.</p>",
    )
    watched = detect_designations(item, TALIBAN)
    assert watched == [
        Designation("KZ", "Taliban", "removed", True, item.title),
    ]
    assert (watched[0].lang, watched[0].signals) == ("en", {"rule": "removes"})
    unwatched = detect_designations(item, [])
    assert [(d.entity, d.watched) for d in unwatched] == [("Taliban", False)]


def test_hts_aliases_are_one_entity() -> None:
    assert found(
        "UK deproscribes HTS",
        "Britain has removed Hayat Tahrir al-Sham from its list of proscribed organisations.",
    ) == {("GB", "Hayat Tahrir al-Sham", "removed")}


def test_a_whole_article_in_the_summary_is_not_all_lead() -> None:
    summary = (
        "Russia said a principal decision had been made to remove the Taliban from its list of "
        "terrorist organisations. Lawyers are working on it. The envoy spoke in Moscow. "
        "Delegates attended. Kazakhstan and Kyrgyzstan said they will remove the Taliban from "
        "their lists of banned groups."
    )
    assert found("Russia to delist Taliban", summary) == {("RU", "Taliban", "announced_removal")}


def test_dateline_city_is_not_the_actor() -> None:
    lede = "MOSCOW, Dec. 29. /TASS/. Kazakhstan has removed the Taliban from its list of banned groups."
    assert found("Central Asia moves on Taliban", lede) == {("KZ", "Taliban", "removed")}


def test_passive_addition_to_a_list() -> None:
    assert found(
        "Kazakhstan updates terror list",
        "The Kazakh government said the Brigade 313 had been added to the national list of "
        "terrorist organisations.",
    ) == {("KZ", "Brigade 313", "added")}


@pytest.mark.parametrize(
    ("title", "lede", "expected"),
    [
        (
            "Lawmakers back ban on militia",
            "Britain's MPs have voted to proscribe Hizb ut-Tahrir as a terrorist organisation.",
            ("GB", "Hizb ut-Tahrir", "announced_addition"),  # the order still needs the Lords
        ),
        (
            "Council delists two men",
            "The UN Security Council voted to remove Ahmed al-Sharaa from its sanctions list.",
            ("UN", "Ahmed al-Sharaa", "removed"),  # the council's vote is the decision
        ),
        (
            "Court acts on Taliban ban",
            "Russia's Supreme Court granted the prosecutor's claim to suspend the ban on the "
            "Taliban.",
            ("RU", "Taliban", "suspended"),
        ),
        (
            "Court acts on militia ban",
            "The Supreme Court of Kazakhstan on Tuesday granted an administrative claim lodged by "
            "the Prosecutor General's Office of the republic to suspend the ban on Hizb ut-Tahrir.",
            ("KZ", "Hizb ut-Tahrir", "suspended"),  # the grant is far from the verb
        ),
    ],
)
def test_who_votes_and_what_a_court_grants(title: str, lede: str, expected: tuple) -> None:
    assert expected in found(title, lede)


def test_a_partner_named_after_with_is_not_the_designator() -> None:
    lede = (
        "Ministers will lift the ban on Hay'at Tahrir al-Sham, seeking closer engagement with the "
        "new Syrian government. Britain's decision to remove the group from the list of "
        "proscribed organisations was announced on Monday."
    )
    assert {actor for actor, _, _ in found("Order laid", lede)} == {"GB"}


def test_indian_unlawful_association_and_a_name_ending_in_a_country() -> None:
    assert found(
        "Government outlaws student front",
        "The Home Ministry has declared the Students Islamic Movement of India an unlawful "
        "association for five more years.",
    ) == {("IN", "Students Islamic Movement of India", "added")}


def test_the_present_progressive_reports_the_act() -> None:
    assert found(
        "Washington moves on militia",
        "The United States is formally designating the Zainabiyoun Brigade as a foreign "
        "terrorist organization.",
    ) == {("US", "Zainabiyoun Brigade", "added")}


def test_an_adjective_before_an_appositive_name_is_its_home_not_the_designator() -> None:
    assert found(
        "Wagner banned in Britain",
        "The Russian paramilitary company, Wagner Group, was proscribed under the Terrorism Act "
        "on Friday.",
    ) == {("GB", "Wagner Group", "added")}


def test_a_group_named_after_its_country_is_that_countrys_to_ban() -> None:
    assert found(
        "Ban lifted",
        "The federal cabinet lifted the ban on Tehreek-e-Labbaik Pakistan, a proscribed group, "
        "after talks with its leaders.",
    ) == {("PK", "Tehreek-e-Labbaik Pakistan", "removed")}


@pytest.mark.parametrize(
    ("title", "lede", "expected"),
    [
        (
            "Court lifts ban for now",
            "Kyrgyzstan's Supreme Court temporarily lifted the ban on Hizb ut-Tahrir pending a "
            "new hearing.",
            ("KG", "Hizb ut-Tahrir", "suspended"),
        ),
        (
            "Суд снял запрет",
            "Верховный суд Киргизии временно отменил запрет на деятельность движения «Талибан».",
            ("KG", "Taliban", "suspended"),
        ),
    ],
)
def test_a_ban_lifted_temporarily_is_suspended(title: str, lede: str, expected: tuple) -> None:
    assert expected in found(title, lede)
