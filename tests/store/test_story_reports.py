"""A news story's reports, read by (stream, version): all of them for ``monitor show``, or the
first and a page of the latest for the web (issue 22: a story of 1,400 reports made its page
slow), with the count from the ``stories`` projection; on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.events import NewEvent, story_stream
from monitor.evidence import evidence_for
from monitor.store import Store
from tests.factories import report

STORY = "designation:RU:taliban:announced_removal:1"
NOW = datetime(2024, 10, 5, 9, 0, tzinfo=UTC)


def told(store: Store, corroborations: int) -> list[int]:
    """The story's first report and its corroborations, one append each; their ids."""
    ids = []
    for n in range(corroborations + 1):
        payload = report(STORY, url=f"https://news{n}.example/a", corroborates=n > 0)
        [event] = store.append(
            [NewEvent(story_stream(STORY), payload, source=f"outlet{n}")],
            now=NOW + timedelta(minutes=n),
        )
        ids.append(event.id)
    return ids


def test_a_page_of_reports_is_the_first_and_the_latest_and_goes_on_to_older(
    store_url: str,
) -> None:
    store = Store(store_url)
    ids = told(store, 7)
    event = store.event(ids[3])
    assert event is not None

    everything = evidence_for(store, event)["story"]
    assert [r["id"] for r in everything["reports"]] == ids
    assert (everything["count"], everything["older"]) == (8, None)

    latest = evidence_for(store, event, reports=3)["story"]
    assert [r["id"] for r in latest["reports"]] == [ids[0], *ids[5:]]  # first, then log order
    assert latest["count"] == 8 and latest["reports"][1]["source"] == "outlet5"
    older = evidence_for(store, event, reports=3, before=latest["older"])["story"]
    assert [r["id"] for r in older["reports"]] == [ids[0], *ids[2:5]]
    oldest = evidence_for(store, event, reports=3, before=older["older"])["story"]
    assert [r["id"] for r in oldest["reports"]] == ids[:2] and oldest["older"] is None

    exact = evidence_for(store, event, reports=7)["story"]  # every corroboration fits
    assert [r["id"] for r in exact["reports"]] == ids and exact["older"] is None
    store.close()


def test_a_story_read_by_stream_follows_versions(store_url: str) -> None:
    store = Store(store_url)
    ids = told(store, 4)
    stream = story_stream(STORY)
    with store.reading() as tx:
        assert [e.id for e in tx.events(stream=stream)] == ids
        newest = tx.events(stream=stream, newest_first=True, limit=2)
        assert [e.id for e in newest] == [ids[4], ids[3]]
        between = tx.events(stream=stream, versions=(1, 4))
        assert [e.version for e in between] == [2, 3]
        assert [e.id for e in tx.events(stream=stream, versions=(3, None))] == ids[3:]
    store.close()
