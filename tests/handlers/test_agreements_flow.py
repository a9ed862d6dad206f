"""The agreement logbook and review reminders, through signed requests against the Slack fake."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from bot.blocks import ids
from bot.delivery.reminders import send_review_nudges
from bot.demo.forms import fill
from bot.scheduler import run_all_once
from bot.services import agreements, consent
from bot.store import models
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, TEAM, Bot, FakeClock

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday; 10:00 in Amsterdam (everyone's tz)
REVIEW = date(2026, 12, 15)  # a Tuesday: reminders on 8 December and 15 December, 09:00 local


def last_modal(bot: Bot) -> dict:
    view = bot.fake.calls_to("views.open")[-1].args["view"]
    return json.loads(view) if isinstance(view, str) else view


def submit(bot: Bot, inputs: dict, user: str = ALICE):
    view = last_modal(bot)
    response = bot.driver.view_submission(
        view["callback_id"],
        fill(view, inputs),
        user_id=user,
        private_metadata=view.get("private_metadata", ""),
    )
    bot.settle()
    return response


def add(
    bot: Bot,
    title: str = "Release notes a day early",
    *,
    review: date = REVIEW,
    user: str = ALICE,
    people: list[str] | None = None,
    **extra,
) -> agreements.AgreementView:
    bot.command("add", user=user, command="/agreements")
    inputs = {
        "title": title,
        "proposal": extra.pop("text", f"{title}, written by the release lead."),
        "review_date": review,
        "evaluation": "No late notes for two months",
        "responsible_people": people if people is not None else [BRAM, CHEN],
        **extra,
    }
    response = submit(bot, inputs, user=user)
    assert response.body == "", response.body
    with bot.deps.sessions() as s:
        number = s.scalar(select(func.max(models.Agreement.number)))
    return agreements.detail(bot.deps.sessions, team_id=TEAM, channel_id=CHANNEL, number=number)


def dms(bot: Bot, user: str) -> list[dict]:
    channel = bot.fake.dm_channel_id(user)
    return bot.fake.messages_in(channel) if channel else []


def sweep_at(bot: Bot, clock: FakeClock, when: datetime) -> None:
    clock.now = when
    run_all_once(bot.deps)
    bot.settle()


def review_click(
    bot: Bot, action_id: str, a: agreements.AgreementView, user: str, expected: date | None = None
):
    value = f"{a.id}:{(expected or a.review_date).isoformat()}"
    bot.driver.block_action(
        action_id,
        value,
        user_id=user,
        channel_id=bot.fake.dm_channel_id(user) or CHANNEL,
        message_ts="1.0",
        block_id=ids.BLOCK_REVIEW_ACTIONS,
    )
    bot.settle()


# ---------------------------------------------------------------- the register


def test_empty_register_says_how_agreements_are_made(bot: Bot) -> None:
    bot.command("", command="/agreements")
    [reply] = bot.responses_for(ALICE)
    assert "no agreements yet" in reply["text"] and "/agreements add" in reply["text"]


def test_recording_an_agreement_made_elsewhere(bot: Bot) -> None:
    a = add(bot)
    assert (a.number, a.review_date, a.responsible_ids) == (1, REVIEW, [BRAM, CHEN])
    post = bot.fake.messages_in(CHANNEL)[-1]
    assert "recorded agreement #1 “Release notes a day early”" in post["text"]


def test_review_date_in_the_past_is_refused_and_nothing_stored(bot: Bot) -> None:
    bot.command("add", command="/agreements")
    response = submit(bot, {"proposal": "Something", "review_date": date(2026, 11, 30)})
    assert response.json()["errors"] == {ids.IN_REVIEW_DATE[0]: "Pick a review date after today."}
    with bot.deps.sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.Agreement)) == 0


def test_only_channel_members_may_add(fake, bot: Bot) -> None:
    fake.add_user("U0OUT", "outsider")
    bot.command("add", user="U0OUT", command="/agreements")
    assert bot.fake.calls_to("views.open") == []
    # Not in the channel, so not reachable by chat.postEphemeral: the answer goes to the response_url.
    assert "Only members of <#C0CIRCLE>" in bot.fake.responses[-1]["payload"]["text"]


def test_list_puts_overdue_first_then_by_review_date(bot: Bot, clock: FakeClock) -> None:
    add(bot, "Later one", review=date(2027, 3, 1))
    add(bot, "Soon one", review=date(2026, 12, 3))
    add(bot, "Middle one", review=date(2027, 1, 10))
    clock.advance(days=5)  # "Soon one" is now overdue
    bot.command("", user=CHEN, command="/agreements")
    shown = json.dumps(bot.responses_for(CHEN)[-1]["blocks"])
    assert shown.index("Soon one") < shown.index("Middle one") < shown.index("Later one")
    assert "overdue by 3 days" in shown


def test_one_agreement_in_full_with_its_history(bot: Bot) -> None:
    add(bot)
    bot.command("1", user=BRAM, command="/agreements")
    shown = json.dumps(bot.responses_for(BRAM)[-1]["blocks"])
    assert "Afspraak #1 (versie 1)" in shown and "No late notes for two months" in shown
    assert "vastgelegd door" in shown  # Bram reads it in Dutch
    bot.command("7", command="/agreements")
    assert "no agreement with that number" in bot.responses_for(ALICE)[-1]["text"]


def test_agreement_from_a_consent_round_has_its_concerns(bot: Bot, clock: FakeClock) -> None:
    from tests.support.steps import answer_with_reason, click, start_round

    rnd = start_round(bot)
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, ALICE)
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, BRAM)
    answer_with_reason(bot, ids.ACT_ANSWER_CONCERN, rnd.id, CHEN, "Extra work for the release lead")
    run_all_once(bot.deps)
    bot.settle()
    bot.command("1", command="/agreements")
    shown = json.dumps(bot.responses_for(ALICE)[-1]["blocks"])
    assert "Extra work for the release lead" in shown and "agreed by consent" in shown


# ---------------------------------------------------------------- reminders


def test_reminders_come_at_nine_local_time_a_week_before_and_on_the_day(
    bot: Bot, clock: FakeClock
) -> None:
    add(bot)
    sweep_at(bot, clock, datetime(2026, 12, 8, 7, 30, tzinfo=UTC))  # 08:30 in Amsterdam
    assert dms(bot, BRAM) == []
    sweep_at(bot, clock, datetime(2026, 12, 8, 8, 1, tzinfo=UTC))  # 09:01 in Amsterdam
    sweep_at(
        bot, clock, datetime(2026, 12, 8, 8, 30, tzinfo=UTC)
    )  # a second sweep sends nothing more
    [bram] = dms(bot, BRAM)
    [chen] = dms(bot, CHEN)
    assert dms(bot, ALICE) == []  # the author is not reminded when people are named
    assert "wordt geëvalueerd op 15 december 2026" in bram["text"]
    shown = json.dumps(chen["blocks"])
    assert "comes up for review on December 15, 2026" in chen["text"]
    assert "No late notes for two months" in shown
    for action in (
        ids.ACT_AGREEMENT_KEEP,
        ids.ACT_AGREEMENT_EVOLVE,
        ids.ACT_AGREEMENT_DROP,
        ids.ACT_AGREEMENT_SNOOZE,
    ):
        assert action in shown
    sweep_at(bot, clock, datetime(2026, 12, 15, 8, 1, tzinfo=UTC))
    assert "due for review today" in dms(bot, CHEN)[-1]["text"]
    sweep_at(bot, clock, datetime(2026, 12, 22, 8, 1, tzinfo=UTC))
    assert "overdue for review by 7 days" in dms(bot, CHEN)[-1]["text"]
    assert len(dms(bot, CHEN)) == 3


def test_author_is_reminded_when_nobody_is_named(bot: Bot, clock: FakeClock) -> None:
    add(bot, people=[])
    sweep_at(bot, clock, datetime(2026, 12, 8, 8, 1, tzinfo=UTC))
    assert len(dms(bot, ALICE)) == 1 and dms(bot, BRAM) == []


def test_weekend_due_days_move_to_monday(bot: Bot, clock: FakeClock) -> None:
    add(bot, review=date(2026, 12, 19))  # a Saturday; a week before is Saturday too
    sweep_at(bot, clock, datetime(2026, 12, 12, 10, 0, tzinfo=UTC))
    assert dms(bot, BRAM) == []
    sweep_at(bot, clock, datetime(2026, 12, 14, 8, 1, tzinfo=UTC))
    assert len(dms(bot, BRAM)) == 1


def test_three_days_down_sends_one_folded_reminder(bot: Bot, clock: FakeClock) -> None:
    add(bot)
    sweep_at(bot, clock, datetime(2026, 12, 18, 12, 0, tzinfo=UTC))  # both reminders are past
    [only] = dms(bot, BRAM)
    assert "overdue for review by 3 days" in json.dumps(only) or "3 dagen te laat" in only["text"]
    with bot.deps.sessions() as s:
        outcomes = sorted(
            s.scalars(
                select(models.ReviewNudge.outcome).where(
                    models.ReviewNudge.recipient_id == BRAM, models.ReviewNudge.sent_at.is_not(None)
                )
            )
        )
    assert outcomes == ["dm", "folded"]


def test_slack_failure_is_retried_and_never_marked_sent_before_ok(
    bot: Bot, clock: FakeClock
) -> None:
    add(bot, people=[CHEN])
    # A 500 on a post is not retried inside the client (it may have gone out): the sweep retries.
    bot.fake.fail_next("chat.postMessage", status=500)
    sweep_at(bot, clock, datetime(2026, 12, 8, 8, 1, tzinfo=UTC))
    assert dms(bot, CHEN) == []
    with bot.deps.sessions() as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(models.ReviewNudge)
                .where(models.ReviewNudge.sent_at.is_not(None), models.ReviewNudge.outcome == "dm")
            )
            == 0
        )
    sweep_at(bot, clock, datetime(2026, 12, 8, 8, 5, tzinfo=UTC))
    assert len(dms(bot, CHEN)) == 1


def test_a_crash_between_claim_and_send_is_sent_after_the_lease(bot: Bot, clock: FakeClock) -> None:
    add(bot, people=[CHEN])
    clock.now = datetime(2026, 12, 8, 8, 1, tzinfo=UTC)
    [(team, agreement_id, user)] = [
        k for k in agreements.due_groups(bot.deps.sessions, now=clock.now)
    ]
    pending = agreements.due_groups(bot.deps.sessions, now=clock.now)[(team, agreement_id, user)]
    assert agreements.claim(
        bot.deps.sessions, team_id=team, send=pending[0], fold=[], now=clock.now
    )
    # ...and the process dies here, before sending.
    sweep_at(bot, clock, datetime(2026, 12, 8, 8, 2, tzinfo=UTC))
    assert dms(bot, CHEN) == []  # still leased
    after_lease = clock.now + agreements.NUDGE_LEASE
    sweep_at(bot, clock, after_lease)
    sweep_at(bot, clock, after_lease + timedelta(minutes=5))
    assert len(dms(bot, CHEN)) == 1


def readers_far_apart(fake) -> None:
    """Alice reads in Auckland, Chen in Los Angeles."""
    fake.add_user(ALICE, "alice", real_name="Alice Appel", tz="Pacific/Auckland")
    fake.add_user(CHEN, "chen", real_name="Chen Li", locale="en-GB", tz="America/Los_Angeles")


def test_history_is_dated_in_the_readers_timezone(fake, bot: Bot, clock: FakeClock) -> None:
    readers_far_apart(fake)
    clock.now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # 2 December, 01:00 in Auckland
    add(bot)
    bot.command("1", user=ALICE, command="/agreements")
    bot.command("1", user=CHEN, command="/agreements")
    alice = json.dumps(bot.responses_for(ALICE)[-1]["blocks"])
    chen = json.dumps(bot.responses_for(CHEN)[-1]["blocks"])
    assert "December 2, 2026: recorded by" in alice, alice
    assert "December 1, 2026: recorded by" in chen, chen


def test_the_register_says_due_today_by_the_readers_date(fake, bot: Bot, clock: FakeClock) -> None:
    readers_far_apart(fake)
    add(bot)
    clock.now = datetime(2026, 12, 14, 12, 0, tzinfo=UTC)  # 15 December, 01:00 in Auckland
    bot.command("", user=ALICE, command="/agreements")
    bot.command("", user=CHEN, command="/agreements")
    assert "review due today" in json.dumps(bot.responses_for(ALICE)[-1]["blocks"])
    assert "review due today" not in json.dumps(bot.responses_for(CHEN)[-1]["blocks"])


def test_channel_reminder_is_dated_where_the_recipient_was(
    fake, bot: Bot, clock: FakeClock
) -> None:
    fake.add_user("U0KIWI", "kiwi", real_name="Kiri", tz="Pacific/Auckland")
    add(bot, people=["U0KIWI"])
    fake.add_user("U0KIWI", "kiwi", real_name="Kiri", tz="Pacific/Auckland", is_bot=True)
    # 15 December 09:00 in Auckland is 14 December 20:00 UTC: the due day there, not in UTC.
    sweep_at(bot, clock, datetime(2026, 12, 14, 20, 1, tzinfo=UTC))
    posts = [json.dumps(p.get("blocks")) for p in bot.fake.messages_in(CHANNEL)]
    assert any("due for review today" in p for p in posts), posts


def test_gone_recipient_reminds_the_channel(fake, bot: Bot, clock: FakeClock) -> None:
    fake.add_user("U0GONE", "gone", real_name="Gina Gone", deleted=True)
    add(bot, people=["U0GONE"])
    sweep_at(bot, clock, datetime(2026, 12, 8, 9, 1, tzinfo=UTC))  # no timezone any more: 09:00 UTC
    post = bot.fake.messages_in(CHANNEL)[-1]
    assert "meant for Gina Gone, who can no longer be reached" in json.dumps(post["blocks"])


def test_recipient_who_cannot_be_messaged_reminds_the_channel(bot: Bot, clock: FakeClock) -> None:
    add(bot, people=[CHEN])
    bot.fake.fail_next("conversations.open", status=200, error="user_disabled")
    sweep_at(bot, clock, datetime(2026, 12, 8, 8, 1, tzinfo=UTC))
    assert dms(bot, CHEN) == []
    assert "can no longer be reached" in json.dumps(bot.fake.messages_in(CHANNEL)[-1]["blocks"])


def test_workspace_offsets(bot: Bot, clock: FakeClock) -> None:
    agreements.set_offsets(
        bot.deps.sessions, team_id=TEAM, before_days=2, overdue_days=14, now=clock()
    )
    add(bot, people=[CHEN])
    sweep_at(bot, clock, datetime(2026, 12, 8, 8, 1, tzinfo=UTC))
    assert dms(bot, CHEN) == []
    sweep_at(bot, clock, datetime(2026, 12, 14, 8, 1, tzinfo=UTC))  # Sunday 13th moves to Monday
    assert len(dms(bot, CHEN)) == 1


# ---------------------------------------------------------------- reviewing


def test_keep_sets_the_next_review_date_once(bot: Bot, clock: FakeClock) -> None:
    a = add(bot, people=[CHEN])
    sweep_at(bot, clock, datetime(2026, 12, 15, 8, 1, tzinfo=UTC))
    review_click(bot, ids.ACT_AGREEMENT_KEEP, a, CHEN)
    response = submit(bot, {"next_review": date(2026, 12, 1)}, user=CHEN)
    assert response.json()["errors"] == {ids.IN_NEXT_REVIEW[0]: "Pick a date after today."}
    assert submit(bot, {"next_review": date(2027, 6, 15)}, user=CHEN).body == ""
    kept = agreements.load(bot.deps.sessions, team_id=TEAM, agreement_id=a.id)
    assert kept.review_date == date(2027, 6, 15)
    assert "kept agreement #1" in bot.fake.messages_in(CHANNEL)[-1]["text"]
    # The same button again (or someone else's reminder): refused, one outcome recorded.
    review_click(bot, ids.ACT_AGREEMENT_KEEP, a, BRAM)
    assert "al geëvalueerd" in bot.responses_for(BRAM)[-1]["text"]
    assert [e.action for e in kept.history].count("kept") == 1
    sweep_at(bot, clock, datetime(2026, 12, 22, 8, 1, tzinfo=UTC))
    assert len(dms(bot, CHEN)) == 1  # the overdue reminders stopped


def test_keep_submitted_twice_records_one_outcome(bot: Bot) -> None:
    a = add(bot, people=[CHEN])
    review_click(bot, ids.ACT_AGREEMENT_KEEP, a, CHEN)
    first = submit(bot, {"next_review": date(2027, 6, 15)}, user=CHEN)
    second = submit(bot, {"next_review": date(2027, 7, 15)}, user=CHEN)
    assert first.body == ""
    assert "already reviewed" in json.dumps(second.json())
    history = agreements.load(bot.deps.sessions, team_id=TEAM, agreement_id=a.id).history
    assert [e.action for e in history].count("kept") == 1


def test_drop_needs_a_reason(bot: Bot) -> None:
    a = add(bot, people=[CHEN])
    review_click(bot, ids.ACT_AGREEMENT_DROP, a, CHEN)
    assert submit(bot, {"drop_reason": "  "}, user=CHEN).json()["response_action"] == "errors"
    assert submit(bot, {"drop_reason": "We stopped doing releases"}, user=CHEN).body == ""
    dropped = agreements.load(bot.deps.sessions, team_id=TEAM, agreement_id=a.id)
    assert dropped.status.value == "dropped"
    assert "dropped agreement #1" in bot.fake.messages_in(CHANNEL)[-1]["text"]
    bot.command("", command="/agreements")
    assert "no agreements yet" in bot.responses_for(ALICE)[-1]["text"]


def test_snooze_reminds_again_on_the_chosen_day(bot: Bot, clock: FakeClock) -> None:
    a = add(bot, people=[CHEN])
    sweep_at(bot, clock, datetime(2026, 12, 15, 8, 1, tzinfo=UTC))
    review_click(bot, ids.ACT_AGREEMENT_SNOOZE, a, CHEN)
    assert submit(bot, {"snooze_until": date(2027, 1, 5)}, user=CHEN).body == ""
    assert (
        "snoozed the review reminder of agreement #1" in bot.fake.messages_in(CHANNEL)[-1]["text"]
    )
    sweep_at(bot, clock, datetime(2026, 12, 22, 8, 1, tzinfo=UTC))
    assert len(dms(bot, CHEN)) == 1
    sweep_at(bot, clock, datetime(2027, 1, 5, 8, 1, tzinfo=UTC))
    assert len(dms(bot, CHEN)) == 2


def test_evolve_replaces_the_text_after_consent_and_keeps_the_old_in_history(
    bot: Bot, clock: FakeClock
) -> None:
    from tests.support.steps import click

    a = add(bot, people=[CHEN])
    review_click(bot, ids.ACT_AGREEMENT_EVOLVE, a, CHEN)
    modal = last_modal(bot)
    assert modal["callback_id"] == ids.CB_CONSENT_MODAL
    assert a.text in json.dumps(modal["blocks"])
    submit(
        bot,
        {
            "proposal": "Release notes two days early, written by the release lead.",
            "deadline": clock.now + timedelta(days=2),
        },
        user=CHEN,
    )
    with bot.deps.sessions() as s:
        round_id = s.scalar(select(func.max(models.ConsentRound.id)))
    for user in (ALICE, BRAM, CHEN):
        click(bot, ids.ACT_ANSWER_CONSENT, round_id, user)
    run_all_once(bot.deps)
    bot.settle()
    evolved = agreements.load(bot.deps.sessions, team_id=TEAM, agreement_id=a.id)
    assert (evolved.number, evolved.version) == (1, 2)
    assert evolved.text.startswith("Release notes two days early")
    old = next(e for e in evolved.history if e.action == "evolved")
    assert old.detail["text"] == a.text
    assert consent.load(bot.deps.sessions, team_id=TEAM, round_id=round_id).agreement_number == 1
    with bot.deps.sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.Agreement)) == 1
    assert any("evolved to version 2" in m["text"] for m in bot.fake.messages_in(CHANNEL))


def test_sweep_only_looks_at_due_reminders(bot: Bot, clock: FakeClock) -> None:
    add(bot, people=[CHEN])
    clock.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert send_review_nudges(bot.deps) == 0
    assert agreements.due_groups(bot.deps.sessions, now=clock.now) == {}
