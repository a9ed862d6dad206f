"""Testing objections, as people see it: each objection's own reply in the round's thread,
"I think this is a concern" (told to the objector by DM), keep / refine / turn into a concern,
"not qualified" (contested onto the backlog, or accepted), and the agreement that follows when
no objection still blocks."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import func, select

from bot.blocks import ids
from bot.services import consent
from bot.store import models
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, TEAM, Bot, FakeClock, modal_values
from tests.support.steps import (
    START,
    answer_with_reason,
    click,
    click_objection,
    give_objection_reason,
    last_modal,
    objection_reason_values,
    objection_value,
    resolution_values,
    start_round,
    submit,
    sweep,
)

PING = "<!channel> Who checks them? <@U0BRAM>"
PING_ESCAPED = "&lt;!channel&gt; Who checks them? &lt;@U0BRAM&gt;"


def shown(message: dict) -> str:
    return message.get("text", "") + json.dumps(message.get("blocks"))


def objection_replies(bot: Bot, rnd: consent.RoundView) -> list[dict]:
    """The objections' own replies in the round's thread, once the sweeps have caught up
    (the round's channel may be in a burst: updates are paced out by the next ticks)."""
    sweep(bot)
    return [
        m
        for m in bot.fake.messages_in(CHANNEL)
        if m.get("thread_ts") == rnd.message_ts and "Objection by" in m.get("text", "")
    ]


def round_message(bot: Bot, rnd: consent.RoundView) -> str:
    sweep(bot)
    return shown(next(m for m in bot.fake.messages_in(CHANNEL) if m["ts"] == rnd.message_ts))


def result_message(bot: Bot, rnd: consent.RoundView) -> str:
    sweep(bot)
    view = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id)
    return shown(next(m for m in bot.fake.messages_in(CHANNEL) if m["ts"] == view.result_ts))


def dms(bot: Bot, user: str) -> list[dict]:
    sweep(bot)
    channel = bot.fake.dm_channel_id(user)
    return bot.fake.messages_in(channel) if channel else []


def reply_to(bot: Bot, user: str) -> str:
    return bot.responses_for(user)[-1]["text"]


def count(bot: Bot, model) -> int:
    with bot.deps.sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def status_of(bot: Bot, value: str) -> str:
    with bot.deps.sessions() as s:
        return s.get(models.Objection, int(value.split(":")[1])).status


def closed_with_objections(bot: Bot, *objectors: str, item_id: int | None = None):
    """A hidden round (Alice's) where the others consent and `objectors` object."""
    rnd = start_round(bot, item_id=item_id) if item_id else start_round(bot)
    sweep(bot)  # posted (and its people known) even when the channel is in a burst
    for user in (ALICE, BRAM, CHEN):
        if user in objectors:
            answer_with_reason(bot, ids.ACT_ANSWER_OBJECTION, rnd.id, user, PING + " " + user)
        else:
            click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, user)
    sweep(bot)
    rnd = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id)
    assert rnd.outcome.value == "objections"
    return rnd


# ---------------------------------------------------------------- its own place


def test_each_objection_gets_its_own_reply_under_the_result_escaped(bot: Bot) -> None:
    rnd = closed_with_objections(bot, CHEN)
    [reply] = objection_replies(bot, rnd)
    text = shown(reply)
    assert PING_ESCAPED in text and "<!channel>" not in text and "<@U0BRAM>" not in text
    assert "raised, to be tested" in text
    for action in (ids.ACT_OBJ_THINK_CONCERN, ids.ACT_OBJ_KEEP, ids.ACT_OBJ_REFINE,
                   ids.ACT_OBJ_TO_CONCERN, ids.ACT_OBJ_NOT_QUALIFIED):  # fmt: skip
        assert action in text
    thread = [
        m
        for m in bot.fake.messages_in(CHANNEL)
        if m.get("thread_ts") == rnd.message_ts and m["ts"] != rnd.message_ts
    ]
    assert "Not consented" in thread[0]["text"] and thread[1] == reply  # below the result
    assert "Objections, as tested" in result_message(bot, rnd)


