"""Backlog use cases on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.domain.backlog import ItemChanged, ItemStatus
from bot.domain.errors import TextTooLong
from bot.services import backlog, workspace
from bot.store import models
from bot.store.db import make_engine, make_session_factory

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


@pytest.fixture
def sessions(db_url: str):
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


def test_raised_tensions_go_to_the_bottom_in_order(sessions) -> None:
    first = backlog.raise_tension(
        sessions, team_id="T1", channel_id="C1", author_id="U1", text="late releases", now=NOW
    )
    second = backlog.raise_tension(
        sessions, team_id="T1", channel_id="C1", author_id="U2", text="unclear roles", now=NOW
    )
    assert (first.item.number, first.item.rank, first.open_count) == (1, 1, 1)
    assert (second.item.number, second.item.rank, second.open_count) == (2, 2, 2)
    assert second.item.status is ItemStatus.NEW
    assert second.item.created_at == NOW
    items, total = backlog.backlog_page(sessions, team_id="T1", channel_id="C1", limit=10)
    assert [i.text for i in items] == ["late releases", "unclear roles"]
    assert total == 2


def test_backlogs_are_per_channel_and_per_workspace(sessions) -> None:
    backlog.raise_tension(
        sessions, team_id="T1", channel_id="C1", author_id="U1", text="a", now=NOW
    )
    other_channel = backlog.raise_tension(
        sessions, team_id="T1", channel_id="C2", author_id="U1", text="b", now=NOW
    )
    other_team = backlog.raise_tension(
        sessions, team_id="T2", channel_id="C1", author_id="U1", text="c", now=NOW
    )
    assert other_channel.item.rank == 1 and other_team.item.rank == 1
    items, total = backlog.backlog_page(sessions, team_id="T2", channel_id="C1", limit=10)
    assert [i.text for i in items] == ["c"] and total == 1
    mine = backlog.open_tensions_of(sessions, team_id="T1", user_id="U1", limit=10)
    assert sorted(i.text for i in mine) == ["a", "b"]


def test_history_records_who_raised_it(sessions) -> None:
    raised = backlog.raise_tension(
        sessions, team_id="T1", channel_id="C1", author_id="U9", text="x", now=NOW
    )
    with sessions() as s:
        events = s.scalars(
            select(models.ItemEvent).where(models.ItemEvent.item_id == raised.item.id)
        ).all()
    assert [(e.actor_id, e.action, e.at) for e in events] == [("U9", "raised", NOW)]


def test_too_long_stores_nothing(sessions) -> None:
    with pytest.raises(TextTooLong):
        backlog.raise_tension(
            sessions, team_id="T1", channel_id="C1", author_id="U1", text="x" * 3001, now=NOW
        )
    assert backlog.backlog_page(sessions, team_id="T1", channel_id="C1", limit=10) == ([], 0)


def test_paging_in_rank_order(sessions) -> None:
    for n in range(30):
        backlog.raise_tension(
            sessions, team_id="T1", channel_id="C1", author_id="U1", text=f"t{n}", now=NOW
        )
    page, total = backlog.backlog_page(sessions, team_id="T1", channel_id="C1", limit=10, offset=20)
    assert total == 30
    assert [i.rank for i in page] == list(range(21, 31))


def _raise(sessions, n: int):
    return backlog.raise_tension(
        sessions, team_id="T1", channel_id="C1", author_id="U1", text=f"t{n}", now=NOW
    ).item


def _stored_ranks(sessions) -> dict[int, int | None]:
    with sessions() as s:
        return dict(s.execute(select(models.BacklogItem.number, models.BacklogItem.rank)).all())


def _shown(sessions) -> list[tuple[int, int | None]]:
    page, _ = backlog.backlog_page(sessions, team_id="T1", channel_id="C1", limit=50)
    return [(i.number, i.rank) for i in page]


def test_an_item_leaving_the_top_moves_no_other_row_and_places_stay_1_to_n(sessions) -> None:
    made = [_raise(sessions, n) for n in range(6)]
    before = _stored_ranks(sessions)
    backlog.dismiss(
        sessions, team_id="T1", item_id=made[0].id, actor="U1", reason="solved", now=NOW
    )
    after = _stored_ranks(sessions)
    assert after[1] is None and {k: v for k, v in after.items() if k != 1} == {
        k: v for k, v in before.items() if k != 1
    }  # one row written, however long the backlog
    assert _shown(sessions) == [(2, 1), (3, 2), (4, 3), (5, 4), (6, 5)]
    # Moves, new items and single items read places, across the gap left behind.
    moved = backlog.move(
        sessions, team_id="T1", item_id=made[4].id, actor="U1", expected_rank=4, to="top", now=NOW
    )
    assert moved.rank == 1
    assert _shown(sessions) == [(5, 1), (2, 2), (3, 3), (4, 4), (6, 5)]
    backlog.move(
        sessions, team_id="T1", item_id=made[4].id, actor="U1", expected_rank=1, to=3, now=NOW
    )
    assert _shown(sessions) == [(2, 1), (3, 2), (5, 3), (4, 4), (6, 5)]
    assert backlog.get(sessions, team_id="T1", item_id=made[3].id).rank == 4
    with pytest.raises(ItemChanged):  # the place the person saw is gone
        backlog.move(
            sessions, team_id="T1", item_id=made[5].id, actor="U1", expected_rank=6, to="up",
            now=NOW,
        )  # fmt: skip
    assert _raise(sessions, 7).rank == 6
    mine = backlog.open_tensions_of(sessions, team_id="T1", user_id="U1", limit=3)
    assert [(i.number, i.rank) for i in mine] == [(7, 6), (6, 5), (5, 3)]


def test_concurrent_raises_get_distinct_numbers_and_ranks(sessions) -> None:
    def raise_one(n: int) -> tuple[int, int]:
        r = backlog.raise_tension(
            sessions, team_id="T1", channel_id="C1", author_id=f"U{n}", text=f"t{n}", now=NOW
        )
        return r.item.number, r.item.rank or 0

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(raise_one, range(40)))
    numbers = sorted(n for n, _ in results)
    ranks = sorted(r for _, r in results)
    assert numbers == list(range(1, 41))
    assert ranks == list(range(1, 41))


def test_event_ids_are_recorded_once_and_purged_later(sessions) -> None:
    assert workspace.first_delivery(sessions, team_id="T1", event_id="Ev1", now=NOW) is True
    assert workspace.first_delivery(sessions, team_id="T1", event_id="Ev1", now=NOW) is False
    assert workspace.first_delivery(sessions, team_id="T2", event_id="Ev1", now=NOW) is True
    backlog.raise_tension(
        sessions, team_id="T1", channel_id="C1", author_id="U1", text="x", now=NOW
    )
    backlog.raise_tension(
        sessions, team_id="T2", channel_id="C1", author_id="U1", text="x", now=NOW
    )
    assert workspace.purge_old_event_ids(sessions, now=NOW + timedelta(hours=1)) == 0
    assert workspace.purge_old_event_ids(sessions, now=NOW + timedelta(days=3)) == 2
    assert workspace.first_delivery(sessions, team_id="T1", event_id="Ev1", now=NOW) is True


def test_workspace_language(sessions) -> None:
    assert workspace.workspace_locale(sessions, team_id="T1") is None
    workspace.set_workspace_locale(sessions, team_id="T1", locale="nl", now=NOW)
    assert workspace.workspace_locale(sessions, team_id="T1") == "nl"
    assert workspace.workspace_locale(sessions, team_id="T2") is None


def test_places_of_a_persons_tensions_match_the_list_whichever_end_they_are_near(sessions) -> None:
    made = [
        backlog.raise_tension(
            sessions, team_id="T1", channel_id="C1", author_id=f"U{n % 3}", text=f"t{n}", now=NOW
        ).item
        for n in range(40)
    ]
    for n in (0, 5, 6, 17, 30, 38):  # gaps near the top, the middle and the bottom
        backlog.dismiss(
            sessions, team_id="T1", item_id=made[n].id, actor="U1", reason="gone", now=NOW
        )
    page, total = backlog.backlog_page(sessions, team_id="T1", channel_id="C1", limit=50)
    shown = {i.id: i.rank for i in page}
    assert total == 34 and sorted(shown.values()) == list(range(1, 35))
    for author in ("U0", "U1", "U2"):
        mine = backlog.open_tensions_of(sessions, team_id="T1", user_id=author, limit=20)
        assert mine and {i.id: i.rank for i in mine} == {i.id: shown[i.id] for i in mine}
