"""Engine and session factory: SQLite (embedded default) or PostgreSQL (several replicas)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import deque
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
        connect_args = {"timeout": wait, "check_same_thread": False, "factory": _TurnConnection}
        engine = create_engine(url, connect_args=connect_args)
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


class Turns:
    """A lock that hands over in the order it was asked for (first come, first served), so no
    thread waits longer than the ones queued before it; `acquire` gives up after `timeout`."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queue: deque[object] = deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        with self._cond:
            if not self._held and not self._queue:
                self._held = True
                return True
            me = object()
            self._queue.append(me)
            deadline = time.monotonic() + timeout
            while self._held or self._queue[0] is not me:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._queue.remove(me)
                    self._cond.notify_all()  # the next in line may be free to go now
                    return False
                self._cond.wait(remaining)
            self._queue.popleft()
            self._held = True
            return True

    def release(self) -> None:
        with self._cond:
            self._held = False
            self._cond.notify_all()


class _TurnConnection(sqlite3.Connection):
    """A SQLite connection whose transactions take their engine's turn first.

    SQLite lets one writer in at a time, and a writer kept out polls with growing sleeps (up
    to 100 ms): under a burst, the threads that keep arriving win and one that waits can
    miss its chance for longer than the bot may wait (the person is then told "could not
    save"). Waiting for the engine's turn instead queues its threads on a lock that hands
    over as soon as a transaction ends; SQLite's own wait is left for other writers (other
    processes, the CLI).
    """

    turn: Turns | None = None
    holding = False

    def take_turn(self, seconds: float) -> None:
        if self.turn is None or self.holding:
            return
        if not self.turn.acquire(timeout=seconds):
            raise sqlite3.OperationalError("database is locked (waited for the engine's turn)")
        self.holding = True

    def end_turn(self) -> None:
        if self.holding and self.turn is not None:
            self.holding = False
            self.turn.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_turn()


def _sqlite_setup(engine: Engine, busy_ms: int) -> None:
    """WAL, foreign keys, and BEGIN IMMEDIATE so concurrent writers queue instead of failing;
    the engine's threads take turns (_TurnConnection) before they ask SQLite."""
    turn = Turns()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
            if isinstance(dbapi_conn, _TurnConnection):
                dbapi_conn.turn = turn
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        dbapi_conn = conn.connection.dbapi_connection
        if isinstance(dbapi_conn, _TurnConnection):
            dbapi_conn.take_turn(busy_ms / 1000)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if isinstance(dbapi_conn, _TurnConnection):
                dbapi_conn.end_turn()
            raise


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
