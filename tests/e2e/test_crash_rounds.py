"""kill -9 of `s3bot serve` in the middle of a burst of `/consent` submissions and of the
authors' Close now and Withdraw: every acknowledged request is stored, and after a restart
and a sweep each round message, each result and each author's DM is posted exactly once."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.blocks import ids
from bot.delivery import outbox
from bot.demo.forms import fill
from bot.deps import Deps, build_deps
from bot.domain.clock import utcnow
from bot.domain.consent import Position
from bot.runtime.pacing import patient
from bot.scheduler import run_all_once
from bot.services import consent
from bot.store import models
from tests.fakes import SlackDriver
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, SECRET, TEAM, settings_for
from tests.support.server import Server

ROUNDS_BEFORE = 8  # open before the burst: the even ones get Close now, the odd ones Withdraw
PROPOSALS = 10  # /consent, then the modal's submission
KILL_AFTER = 9  # acknowledged requests before the kill (of 18)
METADATA_KEY = "s3bot_outbox"


def _open_round(deps: Deps, title: str, now: datetime) -> consent.RoundView:
    """A round opened an hour ago and posted, as the bot does; Bram has consented."""
    opened = now - timedelta(hours=1)
    draft = consent.Draft(
        title=title,
        text=f"{title}: publish release notes a day before each release",
        driver=None,
        item_id=None,
        responsibilities=None,
        evaluation=None,
        review_date=opened.date() + timedelta(days=90),
        deadline=now + timedelta(days=3),
        hidden=False,
        quorum=None,
        participants=[ALICE, BRAM, CHEN],
    )
    view = consent.open_round(
        deps.sessions, team_id=TEAM, channel_id=CHANNEL, author_id=ALICE, draft=draft,
        now=opened, today=opened.date(),
    )  # fmt: skip
    with patient():
        outbox.deliver_key(deps, TEAM, consent.round_message_key(view.id))
    consent.answer(
        deps.sessions, team_id=TEAM, round_id=view.id, user_id=BRAM, position=Position.CONSENT,
        reason=None, now=opened + timedelta(minutes=5),
    )  # fmt: skip
    return consent.load(deps.sessions, team_id=TEAM, round_id=view.id)


def _opened_modal(fake, trigger_id: str, dead: threading.Event) -> dict | None:
    """The modal the bot opened for this trigger (None once the bot is dead without one)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for call in fake.calls_to("views.open"):
            if call.ok and call.args.get("trigger_id") == trigger_id:
                return call.response["view"]
        if dead.is_set():
            return None
        time.sleep(0.02)
    return None


def _top_level(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m.get("thread_ts") in (None, m["ts"])]


def _shown(message: dict) -> str:
    return message.get("text", "") + json.dumps(message.get("blocks"), ensure_ascii=False)


