"""Time is passed in, never read by domain code; this is the one real clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """Aware current time in UTC."""
    return datetime.now(UTC)


def zone_or_utc(name: str | None) -> ZoneInfo:
    """The IANA zone of that name, else UTC (unknown or missing names never fail)."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def local_today(now: datetime, zone_name: str | None) -> date:
    """The date it is for a reader in that zone (UTC when unknown)."""
    return now.astimezone(zone_or_utc(zone_name)).date()
