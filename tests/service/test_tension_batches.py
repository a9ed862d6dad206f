"""Tensions raised at the same moment, stored in one transaction, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.domain.backlog import ItemStatus
from bot.domain.errors import AlreadyHandled
from bot.services import backlog
from bot.store import models
from bot.store.db import make_engine, make_session_factory

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@pytest.fixture
def sessions(db_url: str):
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


def _request(channel: str, text: str, key: str | None = None, minute: int = 0):
    return backlog.TensionRequest("T1", channel, "U1", text, NOW + timedelta(minutes=minute), key)


def test_a_batch_over_two_channels_numbers_each_backlog_in_order(sessions) -> None:
    backlog.raise_tension(
        sessions, team_id="T1", channel_id="C1", author_id="U9", text="before", now=NOW
    )
    out = backlog.raise_tensions(
        sessions,
        [
            _request("C1", "a", "k1"),
            _request("C2", "b", "k2"),
            _request("C1", "c", "k3", minute=1),
            _request("C2", "d", "k4", minute=2),
        ],
    )
    assert [(r.item.channel_id, r.item.number, r.item.rank, r.open_count) for r in out] == [
        ("C1", 2, 2, 2),
        ("C2", 1, 1, 1),
        ("C1", 3, 3, 3),
        ("C2", 2, 2, 2),
    ]
    assert out[2].item.created_at == NOW + timedelta(minutes=1)
    items, total = backlog.backlog_page(sessions, team_id="T1", channel_id="C1", limit=10)
    assert [i.text for i in items] == ["before", "a", "c"] and total == 3
    with sessions() as s:
        events = s.scalars(select(models.ItemEvent.action).order_by(models.ItemEvent.id)).all()
        rows = s.scalars(select(models.Outbox).order_by(models.Outbox.id)).all()
        circle = s.scalar(select(models.Circle).where(models.Circle.channel_id == "C1"))
    assert events == ["raised"] * 5
    announced = {r.key: json.loads(r.payload) for r in rows if r.key.startswith("tension:")}
    assert set(announced) == {backlog.announcement_key(r.item.id) for r in out} | {
        backlog.announcement_key(items[0].id)
    }
    assert announced[backlog.announcement_key(out[3].item.id)]["open_count"] == 2
    assert circle is not None and circle.next_number == 4


def test_a_replay_in_the_same_batch_or_after_it_raises_nothing_twice(sessions) -> None:
    out = backlog.raise_tensions(
        sessions, [_request("C1", "a", "same"), _request("C1", "a", "same"), _request("C1", "b")]
    )
    assert isinstance(out[0], backlog.RaisedTension) and isinstance(out[1], AlreadyHandled)
    assert isinstance(out[2], backlog.RaisedTension) and out[2].item.number == 2
    again = backlog.raise_tensions(sessions, [_request("C1", "a", "same")])
    assert isinstance(again[0], AlreadyHandled)
    with pytest.raises(AlreadyHandled):
        backlog.raise_tension(
            sessions, team_id="T1", channel_id="C1", author_id="U1", text="a", now=NOW,
            request_key="same",
        )  # fmt: skip
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.BacklogItem)) == 2
        assert s.scalar(select(func.count()).select_from(models.Outbox)) == 2


def test_the_same_key_in_another_workspace_is_its_own_request(sessions) -> None:
    other = backlog.TensionRequest("T2", "C1", "U1", "x", NOW, "same")
    out = backlog.raise_tensions(sessions, [_request("C1", "a", "same"), other])
    assert all(isinstance(r, backlog.RaisedTension) for r in out)
    assert [r.item.team_id for r in out] == ["T1", "T2"]


def test_a_batch_that_fails_stores_none_of_its_tensions(sessions, monkeypatch) -> None:
    from bot.services import payloads

    def broken(*_args, **_kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(payloads, "queue_many", broken)
    with pytest.raises(RuntimeError):
        backlog.raise_tensions(sessions, [_request("C1", "a", "k1"), _request("C2", "b", "k2")])
    monkeypatch.undo()
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.BacklogItem)) == 0
        assert s.scalar(select(func.count()).select_from(models.ProcessedEvent)) == 0
    again = backlog.raise_tensions(sessions, [_request("C1", "a", "k1")])
    assert isinstance(again[0], backlog.RaisedTension)  # not taken for a replay


def test_a_burst_from_many_threads_gives_every_tension_its_own_number_and_place(sessions) -> None:
    def raise_one(n: int) -> backlog.RaisedTension:
        return backlog.raise_tension(
            sessions, team_id="T1", channel_id=f"C{n % 2}", author_id=f"U{n % 5}",
            text=f"tension {n}", now=NOW, request_key=f"req-{n}",
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=12) as pool:
        raised = list(pool.map(raise_one, range(120)))
    for channel in ("C0", "C1"):
        mine = [r.item for r in raised if r.item.channel_id == channel]
        assert sorted(i.number for i in mine) == list(range(1, 61))
        assert sorted(i.rank or 0 for i in mine) == list(range(1, 61))
        items, total = backlog.backlog_page(sessions, team_id="T1", channel_id=channel, limit=100)
        assert total == 60 and len({i.id for i in items}) == 60
        assert all(i.status is ItemStatus.NEW for i in items)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.Outbox)) == 120
