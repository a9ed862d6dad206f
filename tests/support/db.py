"""Database helpers the fixtures and the multi-process tests share."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]


def truncate_all(url: str) -> None:
    from bot.store.installations import store_metadata
    from bot.store.models import Base

    engine = create_engine(url)
    tables = [*Base.metadata.sorted_tables, *store_metadata().sorted_tables]
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