def test_a_participant_thinks_it_is_a_concern_and_the_objector_is_told_by_dm(bot: Bot) -> None:
    rnd = closed_with_objections(bot, CHEN)
    value = objection_value(bot, rnd.id, CHEN)
    response = give_objection_reason(
        bot, ids.ACT_OBJ_THINK_CONCERN, value, BRAM, "It can be tried <!here>"
    )
    assert response.status == 200 and response.body == ""
    assert "Verstuurd" in reply_to(bot, BRAM)  # Bram reads Dutch
    [told] = [m for m in dms(bot, CHEN) if "thinks your objection" in m["text"]]
    assert "It can be tried &lt;!here&gt;" in shown(told) and "<!here>" not in shown(told)
    assert ids.ACT_OBJ_TO_CONCERN in shown(told)  # the objector can act from the DM
    assert status_of(bot, value) == "raised"  # a view changes nothing by itself
    assert "thinks it is a concern" in shown(objection_replies(bot, rnd)[0])


def test_a_concern_view_needs_a_reason_and_is_not_the_objectors(bot: Bot) -> None:
    rnd = closed_with_objections(bot, CHEN)
    value = objection_value(bot, rnd.id, CHEN)
    body = give_objection_reason(bot, ids.ACT_OBJ_THINK_CONCERN, value, ALICE, "  ").json()
    assert "Say why you think it is a concern" in body["errors"][ids.IN_OBJ_REASON[0]]
    click_objection(bot, ids.ACT_OBJ_THINK_CONCERN, value, CHEN)
    assert "your own objection" in reply_to(bot, CHEN)
    assert not [m for m in dms(bot, CHEN) if "thinks your objection" in m["text"]]


def test_the_objector_turns_it_into_a_concern_and_the_proposal_is_agreed(bot: Bot) -> None:
    bot.command("Release notes come late")
    rnd = closed_with_objections(bot, CHEN, item_id=1)
    value = objection_value(bot, rnd.id, CHEN)
    click_objection(bot, ids.ACT_OBJ_TO_CONCERN, value, CHEN)
    click_objection(bot, ids.ACT_OBJ_TO_CONCERN, value, CHEN)  # a double click
    assert "now a concern" in reply_to(bot, CHEN)
    view = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id)
    assert view.outcome.value == "consented"
    with bot.deps.sessions() as s:
        [agreement] = s.scalars(select(models.Agreement)).all()
        item = s.scalar(select(models.BacklogItem))
        steps = s.scalars(select(models.ObjectionEvent.action)).all()
    assert json.loads(agreement.concerns) == [{"user": CHEN, "reason": PING + " " + CHEN}]
    assert item.status == "done"
    assert steps == ["raised", "to_concern"]  # one outcome
    assert "became a concern" in shown(objection_replies(bot, rnd)[0])
    assert ids.ACT_OBJ_KEEP not in shown(objection_replies(bot, rnd)[0])
    assert "Consented" in round_message(bot, rnd) and "became a concern" in round_message(bot, rnd)
    announced = [
        c.args
        for c in bot.fake.calls_to("chat.postMessage")
        if "Consented" in c.args["text"] and c.args["channel"] == CHANNEL
    ]
    assert len(announced) == 1 and announced[0]["thread_ts"] == rnd.message_ts  # once
    assert "became a concern" in result_message(bot, rnd)


def test_someone_else_cannot_keep_refine_or_turn_it_and_nothing_changes(bot: Bot) -> None:
    rnd = closed_with_objections(bot, CHEN)
    value = objection_value(bot, rnd.id, CHEN)
    click_objection(bot, ids.ACT_OBJ_TO_CONCERN, value, BRAM)
    assert "Alleen wie dit bezwaar maakte" in reply_to(bot, BRAM)
    click_objection(bot, ids.ACT_OBJ_KEEP, value, ALICE)
    assert "Only the person who raised this objection" in reply_to(bot, ALICE)
    opened = len(bot.fake.calls_to("views.open"))
    click_objection(bot, ids.ACT_OBJ_REFINE, value, ALICE)
    assert len(bot.fake.calls_to("views.open")) == opened  # no form for someone else
    assert "Only the person who raised this objection" in reply_to(bot, ALICE)
    assert status_of(bot, value) == "raised" and count(bot, models.Agreement) == 0
    assert not bot.fake.ephemerals  # every refusal came through the response_url


