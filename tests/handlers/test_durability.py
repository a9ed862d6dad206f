"""Nothing acknowledged is lost, nothing is done twice: replays, lost answers, slow Slack."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from slack_sdk import WebClient
from sqlalchemy import func, select

from bot.blocks import ids
from bot.delivery import outbox
from bot.delivery.outbox import deliver_outbox
from bot.delivery.rounds import render_rounds
from bot.runtime.pacing import patient
from bot.services import payloads
from bot.store import models
from bot.store.db import make_engine
from tests.support.harness import ALICE, CHANNEL, Bot, FakeClock, modal_values
from tests.support.steps import START, click, last_modal, start_round, submit


def _count(bot: Bot, model: type) -> int:
    with bot.deps.sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _posts(bot: Bot) -> list[dict]:
    return [m for m in bot.fake.messages_in(CHANNEL) if m.get("user") == bot.fake.bot_user_id]


def _sweep_outbox_later(bot: Bot, clock: FakeClock) -> None:
    clock.advance(hours=2)  # past every backoff and lease
    with patient():  # as the scheduled sweep runs: waiting for its turn within the tiers
        deliver_outbox(bot.deps)
    bot.settle()


def test_a_replayed_signed_tension_request_stores_one_tension(bot: Bot) -> None:
    fields = {
        "team_id": "T0001", "channel_id": CHANNEL, "user_id": ALICE, "command": "/tension",
        "text": "Releases slip", "trigger_id": "1.2.abcdef", "api_app_id": "A0001",
        "response_url": bot.fake.hooks_url + "/commands/1",
    }  # fmt: skip
    body = urlencode(fields)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **bot.driver.sign(body)}
    for _ in range(3):  # the same signed body, within Slack's five minutes
        assert bot.driver.send_raw(body, headers).status == 200
        bot.settle()
    assert _count(bot, models.BacklogItem) == 1
    assert len(_posts(bot)) == 1


def test_a_double_submitted_proposal_opens_one_round(bot: Bot) -> None:
    bot.command("Four-day week", command="/consent")
    modal = last_modal(bot)
    values = modal_values(text="Four-day week", review_date=date(2027, 3, 1),
                          deadline=START + timedelta(days=3))  # fmt: skip
    first = submit(bot, modal, values)
    second = submit(bot, modal, values)  # a double click on Submit: same view, same state
    assert first.status == second.status == 200
    assert _count(bot, models.ConsentRound) == 1
    assert len(_posts(bot)) == 1


def test_the_round_is_stored_before_the_form_closes_even_when_slack_is_slow(bot: Bot) -> None:
    bot.command("Four-day week", command="/consent")
    modal = last_modal(bot)
    for method in ("conversations.members", "users.info", "auth.test", "chat.postMessage"):
        bot.fake.set_delay(method, 4.0)
    values = modal_values(text="Four-day week", review_date=date(2027, 3, 1),
                          deadline=START + timedelta(days=3))  # fmt: skip
    started = time.monotonic()
    response = bot.driver.view_submission(
        modal["callback_id"], values, user_id=ALICE,
        private_metadata=modal["private_metadata"], view_id=modal["id"],
    )  # fmt: skip
    acked_after = time.monotonic() - started
    assert response.status == 200 and response.body == ""
    assert acked_after < 3.0, f"acked after {acked_after:.1f}s"
    assert _count(bot, models.ConsentRound) == 1  # stored when the form closed
    for method in ("conversations.members", "users.info", "auth.test", "chat.postMessage"):
        bot.fake.set_delay(method, 0)  # calls already waiting still take their 4 s
    assert bot.deps.executor.wait_idle(60)
    [message] = _posts(bot)
    with bot.deps.sessions() as s:
        rnd = s.scalars(select(models.ConsentRound)).one()
        assert rnd.message_ts == message["ts"]
        assert s.scalar(select(func.count()).select_from(models.RoundParticipant)) >= 2


def test_a_tension_is_stored_before_the_ack_even_when_slack_is_slow(bot: Bot) -> None:
    for method in ("users.info", "chat.postMessage"):
        bot.fake.set_delay(method, 4.0)
    started = time.monotonic()
    response = bot.driver.command("/tension", "slow slack", user_id=ALICE, channel_id=CHANNEL)
    acked_after = time.monotonic() - started
    assert response.status == 200 and acked_after < 3.0, f"acked after {acked_after:.1f}s"
    assert _count(bot, models.BacklogItem) == 1
    bot.settle()
    assert len(_posts(bot)) == 1


def test_a_lost_answer_to_the_round_post_links_the_post_on_retry_and_never_doubles(
    bot: Bot, clock: FakeClock
) -> None:
    bot.fake.lose_answer_next("chat.postMessage")  # Slack posts it; the bot hears a 500
    rnd = start_round(bot)
    assert rnd.message_ts is None  # not linked yet: the row is left for the sweep
    [posted] = _posts(bot)
    for _ in range(2):
        _sweep_outbox_later(bot, clock)
    assert [m["ts"] for m in _posts(bot)] == [posted["ts"]]  # found again, not posted again
    with bot.deps.sessions() as s:
        assert s.scalars(select(models.ConsentRound)).one().message_ts == posted["ts"]
    # Reactions now find the round.
    bot.fake.add_reaction(CHANNEL, posted["ts"], "+1", "U0BRAM")


@pytest.mark.parametrize("failure", ["lost", "timeout"])
def test_a_tension_announcement_is_posted_exactly_once_after_a_lost_answer_or_timeout(
    bot: Bot, clock: FakeClock, failure: str
) -> None:
    if failure == "lost":
        bot.fake.lose_answer_next("chat.postMessage")
    else:
        bot.deps.client.timeout = 1
        bot.fake.set_delay("chat.postMessage", 1.5)  # Slack posts, the client gives up first
    bot.command("Releases slip")
    bot.fake.set_delay("chat.postMessage", 0)
    time.sleep(0.6 if failure == "timeout" else 0)  # the slow post lands meanwhile
    for _ in range(2):
        _sweep_outbox_later(bot, clock)
    [message] = _posts(bot)
    with bot.deps.sessions() as s:
        assert s.scalars(select(models.BacklogItem)).one().message_ts == message["ts"]
        [row] = s.scalars(select(models.Outbox)).all()
        assert row.sent_at is not None


def test_one_row_that_times_out_does_not_stop_the_sweep(
    bot: Bot, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot.fake.fail_next("chat.postMessage", status=500, times=2)
    bot.command("first")
    bot.command("second")
    assert _posts(bot) == []
    real = outbox.SENDERS[payloads.TensionAnnouncement]

    def first_times_out(deps, team_id, target, payload, attempt):  # type: ignore[no-untyped-def]
        if payload.item_id == 1:
            raise TimeoutError("The read operation timed out")  # what slack_sdk raises
        real(deps, team_id, target, payload, attempt)

    monkeypatch.setitem(outbox.SENDERS, payloads.TensionAnnouncement, first_times_out)
    clock.advance(hours=2)
    assert deliver_outbox(bot.deps) == 1  # the second went out; the first waits
    assert len(_posts(bot)) == 1
    with bot.deps.sessions() as s:
        first = s.scalars(select(models.Outbox).order_by(models.Outbox.id)).first()
        assert first.sent_at is None and first.last_error == "TimeoutError"
    monkeypatch.setitem(outbox.SENDERS, payloads.TensionAnnouncement, real)
    _sweep_outbox_later(bot, clock)
    assert len(_posts(bot)) == 2


def test_a_round_posted_whose_link_failed_to_store_is_linked_on_retry_not_posted_again(
    bot: Bot, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from bot.services import consent

    real = consent.set_message
    failures = iter([OperationalError("UPDATE", {}, Exception("database went away"))])

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real(*args, **kwargs)

    monkeypatch.setattr(consent, "set_message", flaky)
    start_round(bot)
    [posted] = _posts(bot)
    _sweep_outbox_later(bot, clock)
    assert [m["ts"] for m in _posts(bot)] == [posted["ts"]]
    with bot.deps.sessions() as s:
        assert s.scalars(select(models.ConsentRound)).one().message_ts == posted["ts"]
        assert s.scalar(select(func.count()).select_from(models.ConsentRound)) == 1


def test_a_burst_of_tensions_within_slacks_tiers_acks_fast_meets_no_429_storm_loses_nothing(
    bot: Bot, clock: FakeClock
) -> None:
    # The fake answers 429 beyond Slack's tiers (posts: about 1/s per channel, short bursts).
    texts = [f"burst {n:02d}" for n in range(10)]
    slowest = 0.0
    for text in texts:
        started = time.monotonic()
        response = bot.driver.command("/tension", text, user_id=ALICE, channel_id=CHANNEL)
        slowest = max(slowest, time.monotonic() - started)
        assert response.status == 200
    bot.settle()
    assert slowest < 3.0, f"slowest ack {slowest:.1f}s"
    assert _count(bot, models.BacklogItem) == len(texts)
    _sweep_outbox_later(bot, clock)  # what the burst left waits its turn in the sweep
    announced = [t for m in _posts(bot) for t in texts if t in str(m.get("blocks"))]
    assert sorted(announced) == texts  # each once
    calls = bot.fake.calls
    # One 429 at most (it is retried after its Retry-After, as the posts above show), no storm:
    # listeners delivering at once after a burst can each see the channel's last free turn.
    assert len(bot.fake.tiers.limited) <= max(1, len(calls) // 100)


def test_a_429_from_slack_holds_the_method_for_its_retry_after_and_the_sweep_waits(
    bot: Bot, clock: FakeClock
) -> None:
    rnd = start_round(bot)
    # Another replica spent this workspace's chat.update budget: Slack says 429, Retry-After.
    other = WebClient(token="xoxb-test-token", base_url=bot.deps.settings.slack_api_url)
    ts = rnd.message_ts
    for _ in range(60):
        try:
            other.chat_update(channel=CHANNEL, ts=ts, text="elsewhere")
        except Exception:  # noqa: BLE001 - the ones beyond the tier are refused
            break
    assert bot.fake.tiers.limited, "the fake should refuse beyond tier 3"
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, ALICE)
    clock.advance(seconds=10)
    refused_before = len(bot.fake.tiers.limited)
    with patient():
        render_rounds(bot.deps)
    message = json.dumps(bot.fake.last_message(CHANNEL))  # the round's message, updated
    assert "1 of 3 have answered" in message  # waited for its turn, then updated
    # One refusal at most, then the Retry-After is honoured (no retry storm).
    assert len(bot.fake.tiers.limited) - refused_before <= 1


def test_a_locked_database_answers_could_not_save_within_3_seconds_and_stores_nothing(
    bot: Bot,
) -> None:
    locker = make_engine(bot.deps.settings.database_url)  # another writer holding the lock
    try:
        with locker.begin() as conn:  # SQLite: BEGIN IMMEDIATE holds the write lock
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("LOCK TABLE backlog_items IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            response = bot.driver.command(
                "/tension", "locked out", user_id=ALICE, channel_id=CHANNEL
            )
            acked_after = time.monotonic() - started
        bot.settle()
    finally:
        locker.dispose()
    assert response.status == 200 and acked_after < 3.0, f"acked after {acked_after:.1f}s"
    [reply] = bot.responses_for(ALICE)  # through the response_url, asking neither DB nor API
    assert "could not save" in reply["text"] and "Nothing was saved" in reply["text"]
    assert _count(bot, models.BacklogItem) == 0 and _count(bot, models.Outbox) == 0
    bot.command("locked out")  # the lock is gone: the same request goes through now
    assert _count(bot, models.BacklogItem) == 1
