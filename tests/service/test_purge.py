"""`s3bot purge`: one workspace's records deleted at once, another's untouched (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import func, select

from bench.growth import TEAM, seed
from bot import cli
from bot.services import backlog, workspace
from bot.store.db import make_engine, make_session_factory
from bot.store.installations import installation_store
from bot.store.migrate import upgrade
from bot.store.models import Base
from bot.store.purge_repo import _tables
from tests.support.db import truncate_all

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
OTHER = "T0OTHER"


@pytest.fixture
def stored(db_url: str):
    """A migrated database: TEAM with some of everything (rounds, agreements, reminders,
    outbox) and its Slack installation; OTHER with a tension in a channel of the same id."""
    engine = make_engine(db_url)
    upgrade(engine)
    if db_url.startswith("postgresql"):  # one database for the session: start empty
        truncate_all(db_url)
    seed(engine, 12, NOW)
    store = installation_store(engine, client_id="1.2")
    for team in (TEAM, OTHER):
        store.save(Installation(app_id="A0001", user_id="U0ADMIN", team_id=team, bot_token=f"xoxb-{team}",
                                bot_id="B1", bot_user_id="U0BOT"))  # fmt: skip
    sessions = make_session_factory(engine)
    backlog.raise_tension(
        sessions, team_id=OTHER, channel_id="C0CIRCLE", author_id="U0ALICE", text="x", now=NOW
    )
    yield engine, sessions
    engine.dispose()


def _rows(engine, team: str) -> dict[str, int]:
    with engine.connect() as conn:
        counts = {
            t.name: conn.scalar(select(func.count()).select_from(t).where(t.c.team_id == team))
            for t in _tables()
        }
    return {name: n for name, n in counts.items() if n}


def test_purge_deletes_every_row_of_the_workspace_and_nothing_of_another(stored) -> None:
    engine, sessions = stored
    before = _rows(engine, TEAM)
    assert {"consent_rounds", "agreements", "review_nudges", "outbox", "slack_bots"} <= set(before)
    other = _rows(engine, OTHER)
    deleted = workspace.purge_team(sessions, team_id=TEAM)
    assert deleted == before
    assert _rows(engine, TEAM) == {}
    assert _rows(engine, OTHER) == other  # same channel and user ids, another workspace
    every_table = {t.name for t in Base.metadata.sorted_tables if "team_id" in t.c}
    assert every_table <= {t.name for t in _tables()}  # no table of ours is forgotten


def test_the_command_asks_for_the_team_id_and_deletes_only_when_it_is_typed(
    stored, db_url: str, monkeypatch, capsys
) -> None:
    engine, _ = stored
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setattr("sys.stdin", io.StringIO("T0WRONG\n"))
    assert cli.main(["purge", "--team", TEAM]) == 1
    assert "not deleted" in capsys.readouterr().err and _rows(engine, TEAM)
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{TEAM}\n"))
    assert cli.main(["purge", "--team", TEAM]) == 0
    assert "deleted" in capsys.readouterr().out and _rows(engine, TEAM) == {}
    assert cli.main(["purge", "--team", TEAM, "--yes"]) == 1  # nothing left to delete
    assert "nothing is stored" in capsys.readouterr().err
    assert cli.main(["purge", "--team", OTHER, "--yes"]) == 0
    assert _rows(engine, OTHER) == {}
