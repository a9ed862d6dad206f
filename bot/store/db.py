"""Engine and session factory: SQLite (embedded default) or PostgreSQL (several replicas)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the common way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, pool_size: int = 10, wait_seconds: float | None = None) -> Engine:
    """Create an engine tuned for the bot's short transactions.

    `wait_seconds` bounds how long one statement may wait for a lock, a connection or the
    server (the bot's requests: an ack is due within 3 s, so a database in trouble answers
    "could not save" in time instead of holding the ack); None: the patient defaults of
    the CLI and the migrations.
    """
    url = normalise_url(url)
    wait = 30.0 if wait_seconds is None else wait_seconds
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": wait, "check_same_thread": False})
        _sqlite_setup(engine, busy_ms=int(wait * 1000))
        return engine
    connect: dict[str, object] = {"connect_timeout": max(1, round(min(wait, 5.0)))}
    if wait_seconds is not None:
        ms = int(wait_seconds * 1000)
        connect["options"] = f"-c lock_timeout={ms} -c statement_timeout={ms}"
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=min(wait, 5.0),
        connect_args=connect,
    )


def _sqlite_setup(engine: Engine, busy_ms: int) -> None:
    """WAL, foreign keys, and BEGIN IMMEDIATE so concurrent writers queue instead of failing."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction per use case: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


_pings = ThreadPoolExecutor(max_workers=2, thread_name_prefix="s3bot-ping")
_in_flight: dict[int, Future[bool]] = {}
_in_flight_lock = threading.Lock()


def _ping_now(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return False


def ping(engine: Engine, timeout: float = 1.5) -> bool:
    """True when the database answers a trivial query within `timeout` seconds.

    A hanging database makes this False in time (a health check must answer fast); while one
    check still hangs, the next waits on that same one rather than piling up connections.
    """
    with _in_flight_lock:
        running = _in_flight.get(id(engine))
        if running is None or running.done():
            running = _in_flight[id(engine)] = _pings.submit(_ping_now, engine)
    try:
        return running.result(timeout=timeout)
    except FutureTimeout:
        return False


def insert_for(session: Session):  # type: ignore[no-untyped-def]
    """The dialect's INSERT (for ON CONFLICT): PostgreSQL's or SQLite's."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
