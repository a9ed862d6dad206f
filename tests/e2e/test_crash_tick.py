"""kill -9 of `s3bot tick` right after Slack accepted a message: after the rerun, nothing
is posted twice, and everything is posted.

The fake's chat.postMessage stores the message, then SIGKILLs the tick process before the
answer goes back: Slack has the post, the bot never heard. The tick is run again and again,
each run killed after its first new post, until one runs to completion; every message a
sweep sends (an announcement, a round message, a round's result in its thread and to its
author, nudges, a review reminder) is killed after once.

A rerun comes later than the dead run's leases (the outbox's minute, the review reminders'
ten minutes): `s3bot tick` reads the wall clock, so each rerun is `python -m bot tick` in a
process whose clock reads that much later (TICK_LATER), as if cron ran it then.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.delivery import outbox
from bot.deps import Deps, build_deps
from bot.domain.consent import Position
from bot.runtime.pacing import patient
from bot.services import agreements, backlog, consent
from bot.store import models
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, TEAM, settings_for
from tests.support.replicas import PROCESS_TIMEOUT, Run, tick_env

# `python -m bot tick`, its clock (the one every sweep reads, bot.deps) `argv[1]` seconds later.
TICK_LATER = """\
import runpy, sys
from datetime import timedelta
import bot.deps
from bot.domain.clock import utcnow
later = timedelta(seconds=float(sys.argv[1]))
bot.deps.utcnow = lambda: utcnow() + later
sys.argv = ["bot", "tick"]
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""
RERUN_EVERY = timedelta(minutes=11)  # past the longest lease a dead run leaves (10 minutes)
MAX_RUNS = 20
METADATA_KEY = "s3bot_outbox"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # every fake user's timezone


class KillAfterPost:
    """chat.postMessage that takes the message, then kills the caller before it hears "ok"."""

    def __init__(self, fake) -> None:
        self.post = fake.builtin_method("chat.postMessage")
        self.proc: subprocess.Popen | None = None
        self.started = threading.Event()
        self.killed: list[dict[str, Any]] = []  # the posts each killed run made

    def arm(self) -> None:
        self.proc = None
        self.started.clear()

    def __call__(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        answer = self.post(args, token)  # stored: Slack accepted it
        assert self.started.wait(PROCESS_TIMEOUT), "no tick process to kill"
        if self.proc is not None and self.proc.poll() is None:
            self.killed.append(answer["message"])  # before the kill: the test sees it dead
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)  # dead before the answer goes back
        return answer


def due_day(now: datetime) -> date:
    """The latest weekday whose 09:00 in Amsterdam has passed by `now` (a reminder due that
    day is due for the fake's users from now on)."""
    local = now.astimezone(AMSTERDAM)
    day = local.date() if local.time() >= time(9, 0) else local.date() - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def open_round(
    deps: Deps, title: str, *, opened: datetime, deadline: datetime, people: list[str],
    post: bool = True,
) -> consent.RoundView:  # fmt: skip
    """Alice's round; posted right after the commit as the bot does (unless `post` is False)."""
    draft = consent.Draft(
        title=title, text=f"{title}: publish release notes a day before each release",
        driver=None, item_id=None, responsibilities=None, evaluation=None,
        review_date=opened.date() + timedelta(days=90), deadline=deadline, hidden=False,
        quorum=None, participants=people,
    )  # fmt: skip
    view = consent.open_round(
        deps.sessions, team_id=TEAM, channel_id=CHANNEL, author_id=ALICE, draft=draft,
        now=opened, today=opened.date(),
    )  # fmt: skip
    if post:
        with patient():
            outbox.deliver_key(deps, TEAM, consent.round_message_key(view.id))
    return consent.load(deps.sessions, team_id=TEAM, round_id=view.id)


