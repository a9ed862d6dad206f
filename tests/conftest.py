"""Shared fixtures: the reference data in ../shared, databases (SQLite, PostgreSQL), the Slack fake."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support.db import ROOT, truncate_all

pytest_plugins = ("tests.support.replicas",)  # pg_url and deps fixtures for multi-process tests

E2E = Path(__file__).resolve().parent / "e2e"
HANDLERS = Path(__file__).resolve().parent / "handlers"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow: everything under tests/e2e (served HTTP, Socket Mode, replicas, the demo), and the
    PostgreSQL runs of the handler flows (the inner loop runs them on SQLite; the service
    tests keep PostgreSQL in the inner loop; CI runs everything)."""
    for item in items:
        on_postgres = item.get_closest_marker("postgres") is not None
        if item.path.is_relative_to(E2E) or (item.path.is_relative_to(HANDLERS) and on_postgres):
            item.add_marker(pytest.mark.slow)


IN_CI = bool(os.environ.get("CI"))
PG_ADMIN_URL = os.environ.get(
    "S3BOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _unavailable(reason: str) -> None:
    """Fail in CI (where everything must run), skip with a clear message elsewhere."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this must not be skipped)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_slack_dir() -> Path:
    """Slack's reference data, beside the project at ../shared/slack."""
    path = Path(os.environ.get("S3BOT_SHARED_SLACK", ROOT.parent / "shared" / "slack"))
    if not (path / "methods").is_dir():
        _unavailable(f"Slack reference data not found at {path}")
    return path


def _shared_methods_or_none() -> Path | None:
    path = Path(os.environ.get("S3BOT_SHARED_SLACK", ROOT.parent / "shared" / "slack")) / "methods"
    if path.is_dir():
        return path
    if IN_CI:
        pytest.fail(f"Slack method schemas not found at {path} (CI=true)")
    return None


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """The admin URL of a reachable PostgreSQL."""
    engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        _unavailable(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}")
    finally:
        engine.dispose()
    return PG_ADMIN_URL


@pytest.fixture(scope="session")
def pg_database(pg_server_url: str) -> Iterator[str]:
    """A throwaway database for this test session, migrated to head."""
    name = f"s3bot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_server_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


_pg_migrated: set[str] = set()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite file, made once per run; each test gets its own copy."""
    from bot.store.db import make_engine
    from bot.store.migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "bot.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: SQLite file, or the session's PostgreSQL database."""
    from bot.store.db import make_engine
    from bot.store.migrate import upgrade

    if request.param == "sqlite":
        path = tmp_path / "bot.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database")
    if url not in _pg_migrated:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        _pg_migrated.add(url)
    truncate_all(url)
    return url


@pytest.fixture
def fake() -> Iterator[object]:
    """A running Slack fake, checking calls against Slack's method schemas."""
    from tests.fakes import FakeSlack

    slack = FakeSlack(schema_dir=_shared_methods_or_none()).start()
    slack.add_user("U0ALICE", "alice", real_name="Alice Appel", locale="en-US")
    slack.add_user("U0BRAM", "bram", real_name="Bram de Vries", locale="nl-NL")
    slack.add_user("U0CHEN", "chen", real_name="Chen Li", locale="en-GB")
    slack.add_channel("C0CIRCLE", "ops-circle", ["U0ALICE", "U0BRAM", "U0CHEN"])
    try:
        yield slack
    finally:
        slack.stop()
    slack.assert_clean()
