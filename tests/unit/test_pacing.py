"""Pacing within Slack's tiers: bursts wait their turn instead of meeting 429s."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.runtime.pacing import MAX_WAIT, METHOD_TIERS, Pacer, patient


def test_posts_to_one_channel_go_about_one_a_second_after_a_short_burst() -> None:
    pacer = Pacer()
    waits = [pacer.delay("xoxb-1", "chat.postMessage", "C1") for _ in range(8)]
    assert waits[:3] == [0.0, 0.0, 0.0]  # the burst
    assert all(b > a for a, b in zip(waits[3:], waits[4:], strict=False))  # then spaced out
    assert 4.5 <= waits[-1] <= 5.5  # the 8th post about five seconds on
    assert pacer.delay("xoxb-1", "chat.postMessage", "C2") == 0.0  # another channel: its own pace
    assert pacer.delay("xoxb-2", "chat.postMessage", "C1") == 0.0  # another workspace too


def test_a_tier_3_method_allows_its_burst_then_about_50_a_minute() -> None:
    pacer = Pacer()
    waits = [pacer.delay("xoxb-1", "chat.update") for _ in range(12)]
    assert waits[:10] == [0.0] * 10
    assert waits[10] == pytest.approx(60 / 50, rel=0.05)
    assert waits[11] == pytest.approx(2 * 60 / 50, rel=0.05)


def test_no_call_waits_longer_than_the_bound() -> None:
    pacer = Pacer()
    waits = [pacer.delay("xoxb-1", "reactions.remove") for _ in range(200)]
    assert max(waits) == MAX_WAIT


def test_unknown_methods_are_not_held_back() -> None:
    assert Pacer().delay("xoxb-1", "team.info") == 0.0


@pytest.mark.shared
def test_the_tier_table_matches_slacks_reference(shared_slack_dir: Path) -> None:
    for method, tier in METHOD_TIERS.items():
        spec = json.loads((shared_slack_dir / "methods" / f"{method}.json").read_text())
        assert spec["rate_limits"] == tier, method


def test_the_people_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.runtime import people

    monkeypatch.setattr(people, "USERS_CACHED", 3)

    class Client:
        def users_info(self, user: str, include_locale: bool) -> dict:
            return {"user": {"id": user, "locale": "nl-NL"}}

    cache = people.People(lambda team: None)
    for n in range(5):
        assert cache.user_info(Client(), "T1", f"U{n}") == {"id": f"U{n}", "locale": "nl-NL"}
    assert cache.cached("T1", "U0") is None and cache.cached("T1", "U1") is None
    assert cache.cached("T1", "U4") == {"id": "U4", "locale": "nl-NL"}
    assert cache.cached_messages("T1", "U4").locale == "nl"


def test_a_retry_after_holds_the_method_and_a_post_holds_its_channel() -> None:
    pacer = Pacer()
    pacer.hold("xoxb-1", "chat.update", 2.0)
    assert not pacer.ready("xoxb-1", "chat.update")
    assert pacer.delay("xoxb-1", "chat.update") == pytest.approx(2.0, abs=0.1)
    assert pacer.ready("xoxb-2", "chat.update")  # another workspace is not held
    pacer.hold("xoxb-1", "chat.postMessage", 3.0, "C1")
    assert not pacer.ready("xoxb-1", "chat.postMessage", "C1")
    assert pacer.ready("xoxb-1", "chat.postMessage", "C2")  # a post's limit is its channel's


def test_a_burst_of_new_people_beyond_the_users_info_tier_gets_the_workspace_language() -> None:
    from bot.runtime import people

    asked: list[str] = []

    class Client:
        token = "xoxb-1"

        def users_info(self, user: str, include_locale: bool) -> dict:
            asked.append(user)
            return {"user": {"id": user, "locale": "nl-NL"}}

    pacer = Pacer()
    cache = people.People(lambda team: "en", pacer=pacer)
    answers = []
    for n in range(30):  # each lookup counts against users.info (tier 4: a burst of 20)
        pacer.delay("xoxb-1", "users.info")
        answers.append(cache.for_user(Client(), "T1", f"U{n}"))
    assert len(asked) < 30  # beyond the budget a listener does not ask (nor meet a 429)
    assert answers[0] == "nl" and answers[-1] == "en"  # the workspace's language answers
    with patient():  # a sweep waits its turn instead
        assert cache.for_user(Client(), "T1", "U99") == "nl"


def test_processes_sharing_the_token_each_take_their_share_of_the_tier() -> None:
    """Two workers with one token: each allows half the burst and half the rate, so
    together they call no more often than one process alone may."""
    alone, shared = Pacer(), Pacer(share=2)
    waits_alone = [alone.delay("xoxb-1", "chat.update") for _ in range(12)]
    waits_shared = [shared.delay("xoxb-1", "chat.update") for _ in range(7)]
    assert waits_alone[:10] == [0.0] * 10 and waits_shared[:5] == [0.0] * 5
    assert waits_shared[5] == pytest.approx(2 * 60 / 50, rel=0.05)  # 25 a minute each
    assert waits_shared[6] == pytest.approx(2 * waits_shared[5], rel=0.05)
    posts = [shared.delay("xoxb-1", "chat.postMessage", "C1") for _ in range(3)]
    assert posts[0] == 0.0 and posts[1] > 0.5  # half a post a second each


def test_serve_gives_each_worker_its_share(monkeypatch) -> None:
    from bot.config import Settings
    from bot.runtime import server

    seen = []
    monkeypatch.setattr(
        server, "_Gunicorn", lambda s, options, scheduler: seen.append(s) or _NoRun()
    )
    settings = Settings(
        slack_bot_token="xoxb-1", slack_signing_secret="s", database_url="sqlite://",
        slack_rate_share=2,
    )  # fmt: skip
    server.run_gunicorn(settings, host="127.0.0.1", port=0, workers=3, threads=4)
    assert [s.slack_rate_share for s in seen] == [6]  # two replicas of three workers


class _NoRun:
    def run(self) -> None:
        return None


def test_concurrent_listeners_take_each_free_turn_once() -> None:
    """Fifty listeners asking at once for a users.info turn: only the burst's twenty get one,
    and a call after a taken turn does not count twice."""
    import threading

    pacer = Pacer()
    got: list[bool] = []
    start = threading.Barrier(50)

    def ask() -> None:
        start.wait()
        got.append(pacer.take_if_ready("xoxb-1", "users.info"))

    threads = [threading.Thread(target=ask) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got.count(True) == 20
    fresh = Pacer()
    assert fresh.take_if_ready("xoxb-1", "users.info")
    fresh.pace("xoxb-1", "users.info")  # the call the turn was taken for
    assert [fresh.take_if_ready("xoxb-1", "users.info") for _ in range(20)].count(True) == 19