def test_kill_9_during_consent_and_author_actions_loses_nothing_and_doubles_nothing(
    db_url: str, fake, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    setup = build_deps(settings_for(db_url, fake))
    try:
        before = [_open_round(setup, f"Standing round {n:02d}", now) for n in range(ROUNDS_BEFORE)]
    finally:
        setup.engine.dispose()
    titles = {r.id: r.title for r in before}

    server = Server(db_url, fake.url, tmp_path)
    fake.set_delay("chat.postMessage", 0.3)  # posts still in flight when it dies
    driver = SlackDriver(SECRET, url=server.url, team_id=TEAM, response_url_base=fake.hooks_url)
    dead = threading.Event()

    def propose(n: int) -> bool:
        """Alice starts a round as a person does: /consent, then the form the bot opened."""
        title = f"Crash proposal {n:02d}"
        trigger = driver.trigger_id()
        if driver.command(
            "/consent", f"{title}: rotate the facilitator role every month",
            user_id=ALICE, channel_id=CHANNEL, trigger_id=trigger,
        ).status != 200:  # fmt: skip
            return False
        modal = _opened_modal(fake, trigger, dead)
        if modal is None:
            return False
        values = fill(
            modal,
            {  # the essentials (the review date: the default the form says)
                ids.IN_TITLE[1]: title,
                ids.IN_DEADLINE[1]: now + timedelta(days=3),
            },
        )
        submitted = driver.view_submission(
            modal["callback_id"], values, user_id=ALICE,
            private_metadata=modal.get("private_metadata", ""), view_id=modal["id"],
        )  # fmt: skip
        return submitted.status == 200 and submitted.body == ""

    def author_action(rnd: consent.RoundView, action_id: str) -> bool:
        """Alice presses Close now or Withdraw on the round's message."""
        return (
            driver.block_action(
                action_id, str(rnd.id), user_id=ALICE, channel_id=CHANNEL,
                message_ts=rnd.message_ts, block_id=ids.BLOCK_ROUND_ACTIONS,
            ).status
            == 200
        )  # fmt: skip

    def attempt(op: tuple) -> bool:
        try:
            return op[0](*op[1:])
        except (OSError, http.client.HTTPException):
            return False  # connection refused or cut: Slack saw no acknowledgement

    ops: list[tuple] = []
    for n in range(max(PROPOSALS, ROUNDS_BEFORE)):
        if n < PROPOSALS:
            ops.append((propose, n))
        if n < ROUNDS_BEFORE:
            action = ids.ACT_CLOSE_EARLY if n % 2 == 0 else ids.ACT_WITHDRAW
            ops.append((author_action, before[n], action))
    acked: list[tuple] = []
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            futures = {pool.submit(attempt, op): op for op in ops}
            for future in as_completed(futures, timeout=120):
                if future.result():
                    acked.append(futures[future])
                if len(acked) >= KILL_AFTER and not dead.is_set():
                    server.kill_9()  # the requests still coming are refused
                    dead.set()
    finally:
        if not dead.is_set():
            server.kill_9()
        server.stop()
    time.sleep(1.0)  # posts in flight when it died land (the leases are far longer than this)
    fake.set_delay("chat.postMessage", 0)
    assert len(acked) < len(ops), "every request was acknowledged: the kill was not mid-burst"
    acked_titles = {f"Crash proposal {op[1]:02d}" for op in acked if op[0] is propose}
    closes = {op[1].id for op in acked if op[0] is author_action and op[2] == ids.ACT_CLOSE_EARLY}
    withdrawals = {op[1].id for op in acked if op[0] is author_action and op[2] == ids.ACT_WITHDRAW}

    deps = build_deps(settings_for(db_url, fake), clock=lambda: utcnow() + timedelta(minutes=5))
    try:
        # Every acknowledged request is stored, once.
        with deps.sessions() as s:
            stored = Counter(
                s.scalars(
                    select(models.ConsentRound.title).where(
                        models.ConsentRound.title.like("Crash proposal %")
                    )
                )
            )
            asked = {
                r.id: (r.close_requested_by, r.withdraw_requested, r.outcome)
                for r in s.scalars(
                    select(models.ConsentRound).where(models.ConsentRound.id.in_(titles))
                )
            }
        assert acked_titles <= set(stored), sorted(acked_titles - set(stored))
        assert max(stored.values(), default=1) == 1, stored
        for round_id in closes:
            assert asked[round_id][0] == ALICE or asked[round_id][2] is not None, titles[round_id]
        for round_id in withdrawals:
            assert asked[round_id][1] or asked[round_id][2] == "withdrawn", titles[round_id]

        # A restart, once the dead process's leases ran out: its sweeps, again and again.
        for _ in range(3):
            assert all(count >= 0 for count in run_all_once(deps).values())
        with deps.sessions() as s:
            rounds = list(s.scalars(select(models.ConsentRound)))
            unsent = s.scalar(
                select(func.count())
                .select_from(models.Outbox)
                .where(models.Outbox.sent_at.is_(None))
            )
    finally:
        deps.engine.dispose()

    channel = fake.messages_in(CHANNEL)
    alice_dm = [  # besides her round controls (a DM per round, updated as it goes)
        m for m in fake.messages_in(fake.dm_channel_id(ALICE) or "none")
        if not str(((m.get("metadata") or {}).get("event_payload") or {}).get("key", ""))
        .startswith("round-controls:")
    ]  # fmt: skip
    assert {r.title for r in rounds} == set(titles.values()) | set(stored)
    for rnd in rounds:
        # One message shows the round in the channel, and it is the one the round knows.
        [message] = [m for m in _top_level(channel) if rnd.title in _shown(m)]
        assert message["ts"] == rnd.message_ts, rnd.title
        replies = [m for m in channel if m.get("thread_ts") == rnd.message_ts and m is not message]
        to_author = [m for m in alice_dm if rnd.title in _shown(m)]
        if rnd.id in closes | withdrawals:
            expected = "withdrawn" if rnd.id in withdrawals else "consented"
            assert (rnd.status, rnd.outcome) == ("closed", expected), rnd.title
        if rnd.status == "closed":  # its result: once in the thread, once to Alice
            assert len(replies) == 1 and len(to_author) == 1, (rnd.title, replies, to_author)
            assert ids.ACT_ANSWER_CONSENT not in _shown(message), rnd.title
        else:
            assert replies == [] and to_author == [], rnd.title
            assert ids.ACT_ANSWER_CONSENT in _shown(message), rnd.title
    assert closes | withdrawals <= {r.id for r in rounds if r.status == "closed"}
    # Nothing the bot queued went out twice, nor is anything left unsent.
    keys = Counter(
        (m.get("metadata") or {}).get("event_payload", {}).get("key")
        for messages in fake.messages.values()
        for m in messages
        if (m.get("metadata") or {}).get("event_type") == METADATA_KEY
    )
    assert max(keys.values()) == 1, [k for k, c in keys.items() if c > 1]
    assert unsent == 0