def test_the_objector_keeps_or_refines_it(bot: Bot) -> None:
    rnd = closed_with_objections(bot, CHEN)
    value = objection_value(bot, rnd.id, CHEN)
    click_objection(bot, ids.ACT_OBJ_KEEP, value, CHEN)
    assert "Kept as an objection" in reply_to(bot, CHEN)
    assert "qualified: kept as an objection" in shown(objection_replies(bot, rnd)[0])
    click_objection(bot, ids.ACT_OBJ_REFINE, value, CHEN)
    modal = last_modal(bot)
    [field] = [b for b in modal["blocks"] if b.get("block_id") == ids.IN_OBJ_REASON[0]]
    assert field["element"]["initial_value"] == PING + " " + CHEN  # prefilled
    submit(bot, modal, objection_reason_values("Nobody checks the notes <!everyone>"), user=CHEN)
    reply = shown(objection_replies(bot, rnd)[0])
    assert "Nobody checks the notes &lt;!everyone&gt;" in reply and "reframed" in reply
    assert "<!everyone>" not in reply
    with bot.deps.sessions() as s:
        assert s.get(models.RoundAnswer, (rnd.id, CHEN)).reason.startswith("Nobody checks")


# ---------------------------------------------------------------- not qualified


def test_not_qualified_needs_a_reason_and_is_the_authors(bot: Bot) -> None:
    rnd = closed_with_objections(bot, CHEN)
    value = objection_value(bot, rnd.id, CHEN)
    body = give_objection_reason(bot, ids.ACT_OBJ_NOT_QUALIFIED, value, ALICE, "").json()
    assert body["response_action"] == "errors"
    assert "Say why it does not qualify" in body["errors"][ids.IN_OBJ_REASON[0]]
    click_objection(bot, ids.ACT_OBJ_NOT_QUALIFIED, value, BRAM)
    assert "Alleen de auteur" in reply_to(bot, BRAM)
    assert status_of(bot, value) == "raised"
    assert not [m for m in dms(bot, CHEN) if "not qualified" in m["text"]]


def test_not_qualified_contested_goes_to_the_meeting(bot: Bot) -> None:
    rnd = closed_with_objections(bot, CHEN)
    value = objection_value(bot, rnd.id, CHEN)
    give_objection_reason(
        bot, ids.ACT_OBJ_NOT_QUALIFIED, value, ALICE, "A matter of <!channel> taste"
    )
    [told] = [m for m in dms(bot, CHEN) if "as not qualified" in m["text"]]
    assert "A matter of &lt;!channel&gt; taste" in shown(told)
    assert ids.ACT_OBJ_CONTEST in shown(told) and ids.ACT_OBJ_ACCEPT in shown(told)
    dm = bot.fake.dm_channel_id(CHEN)
    click_objection(bot, ids.ACT_OBJ_CONTEST, value, BRAM)
    assert "Alleen wie dit bezwaar maakte" in reply_to(bot, BRAM)
    assert count(bot, models.BacklogItem) == 0
    click_objection(bot, ids.ACT_OBJ_CONTEST, value, CHEN, channel=dm, trigger_id="9.9.same")
    click_objection(bot, ids.ACT_OBJ_CONTEST, value, CHEN, channel=dm, trigger_id="9.9.same")
    assert "on the governance backlog as #1" in reply_to(bot, CHEN)
    with bot.deps.sessions() as s:
        [item] = s.scalars(select(models.BacklogItem)).all()
    assert (item.status, item.next_step, item.channel_id) == ("backlog", "decide", CHANNEL)
    assert "Contested objection on the proposal" in item.text and "Who checks them?" in item.text
    assert "A matter of <!channel> taste" in item.text  # stored as typed, escaped when shown
    assert status_of(bot, value) == "contested"
    view = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id)
    assert view.outcome.value == "objections" and count(bot, models.Agreement) == 0
    reply = shown(objection_replies(bot, rnd)[0])
    assert "contested: for the next governance meeting" in reply and "#1" in reply
    assert "contested" in round_message(bot, rnd)


def test_not_qualified_accepted_by_every_objector_agrees_without_a_new_round(bot: Bot) -> None:
    rnd = closed_with_objections(bot, BRAM, CHEN)
    bram, chen = objection_value(bot, rnd.id, BRAM), objection_value(bot, rnd.id, CHEN)
    give_objection_reason(bot, ids.ACT_OBJ_NOT_QUALIFIED, chen, ALICE, "Out of our domain")
    click_objection(bot, ids.ACT_OBJ_ACCEPT, chen, CHEN)
    assert "no longer blocks" in reply_to(bot, CHEN)
    assert consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id).outcome.value == (
        "objections"
    )  # Bram's still blocks
    click_objection(bot, ids.ACT_OBJ_TO_CONCERN, bram, BRAM)
    assert "zonder nieuwe ronde" in reply_to(bot, BRAM)  # agreed, told in Dutch
    view = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id)
    assert view.outcome.value == "consented"
    with bot.deps.sessions() as s:
        [agreement] = s.scalars(select(models.Agreement)).all()
    assert [c["user"] for c in json.loads(agreement.concerns)] == [BRAM]  # not Chen's
    text = round_message(bot, rnd)
    assert "accepted by the objector" in text and "became a concern" in text
    click_objection(bot, ids.ACT_OBJ_CONTEST, chen, CHEN)  # too late: accepted already
    assert "no longer open to that" in reply_to(bot, CHEN)


