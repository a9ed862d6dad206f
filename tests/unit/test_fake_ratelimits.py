"""The Slack fake answers 429 with Retry-After beyond Slack's tiers, as Slack would."""

from __future__ import annotations

from pathlib import Path

from bot.demo.ratelimits import POST_BURST, TierLimits, tiers_from


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_tiers_come_from_slacks_reference(shared_slack_dir: Path) -> None:
    tiers = tiers_from(shared_slack_dir / "methods")
    assert tiers["chat.update"] == "t3"
    assert tiers["views.open"] == "t4"
    assert tiers["chat.postMessage"] == "t5"


def test_a_tier_3_method_gets_50_a_minute_then_429_with_retry_after() -> None:
    clock = Clock()
    limits = TierLimits({"chat.update": "t3"}, clock=clock)
    answers = [limits.retry_after("xoxb-1", "chat.update", {}) for _ in range(51)]
    assert answers[:50] == [None] * 50
    assert answers[50] == 2  # a token comes back every 1.2 s: "try again in 2"
    assert limits.retry_after("xoxb-2", "chat.update", {}) is None  # another workspace
    clock.now += 1.2
    assert limits.retry_after("xoxb-1", "chat.update", {}) is None
    assert limits.limited == [("chat.update", "chat.update")]


def test_posts_are_limited_per_channel_about_one_a_second() -> None:
    clock = Clock()
    limits = TierLimits({"chat.postMessage": "t5"}, clock=clock)
    first = [limits.retry_after("xoxb-1", "chat.postMessage", {"channel": "C1"}) for _ in range(6)]
    assert first == [None] * POST_BURST + [1]
    assert limits.retry_after("xoxb-1", "chat.postMessage", {"channel": "C2"}) is None
    clock.now += 1.0
    assert limits.retry_after("xoxb-1", "chat.postMessage", {"channel": "C1"}) is None


def test_special_and_unknown_methods_are_not_limited() -> None:
    limits = TierLimits({"auth.test": "t5"})
    assert all(limits.retry_after("x", "auth.test", {}) is None for _ in range(500))
    assert all(limits.retry_after("x", "team.info", {}) is None for _ in range(500))
