"""Consent rounds with several replicas on PostgreSQL: racing sweeps, crashes, restarts.

Every test here runs real `s3bot` processes (`python -m bot tick`, `s3bot serve`)
against one PostgreSQL database and the Slack fake, and checks what the issue
promises: each round closes exactly once, nobody is nudged twice, a process dying
mid-close loses nothing and sends nothing, and no acknowledged answer is lost
when the bot is killed during a burst of answers.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bot.blocks import ids
from bot.delivery import outbox
from bot.deps import Deps
from bot.domain.consent import Position
from bot.runtime.pacing import patient
from bot.services import backlog, consent
from bot.store import models
from tests.fakes import SlackDriver
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, SECRET, TEAM
from tests.support.replicas import PROCESS_TIMEOUT, run_ticks, tick_env
from tests.support.server import Server

pytestmark = pytest.mark.postgres


# Builds its dependencies the way `s3bot tick` does, then closes due rounds and dies
# inside the first closing transaction: after the outcome, the agreement and the
# outbox rows were written (and flushed), before the commit.
DIE_MID_CLOSE = """\
import os
from datetime import UTC, datetime
from sqlalchemy import func, select
from bot.deps import build_deps
from bot.config import load_settings
from bot.services import consent
from bot.store.models import Agreement, Outbox

deps = build_deps(load_settings())
seen = {}
apply = consent._apply

def spy(session, rnd, view, decision, now):
    apply(session, rnd, view, decision, now)
    session.flush()
    seen["status"] = rnd.status
    seen["outcome"] = rnd.outcome
    seen["agreements"] = session.scalar(select(func.count()).select_from(Agreement))
    seen["outbox"] = session.scalar(
        select(func.count())
        .select_from(Outbox)
        .where(
            Outbox.key.not_like("round-message:%"), Outbox.key.not_like("tension:%"),
            Outbox.key.not_like("round-controls:%"),  # the authors' control DMs
            Outbox.key.not_like("concern-hearing:%"),  # "should your concern be heard?"
        )
    )

consent._apply = spy

def die(round_id):
    print(f"dying while closing round {round_id}: {sorted(seen.items())}", flush=True)
    os._exit(9)

consent.close_due(deps.sessions, now=datetime.now(UTC), on_decided=die)
print("close_due returned without dying", flush=True)
"""


# ---------------------------------------------------------------- fixtures


# ---------------------------------------------------------------- helpers


def open_round(
    deps: Deps,
    title: str,
    *,
    opened: datetime,
    deadline: datetime,
    participants: list[str] | None = None,
    channel: str = CHANNEL,
    author: str = ALICE,
    quorum: int | None = None,
    item_id: int | None = None,
) -> consent.RoundView:
    """Open a round as of `opened` and post its message to the fake, as the bot does."""
    draft = consent.Draft(
        title=title,
        text=f"{title}: publish release notes a day before each release",
        driver=None,
        item_id=item_id,
        responsibilities=None,
        evaluation=None,
        review_date=opened.date() + timedelta(days=90),
        deadline=deadline,
        hidden=True,
        quorum=quorum,
        participants=participants or [ALICE, BRAM, CHEN],
    )
    view = consent.open_round(
        deps.sessions,
        team_id=TEAM,
        channel_id=channel,
        author_id=author,
        draft=draft,
        now=opened,
        today=opened.date(),
    )
    # Posted and linked right after the commit, as the bot does (its outbox row is then sent).
    with patient():
        outbox.deliver_key(deps, TEAM, consent.round_message_key(view.id))
    return consent.load(deps.sessions, team_id=TEAM, round_id=view.id)


def give(deps: Deps, rnd: consent.RoundView, user: str, answer, at: datetime) -> None:
    """Store one answer: a Position, or (Position, reason)."""
    position, reason = answer if isinstance(answer, tuple) else (answer, None)
    extra = (
        {"source": "reaction", "reaction": "raised_hand"}
        if position is Position.OBJECTION_STARTED
        else {}
    )
    consent.answer(
        deps.sessions,
        team_id=TEAM,
        round_id=rnd.id,
        user_id=user,
        position=position,
        reason=reason,
        now=at,
        **extra,
    )


def thread_replies(fake, rnd: consent.RoundView, channel: str = CHANNEL) -> list[dict]:
    return [
        m
        for m in fake.messages_in(channel)
        if m.get("thread_ts") == rnd.message_ts and m["ts"] != rnd.message_ts
    ]


def dm_posts(fake, user: str, marker: str) -> list:
    """Successful chat.postMessage calls into the user's DM that mention `marker`."""
    dm = fake.dm_channel_id(user)
    if dm is None:
        return []
    return [
        c
        for c in fake.calls_to("chat.postMessage")
        if c.ok
        and c.args.get("channel") == dm
        and marker in json.dumps(c.args)
        and not _outbox_key(c).startswith("round-controls:")  # the author's control DM
    ]


