"""Welcome use cases on SQLite and PostgreSQL: once per channel, once per person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.services import payloads, welcome
from bot.store import models
from bot.store.db import make_engine, make_session_factory

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def sessions(db_url: str):
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


def test_a_channel_is_welcomed_once_with_one_queued_message(sessions) -> None:
    assert welcome.welcome_channel(sessions, team_id="T1", channel_id="C1", now=NOW)
    assert not welcome.welcome_channel(
        sessions, team_id="T1", channel_id="C1", now=NOW + timedelta(hours=3)
    )
    assert welcome.welcome_channel(sessions, team_id="T2", channel_id="C1", now=NOW)  # scoped
    with sessions() as session:
        rows = session.scalars(select(models.Outbox).where(models.Outbox.team_id == "T1")).all()
    assert [(r.key, r.target) for r in rows] == [(welcome.channel_welcome_key("C1"), "C1")]
    assert payloads.parse(rows[0].payload) == payloads.ChannelWelcome(channel_id="C1")
    assert welcome.welcomed_channels(sessions, team_id="T1", limit=5) == ["C1"]


def test_the_home_welcome_is_pending_until_done_per_person(sessions) -> None:
    assert welcome.home_welcome_pending(sessions, team_id="T1", user_id="U1")
    welcome.home_welcome_done(sessions, team_id="T1", user_id="U1", now=NOW)
    welcome.home_welcome_done(sessions, team_id="T1", user_id="U1", now=NOW)  # twice: fine
    assert not welcome.home_welcome_pending(sessions, team_id="T1", user_id="U1")
    assert welcome.home_welcome_pending(sessions, team_id="T1", user_id="U2")
    assert welcome.home_welcome_pending(sessions, team_id="T2", user_id="U1")
