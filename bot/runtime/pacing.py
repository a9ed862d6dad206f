"""Pacing calls within Slack's rate tiers, so a burst waits a little instead of meeting 429s.

Each (workspace token, method) has a token bucket sized by the method's tier; posts are also
paced per channel (about one a second, with a short burst). A 429 that still comes is retried
by slack_sdk's handler after its `Retry-After`.

Only work that may wait does wait: the sweeps run `with patient():`. A listener never sleeps
for its turn (that would hold a request thread); its calls are counted against the budget,
and a post the budget has no room for is left to the sweep (`Pacer.ready`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

# Calls per minute of each tier (Slack's published floors), and the burst a bucket allows.
TIER_PER_MINUTE = {"t1": 1, "t2": 20, "t3": 50, "t4": 100}
TIER_BURST = {"t1": 1, "t2": 5, "t3": 10, "t4": 20}

# The tier of each method the bot calls (checked against ../shared/slack by the tests).
# t5 is Slack's "special" tier: chat.postMessage is paced per channel instead.
METHOD_TIERS = {
    "chat.postMessage": "t5",
    "chat.update": "t3",
    "chat.delete": "t3",
    "chat.postEphemeral": "t4",
    "chat.getPermalink": "t5",
    "views.open": "t4",
    "views.push": "t4",
    "views.update": "t4",
    "views.publish": "t4",
    "users.info": "t4",
    "conversations.members": "t4",
    "conversations.open": "t3",
    "conversations.info": "t3",
    "conversations.history": "t3",
    "conversations.replies": "t3",
    "reactions.add": "t3",
    "reactions.remove": "t2",
    "auth.test": "t5",
    "conversations.canvases.create": "t2",
    "canvases.create": "t2",
    "canvases.edit": "t3",
    "canvases.sections.lookup": "t3",
}
POSTS_PER_SECOND_PER_CHANNEL = 1.0
POST_BURST = 3
MAX_WAIT = 30.0  # a call waits at most this long for its turn, then goes (and may meet a 429)


@dataclass
class Bucket:
    """A token bucket: `rate` tokens a second, holding at most `burst`."""

    rate: float
    burst: float
    tokens: float = field(default=-1.0)
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.burst

    def wait_time(self, now: float) -> float:
        """Take a token, returning how long to wait for it (0: now)."""
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


_local = threading.local()
_stopping = threading.Event()  # the process is shutting down: nobody waits for a turn any more


@contextmanager
def patient() -> Iterator[None]:
    """Calls made inside wait for their turn (the sweeps); elsewhere they never wait."""
    before = getattr(_local, "patient", False)
    _local.patient = True
    try:
        yield
    finally:
        _local.patient = before


def is_patient() -> bool:
    return bool(getattr(_local, "patient", False)) and not _stopping.is_set()


def stop_waiting() -> None:
    """Shutting down: sweeps stop waiting for their turn within the tiers and finish quickly
    (what they leave unsent stays in the outbox for the next start, or another replica)."""
    _stopping.set()


class Pacer:
    """Buckets per (workspace, method) and per (workspace, channel) for posts; thread-safe."""

    def __init__(self, sleep=time.sleep, share: int = 1) -> None:  # type: ignore[no-untyped-def]
        # Processes sharing the token share Slack's limits but not this pacer: each takes
        # 1/share of every budget (rate and burst), so together they stay within the tier.
        self._share = max(1, share)
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], Bucket] = {}
        self._held: dict[tuple[str, str], float] = {}  # key -> monotonic time it is free again
        self._sleep = sleep

    def __deepcopy__(self, memo: dict) -> Pacer:
        """One pacer per process: a copied client (Bolt copies a lazy listener's request
        with its client) keeps counting against the same budget."""
        return self

    def _bucket(self, key: tuple[str, str], rate: float, burst: float) -> Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            share = self._share
            bucket = self._buckets[key] = Bucket(rate / share, max(1.0, burst / share))
        return bucket

    @staticmethod
    def _keys(workspace: str, method: str, channel: str | None) -> list[tuple[str, str]]:
        keys = [(workspace, method)]
        if method == "chat.postMessage" and channel:
            keys.append((workspace, "post:" + channel))
        return keys

    def hold(self, workspace: str, method: str, seconds: float, channel: str | None = None) -> None:
        """Slack answered 429 with Retry-After: nobody calls this again before it is over
        (a post's limit is its channel's; other methods' the workspace's)."""
        key = (
            (workspace, "post:" + channel)
            if method == "chat.postMessage" and channel
            else (
                workspace,
                method,
            )
        )
        until = time.monotonic() + max(0.0, seconds)
        with self._lock:
            self._held[key] = max(until, self._held.get(key, 0.0))

    def _held_for(self, keys: list[tuple[str, str]], now: float) -> float:
        """How long a 429's Retry-After still holds these keys (under the lock)."""
        return max([self._held.get(key, 0.0) - now for key in keys] + [0.0])

    def delay(self, workspace: str, method: str, channel: str | None = None) -> float:
        """Reserve a turn for this call; how long it must wait before going."""
        now = time.monotonic()
        waits = [0.0]
        with self._lock:
            waits.append(self._held_for(self._keys(workspace, method, channel), now))
            tier = METHOD_TIERS.get(method)
            if tier in TIER_PER_MINUTE:
                rate = TIER_PER_MINUTE[tier] / 60.0
                waits.append(
                    self._bucket((workspace, method), rate, TIER_BURST[tier]).wait_time(now)
                )
            if method == "chat.postMessage" and channel:
                bucket = self._bucket(
                    (workspace, "post:" + channel), POSTS_PER_SECOND_PER_CHANNEL, POST_BURST
                )
                waits.append(bucket.wait_time(now))
        return min(max(waits), MAX_WAIT)

    def pace(self, workspace: str, method: str, channel: str | None = None) -> None:
        """Take this call's turn; wait for it when the caller is patient."""
        if getattr(_local, "taken", None) == (workspace, method, channel):
            _local.taken = None  # its turn was taken by `take_if_ready` just before
            return
        wait = self.delay(workspace, method, channel)
        if wait > 0 and is_patient():
            self._sleep(wait)

    def take_if_ready(self, workspace: str, method: str, channel: str | None = None) -> bool:
        """Take a turn for this thread's next such call if one is free now, else take none.

        Checking and taking are one step, so concurrent listeners cannot all see the last
        free turn and all go (which `ready` then a call would allow).
        """
        now = time.monotonic()
        with self._lock:
            if self._held_for(self._keys(workspace, method, channel), now) > 0:
                return False
            tier = METHOD_TIERS.get(method)
            buckets = []
            if tier in TIER_PER_MINUTE:
                rate = TIER_PER_MINUTE[tier] / 60.0
                buckets.append(self._bucket((workspace, method), rate, TIER_BURST[tier]))
            if method == "chat.postMessage" and channel:
                buckets.append(
                    self._bucket(
                        (workspace, "post:" + channel), POSTS_PER_SECOND_PER_CHANNEL, POST_BURST
                    )
                )
            for bucket in buckets:
                bucket.tokens = min(
                    bucket.burst, bucket.tokens + (now - bucket.stamp) * bucket.rate
                )
                bucket.stamp = now
            if any(bucket.tokens < 1 for bucket in buckets):
                return False
            for bucket in buckets:
                bucket.tokens -= 1
        _local.taken = (workspace, method, channel)
        return True

    def ready(self, workspace: str, method: str, channel: str | None = None) -> bool:
        """Whether a call could go now without waiting (nothing is reserved)."""
        now = time.monotonic()
        keys = self._keys(workspace, method, channel)
        with self._lock:
            if self._held_for(keys, now) > 0:
                return False
            for key in keys:
                bucket = self._buckets.get(key)
                if bucket is not None:
                    refill = min(bucket.burst, bucket.tokens + (now - bucket.stamp) * bucket.rate)
                    if refill < 1:
                        return False
        return True