def _outbox_key(call) -> str:
    meta = call.args.get("metadata") or {}
    if isinstance(meta, str):
        meta = json.loads(meta)
    return str((meta.get("event_payload") or {}).get("key") or "")


CONTROLS = "round-controls:%"


def sent_rows(deps: Deps, besides: str | None = None) -> int:
    """Outbox rows marked sent so far (besides those whose key is like `besides`)."""
    stmt = select(func.count()).select_from(models.Outbox).where(models.Outbox.sent_at.is_not(None))
    if besides:
        stmt = stmt.where(models.Outbox.key.not_like(besides))
    with deps.sessions() as s:
        return s.scalar(stmt)


def posted_count(fake) -> int:
    """Posts Slack took, besides each author's round controls (a DM per round opened) and
    the question to each concern's author whether it should be heard."""
    return len([
        c for c in fake.calls_to("chat.postMessage")
        if c.ok and not _outbox_key(c).startswith(("round-controls:", "concern-hearing:"))
    ])  # fmt: skip


def rows(deps: Deps, stmt) -> list:
    with deps.sessions() as s:
        return list(s.execute(stmt))


def round_row(deps: Deps, round_id: int) -> models.ConsentRound:
    with deps.sessions() as s:
        return s.scalars(
            select(models.ConsentRound).where(models.ConsentRound.id == round_id)
        ).one()


def agreements_of(deps: Deps, round_id: int) -> list[models.Agreement]:
    with deps.sessions() as s:
        return list(
            s.scalars(select(models.Agreement).where(models.Agreement.round_id == round_id))
        )


# What setting the scene queued and sent, and each author's control DM (queued when a round
# opens, whoever delivers it).
SET_UP_KEYS = ("round-message:%", "tension:%", "round-controls:%")


def outbox_keys(deps: Deps) -> dict[str, datetime | None]:
    """Every outbox key a sweep queued, and when it was sent."""
    stmt = select(models.Outbox.key, models.Outbox.sent_at)
    for pattern in SET_UP_KEYS:
        stmt = stmt.where(models.Outbox.key.not_like(pattern))
    return {k: sent for k, sent in rows(deps, stmt)}


def raise_item(deps: Deps, text_: str, now: datetime) -> int:
    raised = backlog.raise_tension(
        deps.sessions, team_id=TEAM, channel_id=CHANNEL, author_id=BRAM, text=text_, now=now
    )
    with patient():  # announced right after the commit, as the bot does
        outbox.deliver_key(deps, TEAM, backlog.announcement_key(raised.item.id))
    return raised.item.id


# ---------------------------------------------------------------- 1. two processes sweeping


@dataclass(frozen=True)
class Spec:
    """A round set up for the race, and how it must end."""

    name: str
    due: str  # "past": deadline passed | "future": deadline ahead
    answers: dict
    request: str | None = None  # "close" | "withdraw": the author's request
    quorum: int | None = None
    with_item: bool = False
    outcome: str | None = None  # None: must stay open