# ---------------------------------------------------------------- public rounds, hints


def test_on_a_public_round_an_objection_is_tested_while_the_round_is_open(
    bot: Bot, clock: FakeClock
) -> None:
    rnd = start_round(bot, hidden=False)
    answer_with_reason(bot, ids.ACT_ANSWER_OBJECTION, rnd.id, CHEN, PING)
    sweep(bot)
    [reply] = objection_replies(bot, rnd)
    assert PING_ESCAPED in shown(reply)
    value = objection_value(bot, rnd.id, CHEN)
    click_objection(bot, ids.ACT_OBJ_TO_CONCERN, value, CHEN)
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, ALICE)
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, BRAM)
    sweep(bot)
    view = consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id)
    assert (view.status.value, view.outcome.value) == ("closed", "consented")
    with bot.deps.sessions() as s:
        agreement = s.scalar(select(models.Agreement))
    assert json.loads(agreement.concerns) == [{"user": CHEN, "reason": PING}]


def test_a_hidden_open_round_shows_no_objection_before_it_closes(bot: Bot) -> None:
    rnd = start_round(bot)
    answer_with_reason(bot, ids.ACT_ANSWER_OBJECTION, rnd.id, CHEN, "Secret for now")
    sweep(bot)
    assert objection_replies(bot, rnd) == [] and count(bot, models.Objection) == 0


def test_hints_are_rechecked_at_submit(bot: Bot) -> None:
    rnd = closed_with_objections(bot, CHEN)
    other = closed_with_objections(bot, BRAM)
    value = objection_value(bot, rnd.id, CHEN)
    # An objection id paired with another round: not found, nothing changed.
    forged = f"{other.id}:{value.split(':')[1]}"
    click_objection(bot, ids.ACT_OBJ_TO_CONCERN, forged, CHEN)
    assert "cannot find that objection" in reply_to(bot, CHEN)
    # A button clicked in another channel than the round's.
    click_objection(bot, ids.ACT_OBJ_TO_CONCERN, value, CHEN, channel="C0ELSEWHERE")
    assert "out of date or damaged" in reply_to(bot, CHEN)
    # A form whose metadata names another channel.
    click_objection(bot, ids.ACT_OBJ_NOT_QUALIFIED, value, ALICE)
    modal = last_modal(bot)
    meta = json.loads(modal["private_metadata"])
    modal["private_metadata"] = json.dumps({**meta, "channel_id": "C0ELSEWHERE"})
    body = submit(bot, modal, objection_reason_values("Not ours")).json()
    assert "out of date or damaged" in body["errors"][ids.IN_OBJ_REASON[0]]
    # The person is checked at submit, not only when the form opened.
    modal["private_metadata"] = json.dumps(meta)
    body = submit(bot, modal, objection_reason_values("Not ours"), user=BRAM).json()
    assert "Alleen de auteur" in body["errors"][ids.IN_OBJ_REASON[0]]
    assert status_of(bot, value) == "raised"


def test_a_replayed_concern_view_is_told_once(bot: Bot) -> None:
    rnd = closed_with_objections(bot, CHEN)
    value = objection_value(bot, rnd.id, CHEN)
    click_objection(bot, ids.ACT_OBJ_THINK_CONCERN, value, BRAM)
    modal = last_modal(bot)
    for _ in range(2):  # a double click on Send: the same view, the same state
        submit(bot, modal, objection_reason_values("Safe enough"), user=BRAM)
    assert len([m for m in dms(bot, CHEN) if "thinks your objection" in m["text"]]) == 1
    with bot.deps.sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.ObjectionEvent)) == 2


