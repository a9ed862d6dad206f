"""Where each workspace's tokens live in multi-workspace mode: slack_sdk's SQLAlchemy
installation and OAuth state stores, on the bot's own engine (tables: migration 0006)."""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, MetaData, select

from bot.store.models import Workspace

STATE_EXPIRATION_SECONDS = 600  # an install started more than 10 minutes ago starts again


def store_metadata() -> MetaData:
    """The tables the two stores read and write, as slack_sdk defines them (for comparing
    with what migration 0006 built, and for Alembic's autogenerate to leave them be)."""
    metadata = MetaData()
    cls = SQLAlchemyInstallationStore
    cls.build_installations_table(metadata, cls.default_installations_table_name)
    cls.build_bots_table(metadata, cls.default_bots_table_name)
    states = SQLAlchemyOAuthStateStore
    states.build_oauth_states_table(metadata, states.default_table_name)
    return metadata


def installation_store(engine: Engine, client_id: str) -> SQLAlchemyInstallationStore:
    """The installation store for this app (rows are scoped by its client id)."""
    return SQLAlchemyInstallationStore(client_id=client_id, engine=engine)


def state_store(
    engine: Engine, expiration_seconds: int = STATE_EXPIRATION_SECONDS
) -> SQLAlchemyOAuthStateStore:
    """The store of the OAuth `state` values handed out by the install page (used once)."""
    return SQLAlchemyOAuthStateStore(expiration_seconds=expiration_seconds, engine=engine)


def enterprise_of(store: SQLAlchemyInstallationStore, team_id: str) -> str | None:
    """The enterprise (Enterprise Grid org) a workspace was installed from, if any.

    Our own rows know only their team_id; slack_sdk's lookups need the enterprise id too
    (None matches only installs outside an org)."""
    c = store.bots.c
    query = (
        select(c.enterprise_id)
        .where(c.client_id == store.client_id, c.team_id == team_id, c.bot_token.is_not(None))
        .order_by(c.installed_at.desc())
        .limit(1)
    )
    with store.engine.connect() as conn:
        return conn.execute(query).scalar_one_or_none()


def org_of_workspace(engine: Engine, team_id: str) -> str | None:
    """The Enterprise Grid org a workspace's requests came from (our own workspaces row):
    an org-wide install has no row of the workspace itself in the installation tables."""
    with engine.connect() as conn:
        return conn.execute(
            select(Workspace.enterprise_id).where(Workspace.team_id == team_id)
        ).scalar_one_or_none()