RACE = [
    Spec("a", "past", {ALICE: Position.CONSENT, BRAM: (Position.CONCERN, "Extra work")},
         with_item=True, outcome="consented"),
    Spec("b", "past", {ALICE: Position.CONSENT, CHEN: (Position.OBJECTION, "Needs QA")},
         outcome="objections"),
    Spec("c", "past", {}, quorum=60, outcome="no_quorum"),
    Spec("d", "past", {BRAM: Position.CONSENT, CHEN: Position.OBJECTION_STARTED},
         outcome="consented"),
    Spec("e", "future",
         {ALICE: Position.CONSENT, BRAM: Position.CONSENT, CHEN: (Position.CONCERN, None)},
         with_item=True, outcome="consented"),  # everyone answered: closes early
    Spec("f", "future", {BRAM: (Position.OBJECTION, "Too soon")}, request="close",
         outcome="objections"),
    Spec("g", "future", {ALICE: Position.CONSENT}, request="withdraw", with_item=True,
         outcome="withdrawn"),
    Spec("h", "past",
         {ALICE: Position.CONSENT, BRAM: Position.CONSENT, CHEN: Position.CONSENT},
         outcome="consented"),
    Spec("open", "future", {ALICE: Position.CONSENT}),  # not due: stays open
]  # fmt: skip

OBJECTIONS = sum(  # objections in the rounds that close with objections: each gets a reply
    1
    for spec in RACE
    if spec.outcome == "objections"
    for answer in spec.answers.values()
    if isinstance(answer, tuple) and answer[0] is Position.OBJECTION
)


def _set_up_race(deps: Deps, iteration: int) -> dict[str, tuple[Spec, consent.RoundView, str]]:
    now = datetime.now(UTC)
    rounds = {}
    for spec in RACE:
        marker = f"Race-{iteration}-{spec.name}-end"
        if spec.due == "past":
            opened, deadline = now - timedelta(days=3), now - timedelta(minutes=1)
        else:
            opened, deadline = now - timedelta(hours=1), now + timedelta(days=2)
        item_id = raise_item(deps, f"Driver of {marker}", opened) if spec.with_item else None
        rnd = open_round(
            deps, marker, opened=opened, deadline=deadline, quorum=spec.quorum, item_id=item_id
        )
        for user, answer in spec.answers.items():
            give(deps, rnd, user, answer, opened + timedelta(minutes=30))
        if spec.request:
            consent.request_close(
                deps.sessions,
                team_id=TEAM,
                round_id=rnd.id,
                user_id=ALICE,
                withdraw=spec.request == "withdraw",
                now=now,
            )
        rounds[spec.name] = (spec, rnd, marker)
    raise_item(deps, f"Unrelated tension {iteration}", now)  # stays on the backlog
    return rounds


def _without_time(key: str, parts: int) -> str:
    """An outbox key without its trailing timestamp (which itself contains colons)."""
    return ":".join(key.split(":")[:parts])


def _check_closed_once(deps: Deps, fake, rounds) -> None:
    # Result keys end with the deadline (a round reopened with a new deadline announces anew).
    keys = {_without_time(k, 2): sent for k, sent in outbox_keys(deps).items()}
    for spec, rnd, marker in rounds.values():
        row = round_row(deps, rnd.id)
        agreements = agreements_of(deps, rnd.id)
        replies = thread_replies(fake, rnd)
        author_dms = dm_posts(fake, ALICE, marker)
        if spec.outcome is None:
            assert (row.status, row.outcome, row.closed_at) == ("open", None, None), marker
            assert agreements == [] and replies == [] and author_dms == [], marker
            assert f"round-result:{rnd.id}" not in keys, marker
            continue
        assert (row.status, row.outcome) == ("closed", spec.outcome), marker
        assert row.closed_at is not None, marker
        assert len(agreements) == (1 if spec.outcome == "consented" else 0), marker
        assert keys.get(f"round-result:{rnd.id}") is not None, marker  # queued once, sent
        assert keys.get(f"round-result-author:{rnd.id}") is not None, marker
        results = [r for r in replies if "Objection by" not in r.get("text", "")]
        assert len(results) == 1, (marker, replies)  # the result once, and each objection once:
        assert len(replies) - 1 == sum(
            1 for a in spec.answers.values() if isinstance(a, tuple) and a[0] is Position.OBJECTION
        ), (marker, replies)
        assert len(author_dms) == 1, (marker, [c.args for c in author_dms])
    # Agreement numbers are unique and gapless in the channel; no two open items share a rank
    # (ranks may have gaps where items left: places are positions in rank order).
    numbers = [n for (n,) in rows(deps, select(models.Agreement.number))]
    assert sorted(numbers) == list(range(1, len(numbers) + 1))
    ranks = [
        r
        for (r,) in rows(
            deps, select(models.BacklogItem.rank).where(models.BacklogItem.rank.is_not(None))
        )
    ]
    assert ranks and len(set(ranks)) == len(ranks)
    for spec, _rnd, marker in rounds.values():
        if not spec.with_item:
            continue
        [(status, rank)] = rows(
            deps,
            select(models.BacklogItem.status, models.BacklogItem.rank).where(
                models.BacklogItem.text == f"Driver of {marker}"
            ),
        )
        expected = {"consented": "done", "withdrawn": "backlog"}.get(spec.outcome, "in_progress")
        assert status == expected, marker
        assert (rank is None) == (expected == "done"), marker