def set_the_scene(deps: Deps, now: datetime) -> dict[str, consent.RoundView]:
    """What the next tick has to send, queued or due as the bot leaves it."""
    backlog.raise_tension(  # its announcement is still in the outbox
        deps.sessions, team_id=TEAM, channel_id=CHANNEL, author_id=BRAM,
        text="Tick tension: the release notes come late", now=now,
    )  # fmt: skip
    fresh = open_round(  # its message is still in the outbox
        deps, "Tick fresh round", opened=now, deadline=now + timedelta(days=3),
        people=[ALICE, BRAM, CHEN], post=False,
    )  # fmt: skip
    due = open_round(  # past its deadline: the tick closes it and tells the channel and Alice
        deps, "Tick due round", opened=now - timedelta(days=3),
        deadline=now - timedelta(minutes=1), people=[ALICE, BRAM, CHEN],
    )  # fmt: skip
    for user, position in ((BRAM, Position.CONSENT), (CHEN, Position.CONSENT)):
        consent.answer(
            deps.sessions, team_id=TEAM, round_id=due.id, user_id=user, position=position,
            reason=None, now=now - timedelta(days=1),
        )  # fmt: skip
    silent = open_round(  # a day before its deadline: Bram and Chen are reminded
        deps, "Tick silent round", opened=now - timedelta(days=4),
        deadline=now + timedelta(hours=20), people=[BRAM, CHEN],
    )  # fmt: skip
    made = now - timedelta(days=30)
    agreements.record(  # announced (outbox); its week-before review reminder is due today
        deps.sessions, team_id=TEAM, channel_id=CHANNEL, author_id=ALICE,
        title="Tick reviewed agreement", text="Release notes are published a day early",
        driver=None, responsibilities=None, evaluation=None, responsible_ids=[CHEN],
        review_date=due_day(now) + timedelta(days=7), now=made, today=made.date(),
    )  # fmt: skip
    return {"fresh": fresh, "due": due, "silent": silent}


