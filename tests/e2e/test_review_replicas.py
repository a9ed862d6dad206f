"""Review reminders with several replicas on PostgreSQL: racing sweeps, downtime, crashes.

The subprocess tests run real `python -m bot tick` processes (the real clock) against
one PostgreSQL database and the Slack fake, with reminders that are due now in real
time: each nudge is due at 09:00 on its due date in the recipient's timezone (the
fake's users live in Europe/Amsterdam). They check what the sweep promises: each
(agreement, person) gets exactly one DM however many sweeps run at once, reminders
missed during downtime fold into the latest one, and a sweep that dies between its
claim and its send leaves the reminder to be sent once, after the lease expired.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time as clock_time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.delivery.reminders import send_review_nudges
from bot.deps import Deps, build_deps
from bot.domain.review import next_overdue, next_weekday
from bot.services import agreements
from bot.store import models
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, TEAM, FakeClock, settings_for
from tests.support.replicas import PROCESS_TIMEOUT, run_ticks, tick_env

pytestmark = pytest.mark.postgres

AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # every fake user's timezone
RACE_AGREEMENTS = 20
NUMBER = re.compile(r"#(\d+) “")

# Runs `python -m bot tick` once a "go" file appears, so that both processes start
# their sweeps within a millisecond of each other (imports and start-up done before).

# Builds its dependencies the way `s3bot tick` does, claims the first due reminder
# the way `send_review_nudges` does (folding the older ones into it), then dies
# before sending anything.
CLAIM_THEN_DIE = """\
import os, sys
from datetime import UTC, datetime
from bot.deps import build_deps
from bot.config import load_settings
from bot.domain import review
from bot.services import agreements

deps = build_deps(load_settings())
now = datetime.now(UTC)
for (team_id, agreement_id, recipient), pending in agreements.due_groups(
    deps.sessions, now=now
).items():
    info = deps.people.user_info(deps.client, team_id, recipient)
    send, fold = review.fold(pending, (info or {}).get("tz"), now)
    if send is None:
        continue
    claimed = agreements.claim(deps.sessions, team_id=team_id, send=send, fold=fold, now=now)
    if claimed is None:
        continue
    print(f"claimed {claimed.id} {claimed.agreement.id} {recipient} {claimed.folded}", flush=True)
    os._exit(9)
print("nothing was due", flush=True)
sys.exit(3)
"""


# ---------------------------------------------------------------- fixtures


# ---------------------------------------------------------------- helpers


def due_day(now: datetime) -> date:
    """The latest weekday whose 09:00 in Amsterdam has passed by `now`.

    A reminder due that day is due for the fake's users from now on (and stays due
    if the test runs across midnight).
    """
    local = now.astimezone(AMSTERDAM)
    day = local.date() if local.time() >= time(9, 0) else local.date() - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def record(
    deps: Deps, title: str, review: date, people: list[str], now: datetime | None = None
) -> agreements.AgreementView:
    """Record an agreement (made a month before `now`) with its review reminders."""
    made = (now or datetime.now(UTC)) - timedelta(days=30)
    return agreements.record(
        deps.sessions,
        team_id=TEAM,
        channel_id=CHANNEL,
        author_id=ALICE,
        title=title,
        text=f"{title}: publish release notes a day before each release",
        driver=None,
        responsibilities=None,
        evaluation="No late notes for two months",
        responsible_ids=people,
        review_date=review,
        now=made,
        today=made.date(),
    )


def dm_texts(fake, user: str, marker: str = "") -> list[str]:
    """Texts of the messages in the user's DM with the bot that mention `marker`."""
    channel = fake.dm_channel_id(user)
    messages = fake.messages_in(channel) if channel else []
    return [m["text"] for m in messages if marker in json.dumps(m, ensure_ascii=False)]


def nudges(deps: Deps, agreement_id: int) -> list[models.ReviewNudge]:
    with deps.sessions() as s:
        return list(
            s.scalars(
                select(models.ReviewNudge)
                .where(models.ReviewNudge.agreement_id == agreement_id)
                .order_by(models.ReviewNudge.recipient_id, models.ReviewNudge.due_date)
            )
        )


def nudged_events(deps: Deps, agreement_id: int) -> list[dict]:
    with deps.sessions() as s:
        return [
            json.loads(d)
            for d in s.scalars(
                select(models.AgreementEvent.detail).where(
                    models.AgreementEvent.agreement_id == agreement_id,
                    models.AgreementEvent.action == "nudged",
                )
            )
        ]


def retry_now(deps: Deps) -> int:
    """Make outbox rows left for a later retry due now; how many there were."""
    with deps.sessions.begin() as session:
        rows = session.scalars(select(models.Outbox).where(models.Outbox.sent_at.is_(None))).all()
        for row in rows:
            row.not_before = datetime.now(UTC) - timedelta(minutes=1)
        return len(rows)


