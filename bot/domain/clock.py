"""Time is passed in, never read by domain code; this is the one real clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """Aware current time in UTC."""
    return datetime.now(UTC)