def run_tick(fake, db_url: str, tmp: Path, script: Path, later: timedelta, killer) -> Run:
    """One `python -m bot tick`, its clock `later` ahead; the killer knows its process."""
    killer.arm()
    log = tmp / f"tick-{later.total_seconds():.0f}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, str(script), str(later.total_seconds())],
            env=tick_env(db_url, fake), cwd=tmp, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    killer.proc = proc
    killer.started.set()
    try:
        proc.wait(PROCESS_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    return Run(proc.returncode, log.read_text())


def working_morning() -> tuple[datetime, timedelta]:
    """The next weekday 10:00 in Amsterdam (at least a minute ahead), and how far ahead of
    the real clock it lies."""
    real = datetime.now(UTC)
    day = real.astimezone(AMSTERDAM).date()
    while True:
        at = datetime.combine(day, datetime.min.time(), AMSTERDAM).replace(hour=10)
        if at.weekday() < 5 and at > real + timedelta(minutes=1):
            return at.astimezone(UTC), at - real
        day += timedelta(days=1)


def shown(message: dict) -> str:
    return message.get("text", "") + json.dumps(message.get("blocks"), ensure_ascii=False)


def test_kill_9_of_tick_after_slack_took_a_post_never_posts_twice(
    db_url: str, fake, tmp_path: Path
) -> None:
    # The tick processes run on the real clock moved `ahead`: to the next weekday 10:00 in
    # Amsterdam (everyone's timezone), so the round reminders are due in working hours
    # whenever the suite runs, and every rerun (15 x 11 minutes at most) stays within them.
    now, ahead = working_morning()
    fake.clock_ahead = ahead.total_seconds()  # Slack's timestamps on the same clock
    deps = build_deps(settings_for(db_url, fake))
    try:
        rounds = set_the_scene(deps, now)
        script = tmp_path / "tick_later.py"
        script.write_text(TICK_LATER)
        posts_before = len(fake.calls_to("chat.postMessage"))
        killer = KillAfterPost(fake)
        fake.register_method("chat.postMessage", killer)
        runs: list[Run] = []
        for n in range(MAX_RUNS):
            killed_before = len(killer.killed)
            run = run_tick(fake, db_url, tmp_path, script, ahead + RERUN_EVERY * n, killer)
            runs.append(run)
            if len(killer.killed) == killed_before:
                break  # nothing new to post: this run went to the end
            assert run.returncode == -signal.SIGKILL, run.output
        else:
            posted = [((k.get("metadata") or {}).get("event_payload") or {}).get("key")
                      for k in killer.killed]  # fmt: skip
            raise AssertionError(f"still posting after {MAX_RUNS} runs: {posted}")
        fake.register_method("chat.postMessage", None)
        runs[-1].check_clean()
        for run in runs[:-1]:
            assert "Traceback" not in run.output, run.output

        # One more tick, later still: nothing is left to close, remind or send.
        again = run_tick(fake, db_url, tmp_path, script, ahead + RERUN_EVERY * len(runs), killer)
        again.check_clean()
        assert again.counts()["deliver-outbox"] == 0 and again.counts()["review-nudges"] == 0
        with deps.sessions() as s:
            unsent = list(
                s.scalars(select(models.Outbox.key).where(models.Outbox.sent_at.is_(None)))
            )
            reminders = [(n.due_date, n.sent_at) for n in s.scalars(select(models.ReviewNudge))]
            due = s.scalars(
                select(models.ConsentRound).where(models.ConsentRound.id == rounds["due"].id)
            ).one()
            fresh_ts = s.scalar(
                select(models.ConsentRound.message_ts).where(
                    models.ConsentRound.id == rounds["fresh"].id
                )
            )
    finally:
        deps.engine.dispose()

    posts = fake.calls_to("chat.postMessage")[posts_before:]
    # Each run was killed right after Slack took one post; all of them were tick's posts.
    # 8 messages, and each of the three rounds' author controls DM
    assert len(killer.killed) == len(runs) - 1 == len(posts) == 8 + 3, [
        ((c.args.get("metadata") or {}).get("event_payload") or {}).get("key") for c in posts
    ]
    keys = Counter(
        (m.get("metadata") or {}).get("event_payload", {}).get("key")
        for messages in fake.messages.values()
        for m in messages
        if (m.get("metadata") or {}).get("event_type") == METADATA_KEY
    )
    assert max(keys.values()) == 1, [k for k, c in keys.items() if c > 1]
    assert unsent == []
    assert [sent is not None for day, sent in reminders if day <= due_day(now)] == [True]

    # What people see: each message once.
    channel = fake.messages_in(CHANNEL)
    top = [m for m in channel if m.get("thread_ts") in (None, m["ts"])]
    assert len([m for m in top if "Tick tension: the release notes come late" in shown(m)]) == 1
    [fresh] = [m for m in top if "Tick fresh round" in shown(m)]
    assert fresh["ts"] == fresh_ts
    assert len([m for m in top if "Tick reviewed agreement" in shown(m)]) == 1
    assert (due.status, due.outcome) == ("closed", "consented")
    replies = [
        m for m in channel if m.get("thread_ts") == due.message_ts and m["ts"] != due.message_ts
    ]
    assert len(replies) == 1, replies

    def dms(user: str, marker: str) -> list[dict]:
        """The DMs that mention `marker`, besides an author's round controls."""
        messages = fake.messages_in(fake.dm_channel_id(user) or "none")
        return [m for m in messages if marker in shown(m) and not str(
            ((m.get("metadata") or {}).get("event_payload") or {}).get("key", "")
        ).startswith("round-controls:")]  # fmt: skip

    assert len(dms(ALICE, "Tick due round")) == 1
    assert len(dms(BRAM, "Tick silent round")) == 1 and len(dms(CHEN, "Tick silent round")) == 1
    assert dms(ALICE, "Tick silent round") == []
    assert len(dms(CHEN, "Tick reviewed agreement")) == 1