def test_two_processes_sweeping_at_once_close_each_round_exactly_once(
    deps: Deps, fake, pg_url: str, tmp_path: Path
) -> None:
    for iteration in range(3):
        rounds = _set_up_race(deps, iteration)
        due = sum(1 for spec in RACE if spec.outcome is not None)
        posted_before, rows_before = posted_count(fake), sent_rows(deps)
        # The first race is plain `python -m bot tick` twice; the others start both sweeps
        # within a millisecond of each other.
        runs = run_ticks(2, pg_url, fake, tmp_path, together=iteration > 0)
        for run in runs:
            run.check_clean()
        closed = [run.counts()["close-rounds"] for run in runs]
        assert sum(closed) == due, [run.output for run in runs]
        sent = sum(run.counts()["deliver-outbox"] for run in runs)
        # Every row the two processes delivered was delivered once: as many as were sent.
        assert sent == sent_rows(deps) - rows_before
        # One thread reply and one author DM per closed round, and each objection's own reply
        # (besides each author's control DM, sent when the round opened and updated at its
        # close, and the "should your concern be heard?" question).
        assert posted_count(fake) - posted_before == 2 * due + OBJECTIONS
        placed = rows(deps, select(models.Objection.message_ts).where(
            models.Objection.round_id.in_([rnd.id for _s, rnd, _m in rounds.values()])
        ))  # fmt: skip
        assert len(placed) == OBJECTIONS and all(ts for (ts,) in placed)  # each posted, once
        _check_closed_once(deps, fake, rounds)

        # One more sweep later: nothing left to close or send; the messages show the result.
        posted_before, rows_before = posted_count(fake), sent_rows(deps, CONTROLS)
        [again] = run_ticks(1, pg_url, fake, tmp_path, together=False)
        again.check_clean()
        # (an author's control DM may still catch up: it is updated, never posted again)
        assert again.counts()["close-rounds"] == 0
        assert sent_rows(deps, CONTROLS) == rows_before
        assert posted_count(fake) == posted_before
        _check_closed_once(deps, fake, rounds)
        for spec, rnd, marker in rounds.values():
            [message] = [m for m in fake.messages_in(CHANNEL) if m["ts"] == rnd.message_ts]
            shown = json.dumps(message.get("blocks"))
            assert (ids.ACT_ANSWER_CONSENT in shown) == (spec.outcome is None), marker


# ---------------------------------------------------------------- 2. dying mid-close


def _wait_until_unlocked(deps: Deps, round_id: int, timeout: float = 10) -> None:
    """Wait until PostgreSQL has ended the dead process's session and released its lock."""
    deadline = time.monotonic() + timeout
    while True:
        with deps.engine.connect() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '100ms'"))
            try:
                conn.execute(
                    text("SELECT id FROM consent_rounds WHERE id = :id FOR UPDATE NOWAIT"),
                    {"id": round_id},
                )
                conn.rollback()
                return
            except Exception:  # noqa: BLE001 - lock not available yet
                conn.rollback()
        assert time.monotonic() < deadline, "the dead process's lock was never released"
        time.sleep(0.05)