# ---------------------------------------------------------------- 1. two processes sweeping


def test_two_processes_sweeping_at_once_send_each_reminder_once(
    deps: Deps, fake, pg_url: str, tmp_path: Path
) -> None:
    for iteration in range(3):
        day = due_day(datetime.now(UTC))
        # Review a week after `day`: the week-before reminder is due `day` (09:00 has
        # passed), the on-the-day one a week later.
        made = [
            record(deps, f"Race-{iteration}-{n}-end", day + timedelta(days=7), [BRAM, CHEN])
            for n in range(RACE_AGREEMENTS)
        ]
        runs = run_ticks(2, pg_url, fake, tmp_path, together=iteration > 0)
        for run in runs:
            run.check_clean()
        sent = [run.counts()["review-nudges"] for run in runs]
        print(f"race {iteration}: reminders sent by each process: {sent}")  # shown with -s
        assert sum(sent) == 2 * RACE_AGREEMENTS, [run.output for run in runs]
        posted = sum(run.counts()["deliver-outbox"] for run in runs)
        # Both replicas post the 20 "recorded" notices into one channel: Slack's limit there
        # is shared, their pacers are not, so a post may be refused beyond its retries and
        # left for a later sweep. Make such a row due now and sweep again: never twice.
        left = retry_now(deps)
        if left:
            [again] = run_ticks(1, pg_url, fake, tmp_path, together=False)
            again.check_clean()
            posted += again.counts()["deliver-outbox"]
        assert posted == RACE_AGREEMENTS, (left, [run.output for run in runs])

        marker = f"Race-{iteration}-"
        for user in (BRAM, CHEN):
            texts = dm_texts(fake, user, marker)
            per_number = Counter(int(NUMBER.search(t).group(1)) for t in texts)
            assert per_number == Counter({a.number: 1 for a in made}), (user, texts)
        assert dm_texts(fake, ALICE, marker) == []  # the author is not reminded
        announced = [m for m in fake.messages_in(CHANNEL) if marker in m["text"]]
        assert len(announced) == RACE_AGREEMENTS  # "recorded" posts, once each
        for a in made:
            for user in (BRAM, CHEN):
                assert len(dm_texts(fake, user, f"“{a.title}”")) == 1, (a.title, user)
            rows = nudges(deps, a.id)
            state = {(n.recipient_id, n.stage): (n.outcome, n.attempts) for n in rows}
            assert state == {
                (BRAM, "before"): ("dm", 1),  # claimed once: the other sweep never had it
                (CHEN, "before"): ("dm", 1),
                (BRAM, "due"): (None, 0),
                (CHEN, "due"): (None, 0),
            }, a.title
            assert all(n.lease_until is None for n in rows)
            assert sorted(e["to"] for e in nudged_events(deps, a.id)) == [BRAM, CHEN]

        # A third sweep later finds nothing to send.
        dms_before = len(dm_texts(fake, BRAM)) + len(dm_texts(fake, CHEN))
        [third] = run_ticks(1, pg_url, fake, tmp_path, together=False)
        third.check_clean()
        assert third.counts()["review-nudges"] == 0
        assert third.counts()["deliver-outbox"] == 0
        assert len(dm_texts(fake, BRAM)) + len(dm_texts(fake, CHEN)) == dms_before


# ---------------------------------------------------------------- 2. in-process, FakeClock

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday; 10:00 in Amsterdam
REVIEW = date(2026, 12, 15)  # reminders on 8 and 15 December, 09:00 Amsterdam


@pytest.fixture
def clocked(pg_url: str, fake) -> Iterator[tuple[Deps, FakeClock]]:
    clock = FakeClock(START)
    d = build_deps(settings_for(pg_url, fake), clock=clock)
    try:
        yield d, clock
    finally:
        d.engine.dispose()


def _record_at(deps: Deps, title: str, people: list[str]) -> agreements.AgreementView:
    return agreements.record(
        deps.sessions,
        team_id=TEAM,
        channel_id=CHANNEL,
        author_id=ALICE,
        title=title,
        text=f"{title}, written by the release lead.",
        driver=None,
        responsibilities=None,
        evaluation=None,
        responsible_ids=people,
        review_date=REVIEW,
        now=START,
        today=START.date(),
    )


