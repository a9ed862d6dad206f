"""Async consent rounds end to end: /consent, the modal, answers by button and reaction, closing."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.blocks import ids
from bot.delivery.outbox import deliver_outbox
from bot.delivery.rounds import render_rounds
from bot.services import consent
from bot.store import models
from tests.support.harness import (
    ALICE,
    BRAM,
    CHANNEL,
    CHEN,
    TEAM,
    Bot,
    FakeClock,
    modal_values,
)
from tests.support.steps import (
    START,
    answer_with_reason,
    author_click,
    click,
    is_controls,
    last_modal,
    more_options,
    resolution_values,
    start_round,
    submit,
    sweep,
)


def thread_replies(bot: Bot, rnd: consent.RoundView) -> list[dict]:
    return [
        m
        for m in bot.fake.messages_in(CHANNEL)
        if m.get("thread_ts") == rnd.message_ts and m["ts"] != rnd.message_ts
    ]


def round_message(bot: Bot, rnd: consent.RoundView) -> str:
    message = next(m for m in bot.fake.messages_in(CHANNEL) if m["ts"] == rnd.message_ts)
    return message.get("text", "") + json.dumps(message.get("blocks"))


# ---------------------------------------------------------------- opening a round


def test_consent_opens_a_prefilled_modal_with_s3_fields(bot: Bot) -> None:
    bot.command("Try a four-day week", command="/consent")
    modal = more_options(bot)  # the essentials first; every S3 field after More options
    blocks = {b.get("block_id"): b for b in modal["blocks"]}
    assert modal["callback_id"] == ids.CB_CONSENT_MODAL
    assert blocks[ids.IN_PROPOSAL[0]]["element"]["initial_value"] == "Try a four-day week"
    assert blocks[ids.IN_PROPOSAL[0]]["element"]["max_length"] == 3000
    for key in (
        ids.IN_DRIVER_TEXT,
        ids.IN_RESPONSIBILITIES,
        ids.IN_EVALUATION,
        ids.IN_REVIEW_DATE,
        ids.IN_DEADLINE,
        ids.IN_WHO,
        ids.IN_PEOPLE,
        ids.IN_OPTIONS,
        ids.IN_QUORUM,
    ):
        assert key[0] in blocks
    assert blocks[ids.IN_REVIEW_DATE[0]]["element"]["initial_date"] == "2027-03-01"
    deadline = datetime.fromtimestamp(
        blocks[ids.IN_DEADLINE[0]]["element"]["initial_date_time"], UTC
    )
    assert deadline.date() == date(2026, 12, 4)  # three working days on, in Amsterdam time
    assert blocks[ids.IN_OPTIONS[0]]["element"]["initial_options"][0]["value"] == "hidden"


def test_backlog_items_can_be_picked_as_the_driver(bot: Bot) -> None:
    bot.command("Releases are chaotic")
    rnd = start_round(bot, item_id=1)
    assert rnd.item_number == 1 and rnd.driver == "Releases are chaotic"
    with bot.deps.sessions() as s:
        item = s.scalar(select(models.BacklogItem))
    assert item.status == "in_progress"


def test_expired_trigger_asks_to_try_again(bot: Bot) -> None:
    bot.fake.fail_next("views.open", status=200, error="expired_trigger_id")
    bot.command("slow", command="/consent")
    [reply] = bot.responses_for(ALICE)
    assert "try again" in reply["text"]


@pytest.mark.parametrize(
    ("fields", "block", "message"),
    [
        ({"text": "   "}, ids.IN_PROPOSAL[0], "cannot be blank"),
        ({"deadline": START - timedelta(hours=1)}, ids.IN_DEADLINE[0], "has passed"),
        ({"deadline": START + timedelta(minutes=30)}, ids.IN_DEADLINE[0], "at least an hour"),
        ({"deadline": START + timedelta(days=61)}, ids.IN_DEADLINE[0], "at most 60 days"),
        ({"review_date": date(2026, 11, 30)}, ids.IN_REVIEW_DATE[0], "after today"),
        ({"quorum": 150}, ids.IN_QUORUM[0], "from 1 to 100"),
    ],
)
def test_bad_modal_input_gets_a_field_error_and_stores_nothing(
    bot: Bot, fields, block, message
) -> None:
    bot.command("x", command="/consent")
    values = {
        "text": "A proposal",
        "review_date": date(2027, 3, 1),
        "deadline": START + timedelta(days=3),
    }
    values.update(fields)
    response = submit(bot, last_modal(bot), modal_values(**values))
    body = response.json()
    assert body["response_action"] == "errors"
    assert message in body["errors"][block]
    with bot.deps.sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.ConsentRound)) == 0


def test_round_message_shows_the_proposal_legend_buttons_and_count(bot: Bot) -> None:
    rnd = start_round(
        bot,
        responsibilities="Chen writes them",
        evaluation="No late notes for 2 months",
        driver="Release notes arrive late",
    )
    assert rnd.participants == [ALICE, BRAM, CHEN]  # the channel's members, without the bot
    shown = round_message(bot, rnd)
    assert "Publish release notes a day before each release" in shown
    assert "Release notes arrive late" in shown and "Chen writes them" in shown
    assert f"<!date^{int(rnd.deadline.timestamp())}^" in shown  # each reader's own timezone
    assert "0 of 3 have answered" in shown and "hidden until the round closes" in shown
    for action in (ids.ACT_ANSWER_CONSENT, ids.ACT_ANSWER_CONCERN, ids.ACT_ANSWER_OBJECTION):
        assert action in shown
    assert "good enough for now, safe enough to try" in shown
    assert "thread" in shown


def _mrkdwn_texts(node) -> list[str]:
    """Every text Slack parses for mentions and links (mrkdwn objects)."""
    if isinstance(node, dict):
        found = [node["text"]] if node.get("type") == "mrkdwn" else []
        return found + [t for v in node.values() for t in _mrkdwn_texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in _mrkdwn_texts(v)]
    return []


def test_proposal_text_pings_nobody(bot: Bot) -> None:
    rnd = start_round(bot, "<!channel> <@U0BRAM> read <https://x|this>")
    message = next(m for m in bot.fake.messages_in(CHANNEL) if m["ts"] == rnd.message_ts)
    parsed = [message["text"], *_mrkdwn_texts(message["blocks"])]
    for raw in ("<!channel>", "<@U0BRAM>", "<https://x|this>"):
        assert not any(raw in text for text in parsed)
    assert any("&lt;!channel&gt; &lt;@U0BRAM&gt; read &lt;https://x|this&gt;" in t for t in parsed)


def test_chosen_participants(bot: Bot) -> None:
    rnd = start_round(bot, people=[BRAM, CHEN])
    assert rnd.participants == [BRAM, CHEN]
    response = click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, ALICE)
    assert response.status == 200
    [reply] = bot.responses_for(ALICE)
    assert "Only the participants" in reply["text"]


# ---------------------------------------------------------------- answering by button


def test_consent_is_recorded_at_once_and_confirmed(bot: Bot) -> None:
    rnd = start_round(bot)
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, BRAM)
    reply = bot.responses_for(BRAM)[-1]
    assert "Instemming" in reply["text"]  # Bram's Slack is in Dutch
    view = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id)
    assert view.answers[BRAM].position.value == "consent"
    shown = round_message(bot, rnd)
    assert "1 of 3 have answered" in shown
    assert "U0BRAM" not in shown  # hidden answers: no names, no positions


def test_objection_needs_a_reason(bot: Bot) -> None:
    rnd = start_round(bot)
    response = answer_with_reason(bot, ids.ACT_ANSWER_OBJECTION, rnd.id, CHEN, "   \n ")
    body = response.json()
    assert body["response_action"] == "errors"
    assert "needs its reason" in body["errors"][ids.IN_REASON[0]]
    assert consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id).answers == {}
    modal = last_modal(bot)
    prompts = json.dumps(modal["blocks"])
    assert "effectiveness" in prompts and "side-effects" in prompts and "efficiency" in prompts
    response = answer_with_reason(
        bot, ids.ACT_ANSWER_OBJECTION, rnd.id, CHEN, "Notes need QA first"
    )
    assert response.body == ""
    answer = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id).answers[CHEN]
    assert (answer.position.value, answer.reason) == ("objection", "Notes need QA first")


def test_concern_reason_is_optional(bot: Bot) -> None:
    rnd = start_round(bot)
    assert answer_with_reason(bot, ids.ACT_ANSWER_CONCERN, rnd.id, CHEN, "").body == ""
    answer = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id).answers[CHEN]
    assert (answer.position.value, answer.reason) == ("concern", None)


def test_latest_answer_counts(bot: Bot) -> None:
    rnd = start_round(bot)
    answer_with_reason(bot, ids.ACT_ANSWER_OBJECTION, rnd.id, CHEN, "Too soon")
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, CHEN)
    assert (
        consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id).answers[CHEN].position.value
        == "consent"
    )


# ---------------------------------------------------------------- answering by reaction


def react(
    bot: Bot,
    rnd: consent.RoundView,
    user: str,
    name: str,
    *,
    added: bool = True,
    event_id=None,
    retry_num=None,
):
    event = {
        "type": "reaction_added" if added else "reaction_removed",
        "user": user,
        "reaction": name,
        "item": {"type": "message", "channel": CHANNEL, "ts": rnd.message_ts},
        "item_user": "U0BOT",
    }
    return bot.event(event, event_id=event_id, retry_num=retry_num)


def test_reactions_answer_and_removal_withdraws(bot: Bot) -> None:
    rnd = start_round(bot, hidden=False)  # public answers: reactions count
    react(bot, rnd, BRAM, "white_check_mark")
    react(bot, rnd, CHEN, "thinking_face")
    react(bot, rnd, ALICE, "tada")  # other reactions are ignored
    answers = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id).answers
    assert {u: a.position.value for u, a in answers.items()} == {BRAM: "consent", CHEN: "concern"}
    react(bot, rnd, BRAM, "white_check_mark", added=False)
    answers = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id).answers
    assert BRAM not in answers


def test_raised_hand_asks_for_the_reason_and_does_not_count_without_it(bot: Bot) -> None:
    rnd = start_round(bot, hidden=False)
    react(bot, rnd, CHEN, "raised_hand")
    [ask] = [e for e in bot.ephemerals_for(CHEN) if ids.ACT_GIVE_REASON in json.dumps(e["blocks"])]
    assert "counts only with its reason" in ask["text"]
    view = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id)
    assert view.answered_count == 0
    bot.driver.block_action(
        ids.ACT_GIVE_REASON,
        str(rnd.id),
        user_id=CHEN,
        channel_id=CHANNEL,
        message_ts=ask["ts"],
        is_ephemeral=True,
    )
    bot.settle()
    modal = last_modal(bot)
    blank = {ids.IN_REASON[0]: {ids.IN_REASON[1]: {"type": "plain_text_input", "value": "  "}}}
    assert submit(bot, modal, blank, user=CHEN).json()["response_action"] == "errors"
    given = {
        ids.IN_REASON[0]: {ids.IN_REASON[1]: {"type": "plain_text_input", "value": "QA first"}}
    }
    assert submit(bot, modal, given, user=CHEN).body == ""
    assert consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id).answered_count == 1


def test_reaction_ask_falls_back_to_a_dm(bot: Bot) -> None:
    rnd = start_round(bot, hidden=False)
    bot.fake.fail_next("chat.postEphemeral", status=200, error="user_not_in_channel")
    react(bot, rnd, CHEN, "raised_hand")
    dm = bot.fake.dm_channel_id(CHEN)
    assert dm and any(
        ids.ACT_GIVE_REASON in json.dumps(m.get("blocks")) for m in bot.fake.messages_in(dm)
    )


def test_non_participant_reaction_is_ignored_and_retries_count_once(fake, bot: Bot) -> None:
    fake.add_user("U0DANA", "dana")
    rnd = start_round(bot, people=[BRAM, CHEN], hidden=False)
    react(bot, rnd, "U0DANA", "white_check_mark")
    react(bot, rnd, BRAM, "white_check_mark", event_id="EvSame")
    react(bot, rnd, BRAM, "white_check_mark", added=False, event_id="EvRemove")
    react(
        bot, rnd, BRAM, "white_check_mark", event_id="EvSame", retry_num=1
    )  # Slack's retry of the first
    answers = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id).answers
    assert answers == {}  # dana ignored; the retried add did not re-add the withdrawn answer


# ---------------------------------------------------------------- closing and outcomes


def test_round_closes_at_deadline_into_an_agreement(bot: Bot, clock: FakeClock) -> None:
    bot.command("Release notes come late")
    rnd = start_round(bot, item_id=1, evaluation="No late notes", hidden=False)
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, ALICE)
    answer_with_reason(bot, ids.ACT_ANSWER_CONCERN, rnd.id, BRAM, "Extra work for Chen")
    react(bot, rnd, CHEN, "raised_hand")  # started, never given a reason
    sweep(bot)
    assert consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id).status.value == "open"
    clock.advance(days=3, minutes=1)
    sweep(bot)
    view = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id)
    assert (view.status.value, view.outcome.value) == ("closed", "consented")
    with bot.deps.sessions() as s:
        agreement = s.scalar(select(models.Agreement))
        item = s.scalar(select(models.BacklogItem))
    assert agreement.text == rnd.text and agreement.review_date == date(2027, 3, 1)
    assert json.loads(agreement.concerns) == [{"user": BRAM, "reason": "Extra work for Chen"}]
    assert agreement.evaluation == "No late notes" and agreement.driver == "Release notes come late"
    assert set(json.loads(agreement.answers)["participants"]) == {ALICE, BRAM, CHEN}
    assert item.status == "done" and item.rank is None
    shown = round_message(bot, rnd)
    assert "Consented" in shown and "March 1, 2027" in shown
    assert "Did not answer" in shown and "U0CHEN" in shown
    assert "started by reaction but never given a reason" in shown
    assert "Extra work for Chen" in shown  # answers revealed together at the close
    assert ids.ACT_ANSWER_CONSENT not in shown  # no more buttons
    assert len(thread_replies(bot, rnd)) == 1


def test_answer_after_close_is_refused(bot: Bot, clock: FakeClock) -> None:
    rnd = start_round(bot)
    clock.advance(days=4)
    sweep(bot)
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, CHEN)
    assert "This round closed at <!date^" in bot.responses_for(CHEN)[-1]["text"]


def test_everyone_answered_closes_early(bot: Bot) -> None:
    rnd = start_round(bot)
    for user in (ALICE, BRAM, CHEN):
        click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, user)
    sweep(bot)
    view = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id)
    assert view.outcome.value == "consented"


def test_objections_lead_to_an_amended_second_round_and_an_agreement(
    bot: Bot, clock: FakeClock
) -> None:
    rnd = start_round(bot)
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, ALICE)
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, BRAM)
    answer_with_reason(bot, ids.ACT_ANSWER_OBJECTION, rnd.id, CHEN, "Who checks them?")
    sweep(bot)
    view = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id)
    assert view.outcome.value == "objections"
    shown = round_message(bot, rnd)
    assert "Who checks them?" in shown and "U0CHEN" in shown
    dm = bot.fake.dm_channel_id(ALICE)
    [result] = [m for m in bot.fake.messages_in(dm) if ids.ACT_AMEND in json.dumps(m.get("blocks"))]
    assert ids.ACT_WITHDRAW in json.dumps(result["blocks"])
    # Amend: the modal is prefilled and shows the objection for reference.
    click(bot, ids.ACT_AMEND, rnd.id, ALICE, channel=dm)
    modal = last_modal(bot)
    assert "Who checks them?" in json.dumps(modal["blocks"])
    blocks = {b.get("block_id"): b for b in modal["blocks"]}
    assert blocks[ids.IN_PROPOSAL[0]]["element"]["initial_value"] == rnd.text
    values = modal_values(
        text=rnd.text + " Bram reviews them.",
        review_date=date(2027, 3, 1),
        deadline=START + timedelta(days=2),
    )  # and, for Chen's objection, how this version resolves it
    submit(bot, modal, values | resolution_values(0, "text", how="Bram reviews them"))
    sweep(bot)  # the objection's thread reply went first: the channel's posts are paced out
    v2 = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id + 1)
    assert (v2.proposal_id, v2.version) == (rnd.proposal_id, 2)
    for user in (ALICE, BRAM, CHEN):
        click(bot, ids.ACT_ANSWER_CONSENT, v2.id, user)
    sweep(bot)
    assert (
        consent.load(bot.deps.sessions, team_id=TEAM, round_id=v2.id).outcome.value == "consented"
    )
    with bot.deps.sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.Agreement)) == 1
        assert s.scalar(select(func.count()).select_from(models.ConsentRound)) == 2


def test_only_the_author_may_amend_close_or_withdraw(bot: Bot) -> None:
    rnd = start_round(bot)
    click(bot, ids.ACT_CLOSE_EARLY, rnd.id, BRAM)
    click(bot, ids.ACT_WITHDRAW, rnd.id, CHEN)
    assert "Alleen de auteur" in bot.responses_for(BRAM)[-1]["text"]
    assert "Only the author" in bot.responses_for(CHEN)[-1]["text"]
    assert consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id).status.value == "open"


def test_author_closes_early_or_withdraws(bot: Bot) -> None:
    first = start_round(bot)
    click(bot, ids.ACT_ANSWER_CONSENT, first.id, BRAM)
    author_click(bot, ids.ACT_CLOSE_EARLY, first.id, title=first.title)
    bot.settle()
    assert (
        consent.load(bot.deps.sessions, team_id=TEAM, round_id=first.id).outcome.value
        == "consented"
    )
    second = start_round(bot, "Another idea")
    author_click(bot, ids.ACT_WITHDRAW, second.id, title="Another idea")
    bot.settle()
    assert (
        consent.load(bot.deps.sessions, team_id=TEAM, round_id=second.id).outcome.value
        == "withdrawn"
    )
    assert "Withdrawn" in round_message(bot, second)


def test_quorum_not_met_then_extended(bot: Bot, clock: FakeClock) -> None:
    rnd = start_round(bot, quorum=60)
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, ALICE)
    clock.advance(days=3, minutes=1)
    sweep(bot)
    view = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id)
    assert view.outcome.value == "no_quorum"
    assert "No decision: 1 of 3 answered" in round_message(bot, rnd)
    dm = bot.fake.dm_channel_id(ALICE)
    assert any(ids.ACT_EXTEND in json.dumps(m.get("blocks")) for m in bot.fake.messages_in(dm))
    click(bot, ids.ACT_EXTEND, rnd.id, ALICE, channel=dm)
    modal = last_modal(bot)
    new_deadline = clock.now + timedelta(days=2)
    values = {
        ids.IN_DEADLINE[0]: {
            ids.IN_DEADLINE[1]: {
                "type": "datetimepicker",
                "selected_date_time": int(new_deadline.timestamp()),
            }
        }
    }
    assert submit(bot, modal, values).body == ""
    view = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id)
    assert view.status.value == "open" and view.deadline == new_deadline
    # The reopened round closes again, and its new result is announced too.
    for user in (BRAM, CHEN):
        click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, user)
    sweep(bot)
    assert (
        consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id).outcome.value == "consented"
    )
    replies = thread_replies(bot, rnd)
    assert len(replies) == 2 and "Consented" in replies[-1]["text"]


# ---------------------------------------------------------------- nudges and message updates


def test_silent_participants_are_nudged_once(bot: Bot, clock: FakeClock) -> None:
    rnd = start_round(bot)  # three days: nudge 24 hours before the deadline
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, ALICE)
    clock.advance(days=1)
    sweep(bot)
    assert bot.fake.dm_channel_id(BRAM) is None
    clock.advance(days=1, minutes=1)
    sweep(bot)
    sweep(bot)
    for user, expected in ((ALICE, 0), (BRAM, 1), (CHEN, 1)):
        dm = bot.fake.dm_channel_id(user)
        nudges = [m for m in bot.fake.messages_in(dm) if not is_controls(bot, m)] if dm else []
        assert len(nudges) == expected, user
    assert "nog open" in bot.fake.messages_in(bot.fake.dm_channel_id(BRAM))[0]["text"]


def test_message_updates_are_coalesced_and_the_final_state_kept(bot: Bot, clock: FakeClock) -> None:
    rnd = start_round(bot)
    for user in (ALICE, BRAM):
        click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, user)
        render_rounds(bot.deps)
    updates = [c for c in bot.fake.calls_to("chat.update") if c.ok]
    assert len(updates) == 1  # the second answer came within the interval
    assert "1 of 3 have answered" in round_message(bot, rnd)
    clock.advance(seconds=6)
    # Outside a patient sweep a 429 is retried once (after its second): both refused.
    bot.fake.fail_next("chat.update", status=429, retry_after=1, times=2)
    render_rounds(bot.deps)  # Slack keeps refusing: not marked rendered
    clock.advance(seconds=6)
    render_rounds(bot.deps)
    assert "2 of 3 have answered" in round_message(bot, rnd)


def test_slack_500_on_result_message_is_retried_later(bot: Bot, clock: FakeClock) -> None:
    rnd = start_round(bot)
    clock.advance(days=4)
    # A 500 on a post is not retried inside the client (it may have gone out): the outbox does.
    bot.fake.fail_next("chat.postMessage", status=500)
    sweep(bot)
    assert thread_replies(bot, rnd) == []
    clock.advance(minutes=5)
    deliver_outbox(bot.deps)
    bot.settle()
    assert len(thread_replies(bot, rnd)) == 1


def test_home_tab_lists_rounds_waiting_for_my_answer(bot: Bot) -> None:
    rnd = start_round(bot, title="Four-day week")
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, BRAM)
    for user in (BRAM, CHEN):
        bot.event({"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home"})
    waiting_for_chen = json.dumps(bot.fake.home_views[CHEN]["blocks"])
    assert (
        "Consent rounds waiting for your answer" in waiting_for_chen
        and "Four-day week" in waiting_for_chen
    )
    assert "Four-day week" not in json.dumps(bot.fake.home_views[BRAM]["blocks"])
