"""Alembic environment: runs migrations on the engine or URL the caller provides."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from bot.store.db import make_engine
from bot.store.installations import store_metadata
from bot.store.models import Base

config = context.config
# Our models, and slack_sdk's installation and state store tables (migration 0006).
target_metadata = [Base.metadata, store_metadata()]


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Use a connection handed over in config.attributes, else build one from the URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from bot.config import load_settings

        url = load_settings().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
