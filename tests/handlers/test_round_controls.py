"""The round's own wording and controls (issue 11, part 8): reminders in working hours, DMs
that show what was done, channels the bot cannot post in, the closing answer's wording and
which buttons look destructive."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.blocks import ids
from bot.scheduler import run_all_once
from bot.store import models
from tests.support.harness import (
    ALICE,
    BRAM,
    CHANNEL,
    CHEN,
    Bot,
    FakeClock,
    make_bot,
    modal_values,
)
from tests.support.steps import (
    START,
    click,
    controls_dm,
    is_controls,
    last_modal,
    resolution_values,
    start_round,
    submit,
    sweep,
)


def dms_of(bot: Bot, user: str) -> list[dict]:
    """A person's DMs, besides an author's control messages."""
    dm = bot.fake.dm_channel_id(user)
    return [m for m in bot.fake.messages_in(dm) if not is_controls(bot, m)] if dm else []


def buttons(blocks: list[dict]) -> dict[str, dict]:
    return {
        e["action_id"]: e
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "button"
    }


# ---------------------------------------------------------------- (a) reminders in working hours


def test_reminder_at_night_waits_for_the_persons_morning(bot: Bot, clock: FakeClock) -> None:
    bot.fake.add_user(BRAM, "bram", locale="nl-NL", tz="America/Los_Angeles")
    rnd = start_round(bot)  # Tuesday 09:00 UTC to Friday 09:00 UTC: reminder Thursday 09:00 UTC
    clock.advance(days=2, minutes=1)  # Thursday 10:01 in Amsterdam, 01:01 in Los Angeles
    sweep(bot)
    assert len(dms_of(bot, CHEN)) == 1 and len(dms_of(bot, ALICE)) == 1
    assert dms_of(bot, BRAM) == []  # the middle of his night
    clock.now = datetime(2026, 12, 3, 16, 59, tzinfo=UTC)  # 08:59 in Los Angeles
    sweep(bot)
    assert dms_of(bot, BRAM) == []
    clock.now = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)  # 09:00 in Los Angeles
    sweep(bot)
    [reminder] = dms_of(bot, BRAM)
    assert "nog open" in reminder["text"] and rnd.title in reminder["text"]
    clock.advance(hours=2)
    sweep(bot)
    assert [len(dms_of(bot, u)) for u in (ALICE, BRAM, CHEN)] == [1, 1, 1]  # once per round


def test_weekend_reminder_waits_until_monday_nine_in_their_zone(bot: Bot, clock: FakeClock) -> None:
    deadline = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # Monday 13:00 in Amsterdam
    start_round(bot, deadline=deadline)  # reminder due Sunday 12:00 UTC
    click(bot, ids.ACT_ANSWER_CONSENT, 1, ALICE)
    clock.now = datetime(2026, 12, 6, 12, 1, tzinfo=UTC)  # Sunday
    sweep(bot)
    assert dms_of(bot, BRAM) == [] and dms_of(bot, CHEN) == []
    clock.now = datetime(2026, 12, 7, 7, 59, tzinfo=UTC)  # Monday 08:59 in Amsterdam
    sweep(bot)
    assert dms_of(bot, BRAM) == [] and dms_of(bot, CHEN) == []
    clock.now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # Monday 09:00 in Amsterdam
    sweep(bot)
    assert len(dms_of(bot, BRAM)) == 1 and len(dms_of(bot, CHEN)) == 1
    assert dms_of(bot, ALICE) == []  # she answered


def test_no_reminder_when_no_working_hour_is_left_before_the_deadline(
    bot: Bot, clock: FakeClock
) -> None:
    deadline = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)  # Sunday evening
    start_round(bot, deadline=deadline)
    clock.now = datetime(2026, 12, 5, 18, 1, tzinfo=UTC)  # Saturday: Monday is too late
    sweep(bot)
    clock.now = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)
    sweep(bot)
    assert [dms_of(bot, u) for u in (BRAM, CHEN)] == [[], []]


@pytest.fixture
def second(bot: Bot, db_url: str, fake, clock: FakeClock) -> Iterator[Bot]:
    """Another replica: the same database and Slack, its own process state."""
    other = make_bot(db_url, fake, clock=clock)
    yield other
    other.deps.executor.wait_idle(5)
    other.deps.engine.dispose()


def test_two_replicas_send_one_reminder(bot: Bot, second: Bot, clock: FakeClock) -> None:
    start_round(bot)
    clock.advance(days=2, minutes=1)
    counts = [run_all_once(b.deps)["nudge-rounds"] for b in (bot, second, bot, second)]
    assert counts == [3, 0, 0, 0]
    bot.settle()
    second.settle()
    assert [len(dms_of(bot, u)) for u in (ALICE, BRAM, CHEN)] == [1, 1, 1]


# ---------------------------------------------------------------- (d) the closing answer


def test_the_answer_that_closes_the_round_does_not_promise_a_change(bot: Bot) -> None:
    rnd = start_round(bot)
    for user in (ALICE, BRAM, CHEN):
        click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, user)
    alice, chen = bot.responses_for(ALICE)[-1]["text"], bot.responses_for(CHEN)[-1]["text"]
    assert "You can change it until the round closes" in alice
    assert "change it" not in chen and "Everyone has answered" in chen


def test_the_closing_answer_in_dutch(bot: Bot) -> None:
    rnd = start_round(bot, people=[BRAM])
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, BRAM)
    text = bot.responses_for(BRAM)[-1]["text"]
    assert "Iedereen heeft geantwoord" in text and "wijzigen" not in text


# ---------------------------------------------------------------- (e) what looks destructive


def test_objection_is_not_destructive_and_withdraw_keeps_its_confirm(bot: Bot) -> None:
    rnd = start_round(bot)
    message = next(m for m in bot.fake.messages_in(CHANNEL) if m["ts"] == rnd.message_ts)
    shown = buttons(message["blocks"])
    assert "style" not in shown[ids.ACT_ANSWER_OBJECTION]
    assert "confirm" not in shown[ids.ACT_ANSWER_OBJECTION]
    assert shown[ids.ACT_ANSWER_CONSENT]["style"] == "primary"
    assert ids.ACT_WITHDRAW not in shown and ids.ACT_CLOSE_EARLY not in shown  # the author's DM
    shown = buttons(controls_dm(bot, ALICE)["blocks"])
    withdraw = shown[ids.ACT_WITHDRAW]["confirm"]
    assert withdraw["style"] == "danger" and withdraw["confirm"]["text"] == "Withdraw"
    assert "confirm" in shown[ids.ACT_CLOSE_EARLY]


def test_nudge_objection_is_not_destructive(bot: Bot, clock: FakeClock) -> None:
    start_round(bot)
    clock.advance(days=2, minutes=1)
    sweep(bot)
    [reminder] = dms_of(bot, CHEN)
    assert "style" not in buttons(reminder["blocks"])[ids.ACT_ANSWER_OBJECTION]


def test_review_drop_keeps_its_confirm() -> None:
    from bot.blocks.agreements import review_buttons
    from bot.domain.review import AgreementStatus
    from bot.i18n import messages
    from bot.services.views import AgreementView

    view = AgreementView(
        id=1, team_id="T0001", channel_id=CHANNEL, number=1, title="Notes", text="Notes",
        driver=None, responsibilities=None, evaluation=None, concerns=[],
        review_date=date(2027, 3, 1), status=AgreementStatus.ACTIVE, author_id=ALICE,
        responsible_ids=[], version=1, round_id=None, created_at=START,
    )  # fmt: skip
    block = review_buttons(messages("en"), view).to_dict()
    shown = {e["action_id"]: e for e in block["elements"]}
    assert shown[ids.ACT_AGREEMENT_DROP]["confirm"]["style"] == "danger"
    assert "confirm" not in shown[ids.ACT_AGREEMENT_KEEP]


# ---------------------------------------------------------------- (c) where the bot cannot post

PRIVATE, OPEN = "G0SECRET", "C0OPEN"


def rounds_stored(bot: Bot) -> int:
    with bot.deps.sessions() as s:
        return s.scalar(select(func.count()).select_from(models.ConsentRound))


def test_consent_in_a_private_channel_without_the_bot_says_so_first(bot: Bot) -> None:
    bot.fake.add_channel(PRIVATE, "secret", [ALICE, BRAM], is_private=True, is_member=False)
    bot.command("Four-day week", channel=PRIVATE, command="/consent")
    bot.command("", user=BRAM, channel=PRIVATE)  # the driver form, in Dutch
    assert bot.fake.calls_to("views.open") == []  # no form to fill in for nothing
    [told] = bot.responses_for(ALICE)
    assert "/invite @S3 Governance" in told["text"] and "private channel" in told["text"]
    assert not buttons(told.get("blocks") or [])  # a private channel cannot be joined
    [dutch] = bot.responses_for(BRAM)
    assert "/invite @S3 Governance" in dutch["text"] and "privékanaal" in dutch["text"]


def test_consent_in_a_direct_message_says_rounds_live_in_a_channel(bot: Bot) -> None:
    bot.command("Four-day week", channel="D0SOMEONE", command="/consent")
    assert bot.fake.calls_to("views.open") == []
    [told] = bot.responses_for(ALICE)
    assert "direct message" in told["text"]


def test_public_channel_offers_to_add_the_bot_then_opens_the_form(bot: Bot) -> None:
    bot.fake.add_channel(OPEN, "open-circle", [ALICE, BRAM], is_member=False)
    bot.command("Four-day week", channel=OPEN, command="/consent")
    assert bot.fake.calls_to("views.open") == []
    [told] = bot.responses_for(ALICE)
    join = buttons(told["blocks"])[ids.ACT_JOIN_FOR_CONSENT]
    assert join["text"]["text"] == "Add the bot to this channel"
    bot.driver.block_action(
        ids.ACT_JOIN_FOR_CONSENT, join["value"], user_id=ALICE, channel_id=OPEN,
        message_ts="3.0", block_id=ids.BLOCK_JOIN_ACTIONS, is_ephemeral=True,
    )  # fmt: skip
    bot.settle()
    assert [c.args["channel"] for c in bot.fake.calls_to("conversations.join")] == [OPEN]
    modal = last_modal(bot)
    blocks = {b.get("block_id"): b for b in modal["blocks"]}
    assert blocks[ids.IN_PROPOSAL[0]]["element"]["initial_value"] == "Four-day week"
    values = modal_values(
        text="Four-day week", review_date=date(2027, 3, 1), deadline=START + timedelta(days=3)
    )
    assert submit(bot, modal, values).body == ""
    assert any("Four-day week" in m.get("text", "") for m in bot.fake.messages_in(OPEN))


def test_driver_form_in_a_public_channel_offers_to_add_the_bot(bot: Bot) -> None:
    bot.fake.add_channel(OPEN, "open-circle", [ALICE, BRAM], is_member=False)
    bot.command("", channel=OPEN)
    [told] = bot.responses_for(ALICE)
    join = buttons(told["blocks"])[ids.ACT_JOIN_FOR_DRIVER]
    bot.driver.block_action(
        ids.ACT_JOIN_FOR_DRIVER, join["value"], user_id=ALICE, channel_id=OPEN,
        message_ts="3.0", block_id=ids.BLOCK_JOIN_ACTIONS, is_ephemeral=True,
    )  # fmt: skip
    bot.settle()
    assert last_modal(bot)["callback_id"] == ids.CB_DRIVER_MODAL


def test_a_proposal_form_whose_channel_became_unreachable_is_refused_inside_it(
    bot: Bot,
) -> None:
    bot.fake.add_channel(PRIVATE, "secret", [ALICE, BRAM], is_private=True)
    bot.command("Four-day week", channel=PRIVATE, command="/consent")
    modal = last_modal(bot)
    bot.fake.add_channel(PRIVATE, "secret", [ALICE, BRAM], is_private=True, is_member=False)
    values = modal_values(
        text="Four-day week", review_date=date(2027, 3, 1), deadline=START + timedelta(days=3)
    )
    body = submit(bot, modal, values).json()
    assert body["response_action"] == "errors"
    assert "what you typed stays here" in body["errors"][ids.IN_PROPOSAL[0]]
    assert rounds_stored(bot) == 0
    bot.fake.add_channel(PRIVATE, "secret", [ALICE, BRAM], is_private=True)  # invited again
    assert submit(bot, modal, values).body == ""  # the same form, as typed, now goes through
    assert rounds_stored(bot) == 1


def test_a_driver_form_whose_channel_became_unreachable_is_refused_inside_it(bot: Bot) -> None:
    bot.command("")
    modal = last_modal(bot)
    bot.fake.add_channel(CHANNEL, "ops-circle", [ALICE, BRAM, CHEN], is_private=True,
                         is_member=False)  # fmt: skip
    values = {
        ids.IN_SITUATION[0]: {ids.IN_SITUATION[1]: {"type": "plain_text_input", "value": "Late"}},
        ids.IN_EFFECT[0]: {ids.IN_EFFECT[1]: {"type": "plain_text_input", "value": "No plan"}},
    }
    body = submit(bot, modal, values).json()
    assert body["response_action"] == "errors" and ids.IN_SITUATION[0] in body["errors"]
    with bot.deps.sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.BacklogItem)) == 0


# ---------------------------------------------------------------- (b) a DM shows what was done


def dm_click(bot: Bot, action_id: str, value: str, user: str, message: dict, block_id: str):
    response = bot.driver.block_action(
        action_id, value, user_id=user, channel_id=bot.fake.dm_channel_id(user),
        message_ts=message["ts"], block_id=block_id,
    )  # fmt: skip
    bot.settle()
    return response


def current(bot: Bot, user: str, ts: str) -> dict:
    return next(m for m in dms_of(bot, user) if m["ts"] == ts)


def test_answering_from_the_reminder_updates_it_without_buttons(bot: Bot, clock: FakeClock) -> None:
    rnd = start_round(bot)
    clock.advance(days=2, minutes=1)
    sweep(bot)
    [bram_dm], [chen_dm] = dms_of(bot, BRAM), dms_of(bot, CHEN)
    assert buttons(bram_dm["blocks"])  # the reminder can be answered from
    dm_click(bot, ids.ACT_ANSWER_CONSENT, str(rnd.id), BRAM, bram_dm, ids.BLOCK_NUDGE_ACTIONS)
    shown = current(bot, BRAM, bram_dm["ts"])
    assert "Je hebt “Instemming” geantwoord" in shown["text"] and not buttons(shown["blocks"])
    dm_click(bot, ids.ACT_ANSWER_OBJECTION, str(rnd.id), CHEN, chen_dm, ids.BLOCK_NUDGE_ACTIONS)
    reason = {ids.IN_REASON[0]: {ids.IN_REASON[1]: {"type": "plain_text_input", "value": "QA"}}}
    assert submit(bot, last_modal(bot), reason, user=CHEN).body == ""
    shown = current(bot, CHEN, chen_dm["ts"])
    assert "You answered “Objection”" in shown["text"] and not buttons(shown["blocks"])
    # The round's own message keeps its buttons: only the DM acted on changes.
    message = next(m for m in bot.fake.messages_in(CHANNEL) if m["ts"] == rnd.message_ts)
    assert ids.ACT_ANSWER_CONSENT in buttons(message["blocks"])


def test_amending_from_the_result_dm_updates_it_without_buttons(bot: Bot) -> None:
    rnd = start_round(bot, people=[BRAM])
    click(bot, ids.ACT_ANSWER_OBJECTION, rnd.id, BRAM)
    reason = {ids.IN_REASON[0]: {ids.IN_REASON[1]: {"type": "plain_text_input", "value": "QA"}}}
    submit(bot, last_modal(bot), reason, user=BRAM)
    sweep(bot)
    [result] = [m for m in dms_of(bot, ALICE) if ids.ACT_AMEND in buttons(m.get("blocks") or [])]
    dm_click(bot, ids.ACT_AMEND, str(rnd.id), ALICE, result, ids.BLOCK_AUTHOR_ACTIONS)
    values = modal_values(
        text=rnd.text + " QA first.", review_date=date(2027, 3, 1),
        deadline=START + timedelta(days=2),
    )  # fmt: skip
    values |= resolution_values(0, "text", how="QA comes first now")
    assert submit(bot, last_modal(bot), values).body == ""
    shown = current(bot, ALICE, result["ts"])
    assert "version 2 is open in a new round" in shown["text"] and not buttons(shown["blocks"])


def test_withdrawing_from_the_result_dm_updates_it(bot: Bot) -> None:
    rnd = start_round(bot, people=[BRAM])
    click(bot, ids.ACT_ANSWER_OBJECTION, rnd.id, BRAM)
    reason = {ids.IN_REASON[0]: {ids.IN_REASON[1]: {"type": "plain_text_input", "value": "QA"}}}
    submit(bot, last_modal(bot), reason, user=BRAM)
    sweep(bot)
    [result] = [m for m in dms_of(bot, ALICE) if ids.ACT_WITHDRAW in buttons(m.get("blocks") or [])]
    dm_click(bot, ids.ACT_WITHDRAW, str(rnd.id), ALICE, result, ids.BLOCK_AUTHOR_ACTIONS)
    shown = current(bot, ALICE, result["ts"])
    assert "You withdrew the proposal" in shown["text"] and not buttons(shown["blocks"])


def test_keeping_from_the_review_reminder_updates_it_without_buttons(
    bot: Bot, clock: FakeClock
) -> None:
    from bot.demo.forms import fill

    bot.command("add", command="/agreements")
    form = last_modal(bot)
    inputs = {
        "title": "Release notes", "proposal": "Release notes a day early",
        "review_date": date(2026, 12, 15), "responsible_people": [CHEN],
    }  # fmt: skip
    assert submit(bot, form, fill(form, inputs)).body == ""
    clock.now = datetime(2026, 12, 15, 8, 1, tzinfo=UTC)
    sweep(bot)
    [reminder] = dms_of(bot, CHEN)
    value = buttons(reminder["blocks"])[ids.ACT_AGREEMENT_KEEP]["value"]
    dm_click(bot, ids.ACT_AGREEMENT_KEEP, value, CHEN, reminder, ids.BLOCK_REVIEW_ACTIONS)
    keep = last_modal(bot)
    assert submit(bot, keep, fill(keep, {"next_review": date(2027, 6, 15)}), CHEN).body == ""
    shown = current(bot, CHEN, reminder["ts"])
    assert "You kept agreement #1" in shown["text"] and "June 15, 2027" in shown["text"]
    assert not buttons(shown["blocks"])