def test_the_sweep_run_twice_sends_one_dm(clocked, fake) -> None:
    deps, clock = clocked
    a = _record_at(deps, "Twice-swept-end", [BRAM, CHEN])
    clock.now = datetime(2026, 12, 8, 7, 59, tzinfo=UTC)  # 08:59 in Amsterdam: not yet
    assert send_review_nudges(deps) == 0
    clock.now = datetime(2026, 12, 8, 8, 1, tzinfo=UTC)  # 09:01 in Amsterdam
    assert send_review_nudges(deps) == 2
    assert send_review_nudges(deps) == 0
    clock.advance(minutes=30)
    assert send_review_nudges(deps) == 0
    for user in (BRAM, CHEN):
        assert len(dm_texts(fake, user, "Twice-swept-end")) == 1
    state = {(n.recipient_id, n.stage): (n.outcome, n.attempts) for n in nudges(deps, a.id)}
    assert state[(BRAM, "before")] == ("dm", 1) and state[(CHEN, "before")] == ("dm", 1)


def test_two_sweeps_in_threads_at_once_send_one_dm_each(clocked, fake, pg_url: str) -> None:
    deps, clock = clocked
    made = [_record_at(deps, f"Threaded-{n}-end", [BRAM, CHEN]) for n in range(10)]
    clock.now = datetime(2026, 12, 8, 8, 1, tzinfo=UTC)
    other = build_deps(settings_for(pg_url, fake), clock=clock)  # its own engine and caches
    barrier = threading.Barrier(2, timeout=10)
    counts: list[int] = []
    errors: list[BaseException] = []

    def sweep(d: Deps) -> None:
        try:
            barrier.wait()
            counts.append(send_review_nudges(d))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    try:
        threads = [threading.Thread(target=sweep, args=(d,)) for d in (deps, other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert not any(t.is_alive() for t in threads), "a sweep did not finish"
    finally:
        other.engine.dispose()
    assert errors == []
    assert sum(counts) == 2 * len(made), counts
    for a in made:
        for user in (BRAM, CHEN):
            assert len(dm_texts(fake, user, f"“{a.title}”")) == 1, (a.title, user)


# ---------------------------------------------------------------- 3. down for three days


def test_bot_down_for_three_days_sends_one_folded_reminder_per_person(
    deps: Deps, fake, pg_url: str, tmp_path: Path
) -> None:
    day = due_day(datetime.now(UTC))
    review = day - timedelta(days=3)  # a week before and the day itself: both past
    made = [record(deps, f"Downtime-{n}-end", review, [BRAM, CHEN]) for n in range(3)]
    for a in made:
        stages = {(n.recipient_id, n.stage): n.due_date for n in nudges(deps, a.id)}
        assert stages[(CHEN, "before")] < stages[(CHEN, "due")] <= day
    utc_days = {datetime.now(UTC).date()}  # before and after the tick (midnight)
    local_days = {datetime.now(AMSTERDAM).date()}

    [tick] = run_ticks(1, pg_url, fake, tmp_path, together=False)
    tick.check_clean()
    utc_days.add(datetime.now(UTC).date())
    local_days.add(datetime.now(AMSTERDAM).date())
    assert tick.counts()["review-nudges"] == 2 * len(made)

    for a in made:
        [chen] = dm_texts(fake, CHEN, f"“{a.title}”")
        assert any(
            f"is overdue for review by {(d - review).days} days" in chen for d in local_days
        ), chen
        [bram] = dm_texts(fake, BRAM, f"“{a.title}”")
        assert "dagen te laat" in bram, bram
        rows = nudges(deps, a.id)
        for user in (BRAM, CHEN):
            mine = {n.stage: n for n in rows if n.recipient_id == user}
            assert set(mine) == {"before", "due", "overdue"}, a.title
            assert (mine["before"].outcome, mine["before"].attempts) == ("folded", 0)
            assert mine["before"].sent_at is not None
            assert (mine["due"].outcome, mine["due"].attempts) == ("dm", 1)
            overdue = mine["overdue"]
            assert (overdue.sent_at, overdue.outcome) == (None, None)
            assert overdue.due_date in {
                next_overdue(max(mine["due"].due_date, d), 7) for d in utc_days
            }
            assert overdue.due_date > day and overdue.due_date == next_weekday(overdue.due_date)
        assert sorted((e["to"], e["stage"]) for e in nudged_events(deps, a.id)) == [
            (BRAM, "due"),
            (CHEN, "due"),
        ]

    [again] = run_ticks(1, pg_url, fake, tmp_path, together=False)
    again.check_clean()
    assert again.counts()["review-nudges"] == 0  # the next one is planned, not due yet


# ---------------------------------------------------------------- 4. crash between claim and send


def test_crash_between_claim_and_send_sends_once_after_the_lease(
    deps: Deps, fake, pg_url: str, tmp_path: Path
) -> None:
    day = due_day(datetime.now(UTC))
    crashed = record(deps, "Crashed-end", day - timedelta(days=3), [CHEN])  # two due: folds
    other = record(deps, "Other-end", day + timedelta(days=7), [BRAM])  # week-before due

    script = tmp_path / "claim_then_die.py"
    script.write_text(CLAIM_THEN_DIE)
    died = subprocess.run(
        [sys.executable, str(script)],
        env=tick_env(pg_url, fake),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT,
    )
    assert died.returncode == 9, died.stdout + died.stderr
    assert "Traceback" not in died.stderr, died.stderr
    [line] = [ln for ln in died.stdout.splitlines() if ln.startswith("claimed ")]
    _, nudge_id, agreement_id, recipient, folded = line.split()
    # The oldest due reminder comes first: the crashed agreement's, folded into its latest.
    assert (int(agreement_id), recipient, int(folded)) == (crashed.id, CHEN, 1)
    rows = {n.stage: n for n in nudges(deps, crashed.id)}
    assert rows["due"].id == int(nudge_id)
    assert rows["due"].sent_at is None and rows["due"].attempts == 1
    assert rows["due"].lease_until is not None
    assert rows["due"].lease_until > datetime.now(UTC) + agreements.NUDGE_LEASE / 2
    assert rows["before"].outcome == "folded"
    assert dm_texts(fake, CHEN) == []

    # Straight after the crash the lease still holds: the tick sends only the other reminder.
    [tick] = run_ticks(1, pg_url, fake, tmp_path, together=False)
    tick.check_clean()
    assert tick.counts()["review-nudges"] == 1
    assert dm_texts(fake, CHEN) == []
    assert len(dm_texts(fake, BRAM, "“Other-end”")) == 1
    assert {n.stage: n.outcome for n in nudges(deps, other.id)}["before"] == "dm"

    # Sweeps (in-process, on a clock moved forward): nothing while the lease holds,
    # then exactly one DM once it expired, and nothing more after that.
    clock = FakeClock(rows["due"].lease_until - timedelta(seconds=5))
    later = build_deps(settings_for(pg_url, fake), clock=clock)
    try:
        assert send_review_nudges(later) == 0
        clock.now = rows["due"].lease_until + timedelta(seconds=1)
        assert send_review_nudges(later) == 1
        assert send_review_nudges(later) == 0
        clock.advance(minutes=10)
        assert send_review_nudges(later) == 0
    finally:
        later.engine.dispose()
    [text] = dm_texts(fake, CHEN)
    assert "“Crashed-end”" in text and "overdue for review" in text
    assert len(dm_texts(fake, BRAM)) == 1
    rows = {n.stage: n for n in nudges(deps, crashed.id)}
    assert (rows["due"].outcome, rows["due"].attempts) == ("dm", 2)
    assert rows["due"].lease_until is None and rows["due"].sent_at is not None
    assert rows["overdue"].sent_at is None  # the next one is planned
    assert [e["to"] for e in nudged_events(deps, crashed.id)] == [CHEN]


# ---------------------------------------------------------------- 5. a sweep longer than the lease


def _wait_claimed(deps: Deps, agreement_id: int, timeout: float = 10) -> None:
    deadline = clock_time.monotonic() + timeout
    while not any(n.attempts for n in nudges(deps, agreement_id)):
        assert clock_time.monotonic() < deadline, "the reminder was never claimed"
        clock_time.sleep(0.02)


def test_a_sweep_longer_than_the_lease_does_not_let_another_replica_send_twice(
    clocked, fake, pg_url: str
) -> None:
    deps, clock = clocked
    first = _record_at(deps, "Slow-first-end", [CHEN])
    second = _record_at(deps, "Slow-second-end", [BRAM])
    clock.now = datetime(2026, 12, 8, 8, 1, tzinfo=UTC)
    fake.set_delay("conversations.open", 1.0)  # Slack is slow (rate limited, say)
    done: list[int] = []
    slow = threading.Thread(target=lambda: done.append(send_review_nudges(deps)))
    slow.start()
    other = build_deps(settings_for(pg_url, fake), clock=clock)  # a second replica
    try:
        _wait_claimed(deps, first.id)  # the slow sweep is sending its first reminder...
        clock.advance(minutes=3)  # ...and more than NUDGE_LEASE passes meanwhile
        _wait_claimed(deps, second.id)  # it leased the second one, and is sending it
        fake.set_delay("conversations.open", 0)
        send_review_nudges(other)  # the other replica's sweep, a minute or so later
    finally:
        slow.join(30)
        other.engine.dispose()
    assert not slow.is_alive() and done
    assert len(dm_texts(fake, CHEN, "Slow-first-end")) == 1
    assert len(dm_texts(fake, BRAM, "Slow-second-end")) == 1
