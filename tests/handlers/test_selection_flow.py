"""Selecting someone for a role by consent through the Slack fake (issue 10, part 3):
`/role select`, hidden nominations with reasons, the reveal when everyone has nominated,
the starter's proposal seeing the tally, and the consent round that makes the nominee the
holder; with the refusals the issue names, in English and Dutch."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from bot.blocks import ids
from bot.demo.forms import fill
from bot.store import models
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, Bot, FakeClock
from tests.support.steps import START, click, last_modal, submit, sweep

OUTSIDER, ROBOT = "U0DANA", "U0ROBOT"


def _role(bot: Bot) -> None:
    bot.command("new", command="/role")
    modal = last_modal(bot)
    given = {ids.IN_ROLE_NAME[1]: "Release lead", "purpose": "Releases go out calmly",
             ids.IN_DEADLINE[1]: START + timedelta(days=3)}  # fmt: skip
    assert submit(bot, modal, fill(modal, given)).body == ""
    _consent_latest(bot, (ALICE, BRAM, CHEN))


def _consent_latest(bot: Bot, people) -> None:
    with bot.deps.sessions() as s:
        round_id = s.scalar(select(models.ConsentRound.id).order_by(models.ConsentRound.id.desc()))
    for who in people:
        click(bot, ids.ACT_ANSWER_CONSENT, round_id, who)
    sweep(bot)


def _start(bot: Bot) -> int:
    bot.command("select release lead", command="/role")
    modal = last_modal(bot)
    people = next(b for b in modal["blocks"] if b.get("block_id") == ids.IN_SEL_PEOPLE[0])
    assert sorted(people["element"]["initial_users"]) == [ALICE, BRAM, CHEN]
    assert submit(bot, modal, fill(modal)).body == ""
    sweep(bot)
    with bot.deps.sessions() as s:
        return s.scalar(select(models.Selection.id))


def _press(bot: Bot, action_id: str, selection_id: int, user: str):
    response = bot.driver.block_action(
        action_id, str(selection_id), user_id=user, channel_id=CHANNEL, message_ts="1.0",
        block_id=ids.BLOCK_SEL_ACTIONS,
    )  # fmt: skip
    bot.settle()
    return response


def _nominate(bot: Bot, selection_id: int, user: str, nominee: str | None, reason: str | None):
    _press(bot, ids.ACT_SEL_NOMINATE, selection_id, user)
    modal = last_modal(bot)
    given: dict = {ids.IN_SEL_REASON[1]: reason}
    if nominee is None:
        given[ids.IN_SEL_PASS[1]] = ["pass"]
    else:
        given[ids.IN_SEL_NOMINEE[1]] = nominee
    return submit(bot, modal, fill(modal, given), user=user), modal


def _channel_text(bot: Bot) -> str:
    return json.dumps(bot.fake.messages.get(CHANNEL, []), ensure_ascii=False)


def _told(bot: Bot, user: str) -> str:
    return json.dumps(bot.responses_for(user)[-1:] + bot.ephemerals_for(user)[-1:],
                      ensure_ascii=False)  # fmt: skip


def test_select_nominate_reveal_propose_consent(bot: Bot) -> None:
    _role(bot)
    sel = _start(bot)
    assert "started selecting someone for the role *Release lead*" in _channel_text(bot)

    assert _nominate(bot, sel, BRAM, CHEN, "Chen ships calmly")[0].body == ""
    # before the reveal, another participant sees only their own (none yet)
    _, modal = _nominate(bot, sel, CHEN, CHEN, "I would like to")
    assert "Chen ships calmly" not in json.dumps(modal)
    assert "Chen ships calmly" not in _channel_text(bot)

    _press(bot, ids.ACT_SEL_PROPOSE, sel, ALICE)  # still hidden: ALICE has not nominated
    assert "still hidden" in _told(bot, ALICE)

    _nominate(bot, sel, ALICE, None, "I hold two roles already")
    sweep(bot)
    revealed = _channel_text(bot)
    assert "are revealed" in revealed and "Chen ships calmly" in revealed
    assert "I hold two roles already" in revealed

    _press(bot, ids.ACT_SEL_PROPOSE, sel, BRAM)
    assert "Alleen <@U0ALICE>, die deze selectie startte" in _told(bot, BRAM)  # in Dutch

    _press(bot, ids.ACT_SEL_PROPOSE, sel, ALICE)
    modal = last_modal(bot)
    nominee = next(b for b in modal["blocks"] if b.get("block_id") == ids.IN_SEL_NOMINEE[0])
    assert nominee["element"]["initial_user"] == CHEN  # the most nominated, first
    assert "Chen ships calmly" in json.dumps(modal)
    assert submit(bot, modal, fill(modal)).body == ""
    with bot.deps.sessions() as s:
        rnd = s.scalars(select(models.ConsentRound).order_by(models.ConsentRound.id.desc())).first()
    assert rnd.title == "Selection: Release lead"
    _consent_latest(bot, (ALICE, BRAM, CHEN))

    with bot.deps.sessions() as s:
        role = s.scalars(select(models.Role)).one()
        terms = s.scalars(select(models.RoleTerm)).all()
    assert role.holder_id == CHEN and [t.holder_id for t in terms] == [CHEN]
    assert "is selected for the role *Release lead*" in _channel_text(bot)
    bot.command("Release lead", command="/role")
    assert f"held by <@{CHEN}> until" in json.dumps(bot.responses_for(ALICE)[-1])


def test_someone_not_asked_cannot_nominate(bot: Bot) -> None:
    _role(bot)
    sel = _start(bot)
    bot.fake.add_user(OUTSIDER, "dana", real_name="Dana", locale="en-US")
    _press(bot, ids.ACT_SEL_NOMINATE, sel, OUTSIDER)
    assert "not among the people asked to nominate" in _told(bot, OUTSIDER)


def test_a_nomination_needs_a_reason_and_a_person(bot: Bot) -> None:
    _role(bot)
    sel = _start(bot)
    response, _ = _nominate(bot, sel, BRAM, CHEN, None)
    assert ids.IN_SEL_REASON[0] in json.loads(response.body)["errors"]
    bot.fake.add_user(ROBOT, "robot", is_bot=True)
    response, _ = _nominate(bot, sel, ALICE, ROBOT, "It never sleeps")
    assert "not a bot" in json.loads(response.body)["errors"][ids.IN_SEL_NOMINEE[0]]
    with bot.deps.sessions() as s:
        assert s.scalars(select(models.Nomination)).all() == []


def test_the_latest_nomination_counts(bot: Bot) -> None:
    _role(bot)
    sel = _start(bot)
    _nominate(bot, sel, BRAM, CHEN, "First thought")
    _nominate(bot, sel, BRAM, ALICE, "Second thought")
    with bot.deps.sessions() as s:
        [n] = s.scalars(select(models.Nomination)).all()
    assert (n.nominee_id, n.reason) == (ALICE, "Second thought")


def test_a_nomination_after_the_change_round_is_refused_with_its_time(
    bot: Bot, clock: FakeClock
) -> None:
    _role(bot)
    sel = _start(bot)
    clock.advance(days=4)
    sweep(bot)
    _press(bot, ids.ACT_SEL_NOMINATE, sel, BRAM)
    assert "Nominaties voor deze selectie sloten" in _told(bot, BRAM)


def test_the_nomination_form_in_dutch(bot: Bot) -> None:
    _role(bot)
    sel = _start(bot)
    _, modal = _nominate(bot, sel, BRAM, CHEN, "Chen werkt rustig")
    assert modal["title"]["text"] == "Nomineren"


def test_the_nominees_objection_is_shown_first_and_another_may_be_proposed(
    bot: Bot, clock: FakeClock
) -> None:
    from tests.support.steps import answer_with_reason

    _role(bot)
    sel = _start(bot)
    for who in (ALICE, BRAM, CHEN):
        _nominate(bot, sel, who, CHEN, "Chen knows releases")
    sweep(bot)
    _press(bot, ids.ACT_SEL_PROPOSE, sel, ALICE)
    submit(bot, last_modal(bot), fill(last_modal(bot)))
    with bot.deps.sessions() as s:
        round_id = s.scalar(select(models.ConsentRound.id).order_by(models.ConsentRound.id.desc()))
    answer_with_reason(bot, ids.ACT_ANSWER_OBJECTION, round_id, BRAM, "Bram objects: too busy")
    answer_with_reason(bot, ids.ACT_ANSWER_OBJECTION, round_id, CHEN, "Chen objects: not now")
    click(bot, ids.ACT_ANSWER_CONSENT, round_id, ALICE)
    clock.advance(days=4)
    sweep(bot)
    from bot.services import consent

    view = consent.load(bot.deps.sessions, team_id="T0001", round_id=round_id)
    assert [o.user_id for o in view.objections] == [CHEN, BRAM]
    assert next(iter(view.answers)) == CHEN
    with bot.deps.sessions() as s:
        assert s.get(models.Selection, sel).status == "proposing"
        assert s.scalars(select(models.Role)).one().holder_id is None
    assert "is not selected for the role *Release lead*" in _channel_text(bot)
    _press(bot, ids.ACT_SEL_PROPOSE, sel, ALICE)  # the starter may propose another
    assert last_modal(bot)["callback_id"] == ids.CB_SEL_PROPOSE


def _item_menu(bot: Bot, what: str, item: models.BacklogItem) -> None:
    bot.driver.block_action(
        ids.ACT_ITEM_MENU, user_id=ALICE, channel_id=CHANNEL, message_ts="1.0",
        is_ephemeral=True, action_type="static_select",
        selected_option={"value": f"{what}:{item.id}:1",
                         "text": {"type": "plain_text", "text": what}},
    )  # fmt: skip
    bot.settle()


def test_the_backlog_step_select_someone_turns_into_the_selection_form(bot: Bot) -> None:
    _role(bot)
    bot.command("Nobody cuts the releases")
    with bot.deps.sessions() as s:
        item = s.scalars(select(models.BacklogItem)).one()
    _item_menu(bot, "step", item)
    modal = last_modal(bot)
    response = submit(bot, modal, fill(modal, {"next_step": "select"}))
    answer = response.json()
    assert answer["response_action"] == "update"  # the step stored, the form moves on
    form = answer["view"]
    assert form["callback_id"] == ids.CB_SEL_START
    role = next(b for b in form["blocks"] if b.get("block_id") == ids.IN_SEL_ROLE[0])
    assert role["element"]["initial_option"]["text"]["text"] == "Release lead"
    with bot.deps.sessions() as s:
        assert s.get(models.BacklogItem, item.id).next_step == "select"
    assert submit(bot, form, fill(form, {ids.IN_SEL_PEOPLE[1]: [ALICE, BRAM, CHEN]})).body == ""
    sweep(bot)
    with bot.deps.sessions() as s:
        sel = s.scalars(select(models.Selection)).one()
    assert sel.item_id == item.id
    assert "Nominate" in _channel_text(bot)


def test_the_step_without_roles_just_stores_the_step(bot: Bot) -> None:
    bot.command("Nobody cuts the releases")
    with bot.deps.sessions() as s:
        item = s.scalars(select(models.BacklogItem)).one()
    _item_menu(bot, "step", item)
    modal = last_modal(bot)
    assert submit(bot, modal, fill(modal, {"next_step": "select"})).body == ""
    with bot.deps.sessions() as s:
        assert s.get(models.BacklogItem, item.id).next_step == "select"


def test_a_term_ending_notice_starts_the_selection_from_its_button(
    bot: Bot, clock: FakeClock
) -> None:
    from datetime import UTC, datetime

    from bot.scheduler import run_all_once

    _role(bot)
    selection_id = _start(bot)
    for who, nominee in ((ALICE, BRAM), (BRAM, BRAM), (CHEN, BRAM)):
        _nominate(bot, selection_id, who, nominee, "Steady hands")
    _press(bot, ids.ACT_SEL_PROPOSE, selection_id, ALICE)
    modal = last_modal(bot)
    assert submit(bot, modal, fill(modal, {ids.IN_SEL_NOMINEE[1]: BRAM})).body == ""
    _consent_latest(bot, (ALICE, BRAM, CHEN))
    with bot.deps.sessions() as s:
        role = s.scalars(select(models.Role)).one()
    assert role.holder_id == BRAM and role.term_end is not None
    clock.now = datetime.combine(role.term_end - timedelta(days=27), datetime.min.time(), UTC)
    clock.now = clock.now.replace(hour=9)
    run_all_once(bot.deps)
    sweep(bot)  # the notices it queued
    notice = next(msg for msg in bot.fake.messages_in(CHANNEL) if "ends on" in msg.get("text", ""))
    [button] = [e for b in notice["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert (button["action_id"], button["value"]) == (ids.ACT_SEL_OPEN, str(role.id))
    bot.driver.block_action(
        ids.ACT_SEL_OPEN, str(role.id), user_id=CHEN, channel_id=CHANNEL, message_ts=notice["ts"]
    )
    bot.settle()
    form = last_modal(bot)
    assert form["callback_id"] == ids.CB_SEL_START and "Release lead" in json.dumps(form)
    assert submit(bot, form, fill(form), user=CHEN).body == ""
    with bot.deps.sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.Selection)) == 2
