"""The migrations build the schema the models describe, and the latest one steps back and forth."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot.store.db import make_engine
from bot.store.installations import store_metadata
from bot.store.migrate import alembic_config, upgrade
from bot.store.models import Base


def _index_differences(engine) -> list:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), [Base.metadata, store_metadata()])
    return [d for d in diff if isinstance(d, tuple) and d[0] in ("add_index", "remove_index")]


def test_migrated_indexes_are_the_models_indexes(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert _index_differences(engine) == []
    finally:
        engine.dispose()


def test_the_agreement_page_indexes_step_down_and_up_again(db_url: str) -> None:
    engine = make_engine(db_url)
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0004")
        names = {i["name"] for i in inspect(engine).get_indexes("agreements")}
        assert "ix_agreements_team_channel_status" in names
        assert "ix_agreements_team_status_review" not in names
        assert _index_differences(engine) != []  # the check sees a missing index
        upgrade(engine)
        names = {i["name"] for i in inspect(engine).get_indexes("agreements")}
        assert {"ix_agreements_team_channel_status_review", "ix_agreements_team_status_review"} <= (
            names
        )
        assert _index_differences(engine) == []
    finally:
        engine.dispose()
