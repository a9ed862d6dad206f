"""Slack's rate limits, as the stand-in and the tests' fake enforce them: tiers per method, posts per channel.

The tier of each method comes from the reference data (`../shared/slack/methods/*.json`,
`rate_limits`), not from the bot's own table, so the bot's pacing is tested against what
Slack publishes. Each (token, method) has a bucket of the tier's calls per minute, which
may all be spent at once (Slack allows bursts) and refills evenly over the minute.
`chat.postMessage` (tier "special") is limited per (token, channel): about one a second
with a short burst. A call beyond its budget is answered 429 `ratelimited` with a
`Retry-After` in whole seconds, and nothing is done.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Slack's published floors ("Tier 3: 50+ per minute").
PER_MINUTE = {"t1": 1, "t2": 20, "t3": 50, "t4": 100}
POSTS_PER_SECOND = 1.0
POST_BURST = 5  # "short bursts" over the one a second


@dataclass
class _Bucket:
    rate: float  # tokens a second
    burst: float
    tokens: float
    stamp: float

    def take(self, now: float) -> float | None:
        """Spend one token; None when there was one, else the seconds until there is."""
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        return (1 - self.tokens) / self.rate


def tiers_from(schema_dir: Path | None) -> dict[str, str]:
    """Method name -> tier ("t1".."t5") from the reference method files (empty: none)."""
    if schema_dir is None or not schema_dir.is_dir():
        return {}
    tiers: dict[str, str] = {}
    for path in schema_dir.glob("*.json"):
        try:
            tier = json.loads(path.read_text(encoding="utf-8")).get("rate_limits")
        except (OSError, ValueError):
            continue
        if isinstance(tier, str):
            tiers[path.stem] = tier
    return tiers


class TierLimits:
    """Decides, call by call, whether Slack would answer 429 (thread-safe)."""

    def __init__(self, tiers: dict[str, str], clock: Callable[[], float] = time.monotonic) -> None:
        self._tiers = tiers
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self.limited: list[tuple[str, str]] = []  # (method, key) of every 429 answered

    def _bucket(self, key: tuple[str, str], rate: float, burst: float, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(rate, burst, burst, now)
        return bucket

    def retry_after(self, token: str | None, method: str, args: dict[str, Any]) -> int | None:
        """Count this call; None when it is within the limits, else Retry-After seconds."""
        tier = self._tiers.get(method)
        now = self._clock()
        who = token or ""
        with self._lock:
            if tier in PER_MINUTE:
                key = (who, method)
                per_minute = PER_MINUTE[tier]
                bucket = self._bucket(key, per_minute / 60.0, per_minute, now)
            elif method == "chat.postMessage":
                channel = args.get("channel")
                key = (who, f"post:{channel}")
                bucket = self._bucket(key, POSTS_PER_SECOND, POST_BURST, now)
            else:
                return None
            wait = bucket.take(now)
            if wait is None:
                return None
            self.limited.append((method, key[1]))
            return max(1, math.ceil(wait))

    def reset(self) -> None:
        """Full buckets again, and no 429s on record."""
        with self._lock:
            self._buckets.clear()
            self.limited.clear()