def test_process_dying_mid_close_leaves_the_round_for_the_next_sweep(
    deps: Deps, fake, pg_url: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    item_id = raise_item(deps, "Release notes come late", now - timedelta(days=3))
    rnd = open_round(
        deps,
        "Crash-round-end",
        opened=now - timedelta(days=3),
        deadline=now - timedelta(minutes=1),
        item_id=item_id,
    )
    give(deps, rnd, ALICE, Position.CONSENT, now - timedelta(days=1))
    give(deps, rnd, BRAM, (Position.CONCERN, "Extra work for Chen"), now - timedelta(days=1))
    waiting = open_round(
        deps, "Waiting-round-end", opened=now - timedelta(hours=1), deadline=now + timedelta(days=2)
    )
    script = tmp_path / "die_mid_close.py"
    script.write_text(DIE_MID_CLOSE)
    posted_before = posted_count(fake)
    died = subprocess.run(
        [sys.executable, str(script)],
        env=tick_env(pg_url, fake),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT,
    )
    assert died.returncode == 9, died.stdout + died.stderr
    # It died inside the closing transaction, with everything written but not committed.
    assert (
        f"dying while closing round {rnd.id}: [('agreements', 1), ('outbox', 2), "
        "('outcome', 'consented'), ('status', 'closed')]"
    ) in died.stdout, died.stdout + died.stderr
    assert "Traceback" not in died.stderr, died.stderr

    _wait_until_unlocked(deps, rnd.id)
    row = round_row(deps, rnd.id)
    assert (row.status, row.outcome, row.closed_at) == ("open", None, None)
    assert agreements_of(deps, rnd.id) == []
    assert outbox_keys(deps) == {}
    [(item_status, item_rank)] = rows(
        deps,
        select(models.BacklogItem.status, models.BacklogItem.rank).where(
            models.BacklogItem.id == item_id
        ),
    )
    assert (item_status, item_rank) == ("in_progress", 1)
    assert posted_count(fake) == posted_before
    assert thread_replies(fake, rnd) == []

    [tick] = run_ticks(1, pg_url, fake, tmp_path, together=False)
    tick.check_clean()
    assert tick.counts()["close-rounds"] == 1
    row = round_row(deps, rnd.id)
    assert (row.status, row.outcome) == ("closed", "consented")
    [agreement] = agreements_of(deps, rnd.id)
    assert agreement.number == 1
    assert json.loads(agreement.concerns) == [{"user": BRAM, "reason": "Extra work for Chen"}]
    [(item_status, item_rank)] = rows(
        deps,
        select(models.BacklogItem.status, models.BacklogItem.rank).where(
            models.BacklogItem.id == item_id
        ),
    )
    assert (item_status, item_rank) == ("done", None)
    assert len(thread_replies(fake, rnd)) == 1
    assert len(dm_posts(fake, ALICE, "Crash-round-end")) == 1
    assert posted_count(fake) - posted_before == 2
    assert round_row(deps, waiting.id).status == "open"

    posted_before = posted_count(fake)
    [again] = run_ticks(1, pg_url, fake, tmp_path, together=False)
    again.check_clean()
    assert again.counts()["close-rounds"] == 0 and again.counts()["deliver-outbox"] == 0
    assert posted_count(fake) == posted_before
    assert len(agreements_of(deps, rnd.id)) == 1
    assert len(thread_replies(fake, rnd)) == 1


# ---------------------------------------------------------------- 3. nudges from two processes


NUDGE_SETUPS = [
    # name, participants (None: all three), answers, who must be nudged
    ("n1", None, {ALICE: Position.CONSENT, CHEN: Position.OBJECTION_STARTED},
     {BRAM, CHEN}),  # an objection without its reason is not an answer yet
    ("n2", None, {BRAM: (Position.CONCERN, "Costly")}, {ALICE, CHEN}),
    ("n3", [BRAM, CHEN], {CHEN: (Position.OBJECTION, "QA first")}, {BRAM}),
]  # fmt: skip
NUDGE_COPIES = 4  # rounds of each kind per race: a longer sweep, more overlap between the two


def working_morning() -> timedelta:
    """How far ahead of the real clock the next weekday 10:00 UTC lies (at least a minute):
    the tick processes run there, so the reminders (sent only in working hours) are due
    whenever the suite runs."""
    real = datetime.now(UTC)
    day = real.date()
    while True:
        at = datetime.combine(day, datetime.min.time(), UTC).replace(hour=10)
        if at.weekday() < 5 and at > real + timedelta(minutes=1):
            return at - real
        day += timedelta(days=1)


def test_two_processes_nudge_each_silent_participant_once(
    deps: Deps, fake, pg_url: str, tmp_path: Path
) -> None:
    ahead = working_morning()  # the tick processes read the real clock, moved this far
    for user, name, locale in ((ALICE, "alice", "en-US"), (BRAM, "bram", "nl-NL"),
                               (CHEN, "chen", "en-GB")):  # fmt: skip
        fake.add_user(user, name, locale=locale, tz="UTC")
    for iteration in range(3):
        now = datetime.now(UTC) + ahead
        due_opened, due_deadline = now - timedelta(days=2), now + timedelta(hours=2)  # nudge -22 h
        rounds = []
        for copy in range(NUDGE_COPIES):
            for name, people, answers, nudged in NUDGE_SETUPS:
                marker = f"Nudge-{iteration}-{copy}-{name}-end"
                rnd = open_round(
                    deps, marker, opened=due_opened, deadline=due_deadline, participants=people
                )
                for user, answer in answers.items():
                    give(deps, rnd, user, answer, now - timedelta(hours=1))
                rounds.append((rnd, marker, nudged))
        later_marker = f"Nudge-{iteration}-later-end"
        later = open_round(  # its nudge time is a day away
            deps, later_marker, opened=now - timedelta(hours=1), deadline=now + timedelta(days=3)
        )
        expected = sum(len(nudged) for _, _, nudged in rounds)
        posted_before = posted_count(fake)

        runs = run_ticks(2, pg_url, fake, tmp_path, ahead=ahead)
        for run in runs:
            run.check_clean()
        assert sum(run.counts()["nudge-rounds"] for run in runs) == expected
        assert sum(run.counts()["close-rounds"] for run in runs) == 0
        assert posted_count(fake) - posted_before == expected
        keys = outbox_keys(deps)
        for rnd, marker, nudged in rounds:
            for user in (ALICE, BRAM, CHEN):
                got = dm_posts(fake, user, marker)
                assert len(got) == (1 if user in nudged else 0), (marker, user, got)
            queued = {
                _without_time(k, 3): sent
                for k, sent in keys.items()
                if k.startswith(f"nudge:{rnd.id}:")
            }
            assert set(queued) == {f"nudge:{rnd.id}:{u}" for u in nudged}, marker
            assert all(sent is not None for sent in queued.values()), marker
            row = round_row(deps, rnd.id)
            assert (row.status, row.nudged) == ("open", True)
        for user in (ALICE, BRAM, CHEN):
            assert dm_posts(fake, user, later_marker) == []
        assert round_row(deps, later.id).nudged is False

        posted_before = posted_count(fake)
        [third] = run_ticks(1, pg_url, fake, tmp_path, together=False)
        third.check_clean()
        assert third.counts()["nudge-rounds"] == 0 and third.counts()["deliver-outbox"] == 0
        assert posted_count(fake) == posted_before


# ---------------------------------------------------------------- 4. restart during a burst

BURST_CHANNEL = "C0BURST"
BURST_SIZE = 300
KILL_AFTER = 100


def _forget_crash_artifacts(fake, before: int, killed_at: float) -> None:
    """Drop what the fake recorded of Web API calls the killed worker was half-way through.

    A process killed while sending a request leaves a truncated body; the fake
    (bot/demo/standin.py, `_serve`) processes it anyway, as a call with missing
    arguments, and records a contract violation. Real Slack never sees such a
    request complete. Only violations recorded from the kill until a second later,
    while no bot process runs, are dropped (and printed).
    """
    time.sleep(max(0.0, killed_at + 1.0 - time.monotonic()))  # let the fake see the EOFs
    artifacts = fake.errors[before:]
    del fake.errors[before:]
    if artifacts:
        print("ignored, from requests cut off by the crash:", artifacts, file=sys.stderr)


def test_restart_in_a_burst_of_answers_loses_no_acknowledged_answer(
    deps: Deps, fake, pg_url: str, tmp_path: Path
) -> None:
    users = [f"U9{n:05d}" for n in range(BURST_SIZE)]
    for n, user in enumerate(users):
        fake.add_user(user, f"member{n}")
    fake.add_channel(BURST_CHANNEL, "big-circle", users)
    now = datetime.now(UTC)
    rnd = open_round(
        deps,
        "Burst-round-end",
        opened=now,
        deadline=now + timedelta(days=1),
        participants=users,
        channel=BURST_CHANNEL,
        author=users[0],
    )
    assert len(rnd.participants) == BURST_SIZE

    def answer(url: str, user: str) -> int | None:
        driver = SlackDriver(SECRET, url=url, team_id=TEAM, response_url_base=fake.hooks_url)
        try:
            response = driver.block_action(
                ids.ACT_ANSWER_CONSENT,
                str(rnd.id),
                user_id=user,
                channel_id=BURST_CHANNEL,
                message_ts=rnd.message_ts,
                block_id=ids.BLOCK_ROUND_ACTIONS,
            )
        except (OSError, http.client.HTTPException):
            return None  # connection refused or cut: Slack saw no acknowledgement
        return response.status

    def stored() -> list[str]:
        return [
            u
            for (u,) in rows(
                deps,
                select(models.RoundAnswer.user_id).where(models.RoundAnswer.round_id == rnd.id),
            )
        ]

    servers: list[Server] = []
    acked: set[str] = set()
    try:
        first = Server(pg_url, fake.url, tmp_path)
        servers.append(first)
        killed_at: float | None = None
        violations_before = 0
        failed: list[str] = []
        with ThreadPoolExecutor(max_workers=16) as pool:
            futures = {pool.submit(answer, first.url, user): user for user in users}
            for future in as_completed(futures, timeout=45):
                status = future.result()
                if status == 200:
                    acked.add(futures[future])
                else:
                    failed.append(futures[future])
                if len(acked) >= KILL_AFTER and killed_at is None:
                    violations_before = len(fake.errors)
                    first.kill_9()  # the remaining answers go on being sent, and fail
                    killed_at = time.monotonic()
        assert killed_at is not None, "the burst ended before the server was killed"
        assert failed, "every answer was acknowledged: the crash was not mid-burst"
        assert len(acked) + len(failed) == BURST_SIZE
        _forget_crash_artifacts(fake, violations_before, killed_at)

        # Every acknowledged answer survived the crash.
        after_crash = stored()
        assert acked <= set(after_crash), sorted(acked - set(after_crash))
        assert len(after_crash) == len(set(after_crash))

        second = Server(pg_url, fake.url, tmp_path)
        servers.append(second)
        with ThreadPoolExecutor(max_workers=16) as pool:
            retried = list(pool.map(lambda u: (u, answer(second.url, u)), failed, timeout=45))
        assert [u for u, status in retried if status != 200] == []

        answers = stored()
        assert len(answers) == BURST_SIZE and set(answers) == set(users)
        with deps.sessions() as s:
            positions = set(
                s.scalars(
                    select(models.RoundAnswer.position).where(models.RoundAnswer.round_id == rnd.id)
                )
            )
        assert positions == {"consent"}

        # Everyone answered: the restarted bot closes the round, once.
        deadline = time.monotonic() + 20
        while round_row(deps, rnd.id).status != "closed":
            assert time.monotonic() < deadline, "the round did not close after everyone answered"
            time.sleep(0.1)
        assert round_row(deps, rnd.id).outcome == "consented"
        assert len(agreements_of(deps, rnd.id)) == 1
        fake.wait_for(
            "chat.postMessage",
            timeout=15,
            where=lambda c: c.args.get("thread_ts") == rnd.message_ts,
        )
        assert len(thread_replies(fake, rnd, BURST_CHANNEL)) == 1
    finally:
        outputs = [srv.stop() for srv in servers]
    for output in outputs:
        assert "Traceback" not in output, output
    with deps.sessions() as s:
        count = s.scalar(
            select(func.count())
            .select_from(models.RoundAnswer)
            .where(models.RoundAnswer.round_id == rnd.id)
        )
    assert count == BURST_SIZE
