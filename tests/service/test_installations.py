"""slack_sdk's installation and state stores work on the tables migration 0006 builds."""

from __future__ import annotations

import time

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import text

from bot.store import installations
from bot.store.db import make_engine


def _store_differences(conn) -> list:
    """What autogenerate would change to make the migrated tables the stores' tables."""
    ours = set(installations.store_metadata().tables)

    def only_ours(name, type_, parent_names) -> bool:
        return type_ != "table" or name in ours  # the bot's own tables are not the stores'

    context = MigrationContext.configure(
        conn, opts={"include_name": only_ours, "compare_type": True}
    )
    return compare_metadata(context, installations.store_metadata())


def test_the_migrated_tables_are_the_stores_tables(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            assert _store_differences(conn) == []
            # In the same transaction, rolled back: the database stays as migrated.
            conn.execute(text("ALTER TABLE slack_bots DROP COLUMN bot_refresh_token"))
            assert [d[0] for d in _store_differences(conn)] == ["add_column"]  # the check sees it
            conn.rollback()
    finally:
        engine.dispose()


def _installation(team: str, token: str, **extra) -> Installation:
    return Installation(
        app_id="A0001",
        enterprise_id=extra.pop("enterprise_id", None),
        team_id=team,
        team_name=f"Team {team}",
        bot_token=token,
        bot_id="B0BOT",
        bot_user_id="U0BOT",
        bot_scopes="commands,chat:write",
        user_id="U0ALICE",
        installed_at=time.time(),
        **extra,
    )


def test_the_stores_save_find_and_delete_per_workspace(db_url: str) -> None:
    engine = make_engine(db_url)
    store = installations.installation_store(engine, "111.222")
    try:
        store.save(_installation("T0001", "xoxb-one"))
        store.save(_installation("T0002", "xoxb-two", enterprise_id="E0001"))
        store.save(
            _installation(
                "T0003", "xoxe.xoxb-three", bot_refresh_token="xoxe-1-r", bot_token_expires_in=60
            )
        )
        assert store.find_bot(enterprise_id=None, team_id="T0001").bot_token == "xoxb-one"
        assert store.find_bot(enterprise_id=None, team_id="T0002") is None  # in an org
        assert installations.enterprise_of(store, "T0002") == "E0001"
        assert installations.enterprise_of(store, "T0001") is None
        bot = store.find_bot(enterprise_id="E0001", team_id="T0002")
        assert bot.bot_token == "xoxb-two"
        rotating = store.find_bot(enterprise_id=None, team_id="T0003")
        assert rotating.bot_refresh_token == "xoxe-1-r"
        assert rotating.bot_token_expires_at <= time.time() + 61
        # Another app's client id sees nothing of this one's installs.
        other = installations.installation_store(engine, "999.999")
        assert other.find_bot(enterprise_id=None, team_id="T0001") is None

        store.delete_all(enterprise_id=None, team_id="T0001")
        assert store.find_bot(enterprise_id=None, team_id="T0001") is None
        assert store.find_installation(enterprise_id=None, team_id="T0001") is None
        assert store.find_bot(enterprise_id="E0001", team_id="T0002") is not None
    finally:
        engine.dispose()


def test_a_state_is_used_once_and_not_after_it_expired(db_url: str) -> None:
    engine = make_engine(db_url)
    states = installations.state_store(engine)
    try:
        state = states.issue()
        assert states.consume(state) is True
        assert states.consume(state) is False  # used
        late = states.issue()
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE slack_oauth_states SET expire_at = :t WHERE state = :s"),
                {"t": "2000-01-01 00:00:00", "s": late},
            )
        assert states.consume(late) is False  # expired
        assert states.consume("never-issued") is False
    finally:
        engine.dispose()
