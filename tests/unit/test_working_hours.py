"""When an answer reminder may reach someone: a weekday, 09:00 to 17:00 in their timezone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.consent import next_working_time


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "zone", "expected"),
    [
        (utc(2026, 12, 3, 9, 1), "Europe/Amsterdam", utc(2026, 12, 3, 9, 1)),  # Thu 10:01
        (utc(2026, 12, 3, 7, 0), "Europe/Amsterdam", utc(2026, 12, 3, 8, 0)),  # Thu 08:00
        (utc(2026, 12, 3, 16, 0), "Europe/Amsterdam", utc(2026, 12, 4, 8, 0)),  # Thu 17:00
        (utc(2026, 12, 4, 16, 30), "Europe/Amsterdam", utc(2026, 12, 7, 8, 0)),  # Fri evening
        (utc(2026, 12, 6, 12, 0), "Europe/Amsterdam", utc(2026, 12, 7, 8, 0)),  # Sunday
        (utc(2026, 12, 3, 9, 1), "America/Los_Angeles", utc(2026, 12, 3, 17, 0)),  # 01:01
        (utc(2026, 12, 6, 23, 0), "Pacific/Auckland", utc(2026, 12, 6, 23, 0)),  # Mon 12:00
        (utc(2026, 12, 5, 10, 0), None, utc(2026, 12, 7, 9, 0)),  # unknown: UTC
        (utc(2026, 12, 5, 10, 0), "Not/AZone", utc(2026, 12, 7, 9, 0)),
        (utc(2027, 3, 27, 12, 0), "Europe/Amsterdam", utc(2027, 3, 29, 7, 0)),  # after DST
    ],
)
def test_next_working_time(at: datetime, zone: str | None, expected: datetime) -> None:
    assert next_working_time(at, zone) == expected