def test_an_objection_is_resolved_when_its_objector_consents_to_the_next_version(
    bot: Bot,
) -> None:
    rnd = closed_with_objections(bot, BRAM, CHEN)
    chen = objection_value(bot, rnd.id, CHEN)
    click_objection(bot, ids.ACT_OBJ_KEEP, chen, CHEN)
    dm = bot.fake.dm_channel_id(ALICE)
    click(bot, ids.ACT_AMEND, rnd.id, ALICE, channel=dm)
    values = modal_values(
        text=rnd.text + " Bram reviews them.",
        review_date=date(2027, 3, 1),
        deadline=START + timedelta(days=2),
    )
    for slot in (0, 1):  # Bram's and Chen's objections: resolved by the new text
        values.update(resolution_values(slot, "text", how="Bram reviews them"))
    submit(bot, last_modal(bot), values)
    sweep(bot)
    v2 = rnd.id + 1
    click(bot, ids.ACT_ANSWER_CONSENT, v2, ALICE)
    click(bot, ids.ACT_ANSWER_CONSENT, v2, CHEN)
    answer_with_reason(bot, ids.ACT_ANSWER_OBJECTION, v2, BRAM, "Still nobody checks")
    sweep(bot)
    assert status_of(bot, chen) == "resolved"
    assert status_of(bot, objection_value(bot, rnd.id, BRAM)) == "raised"  # objects again
    [first, _] = objection_replies(bot, rnd)
    chen_reply = first if "U0CHEN" in first["text"] else _
    assert "consented to the amended proposal: resolved" in shown(chen_reply)
    assert ids.ACT_OBJ_KEEP not in shown(chen_reply)


def test_once_the_proposal_is_amended_its_first_rounds_objections_are_not_tested_there(
    bot: Bot,
) -> None:
    rnd = closed_with_objections(bot, CHEN)
    chen = objection_value(bot, rnd.id, CHEN)
    dm = bot.fake.dm_channel_id(ALICE)
    [result] = [m for m in dms(bot, ALICE) if ids.ACT_AMEND in shown(m)]
    assert "Each objection is tested in its own reply" in shown(result)
    click(bot, ids.ACT_AMEND, rnd.id, ALICE, channel=dm)
    values = modal_values(
        text=rnd.text + " v2", review_date=date(2027, 3, 1), deadline=START + timedelta(days=2)
    )
    submit(bot, last_modal(bot), values | resolution_values(0, "text", how="v2"))
    reply = shown(objection_replies(bot, rnd)[0])
    assert "no longer tested here" in reply and ids.ACT_OBJ_TO_CONCERN not in reply
    click_objection(bot, ids.ACT_OBJ_TO_CONCERN, chen, CHEN)  # an old button
    assert "has moved on" in reply_to(bot, CHEN)
    assert status_of(bot, chen) == "raised" and count(bot, models.Agreement) == 0


def test_once_the_proposal_is_withdrawn_its_objections_are_not_tested(bot: Bot) -> None:
    rnd = closed_with_objections(bot, CHEN)
    chen = objection_value(bot, rnd.id, CHEN)
    click(bot, ids.ACT_WITHDRAW, rnd.id, ALICE, channel=bot.fake.dm_channel_id(ALICE))
    assert "no longer tested here" in shown(objection_replies(bot, rnd)[0])
    click_objection(bot, ids.ACT_OBJ_TO_CONCERN, chen, CHEN)
    assert "has moved on" in reply_to(bot, CHEN)
    assert count(bot, models.Agreement) == 0


def test_the_author_defers_an_objection_with_who_and_by_when(bot: Bot) -> None:
    rnd = closed_with_objections(bot, CHEN)
    chen = objection_value(bot, rnd.id, CHEN)
    click_objection(bot, ids.ACT_OBJ_DEFER, chen, CHEN)
    assert "Only the author" in reply_to(bot, CHEN)
    body = give_objection_reason(bot, ids.ACT_OBJ_DEFER, chen, ALICE, "").json()
    assert "Say who takes it on" in body["errors"][ids.IN_OBJ_REASON[0]]
    give_objection_reason(bot, ids.ACT_OBJ_DEFER, chen, ALICE, "Bram sets up checks <!here>")
    assert "Deferred" in reply_to(bot, ALICE)
    reply = shown(objection_replies(bot, rnd)[0])
    assert "deferred" in reply and "Bram sets up checks &lt;!here&gt;" in reply
    assert status_of(bot, chen) == "deferred"
    assert consent.load(bot.deps.sessions, team_id=TEAM, round_id=rnd.id).outcome.value == (
        "objections"
    )  # the amended proposal goes to a new round
