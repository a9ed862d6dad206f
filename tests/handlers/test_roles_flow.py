"""`/role` end to end through the Slack fake (issue 10, part 2): the list, a role proposed
in its form and consented in the channel, one role in full with its history, evolving and
dropping it, and the form's field errors — in English and Dutch."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select

from bot.blocks import ids
from bot.demo.forms import fill
from bot.store import models
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, TEAM, Bot
from tests.support.steps import START, click, last_modal, submit, sweep

OUTSIDER = "U0DANA"


def _propose(bot: Bot, name: str = "Release lead", user: str = ALICE, **inputs):
    bot.command("new", command="/role", user=user)
    modal = last_modal(bot)
    given = {
        ids.IN_ROLE_NAME[1]: name,
        "purpose": "Releases go out calmly, every two weeks",
        "responsibilities": "Cut the release; write the notes",
        ids.IN_DEADLINE[1]: START + timedelta(days=3),
        **inputs,
    }
    return submit(bot, modal, fill(modal, given), user=user), modal


def _round(bot: Bot) -> models.ConsentRound:
    with bot.deps.sessions() as s:
        return s.scalars(
            select(models.ConsentRound).order_by(models.ConsentRound.id.desc())
        ).first()


def _consent_all(bot: Bot, round_id: int) -> None:
    for who in (ALICE, BRAM, CHEN):
        click(bot, ids.ACT_ANSWER_CONSENT, round_id, who)
    sweep(bot)


def _shown(bot: Bot, user: str = ALICE) -> str:
    return json.dumps(bot.responses_for(user)[-1], ensure_ascii=False)


def test_no_roles_yet_says_how_to_propose_one(bot: Bot) -> None:
    bot.command("", command="/role")
    assert "has no roles yet" in _shown(bot) and "/role new" in _shown(bot)


def test_a_role_proposed_and_consented_is_listed_vacant(bot: Bot) -> None:
    response, modal = _propose(bot)
    assert response.status == 200 and response.body == ""
    blocks = {b.get("block_id") for b in modal["blocks"]}
    assert {ids.IN_ROLE_NAME[0], ids.IN_ROLE_TERM[0], ids.IN_DOMAIN_REVIEW_DATE[0]} <= blocks
    rnd = _round(bot)
    posted = json.dumps(bot.fake.messages_in(CHANNEL)[-1]["blocks"])
    assert "Role: Release lead" in posted and "Cut the release" in posted
    bot.command("", command="/role")
    assert "has no roles yet" in _shown(bot)  # proposed: not in force yet

    _consent_all(bot, rnd.id)
    bot.command("", command="/role")
    listed = _shown(bot)
    assert "Release lead" in listed and "vacant" in listed

    bot.command("release LEAD", command="/role")
    detail = bot.responses_for(ALICE)[-1]
    shown = json.dumps(detail, ensure_ascii=False)
    assert "Releases go out calmly" in shown and "Term: 6 months" in shown
    assert "Version 1: in force" in shown
    actions = [e["action_id"] for b in detail["blocks"] if b["type"] == "actions"
               for e in b["elements"]]  # fmt: skip
    assert actions == [ids.ACT_ROLE_EVOLVE, ids.ACT_ROLE_DROP]


def test_a_taken_name_and_a_missing_purpose_are_field_errors(bot: Bot) -> None:
    _propose(bot)
    response, _ = _propose(bot, "release  lead", purpose="")
    errors = json.loads(response.body)["errors"]
    assert "“Release lead” already" in errors[ids.IN_ROLE_NAME[0]]
    assert "purpose" in errors[ids.IN_DOMAIN_FIELDS["purpose"][0]]
    with bot.deps.sessions() as s:
        assert len(s.scalars(select(models.Role)).all()) == 1  # nothing stored by the refusal


def test_term_end_and_review_date_in_the_past_are_field_errors(bot: Bot) -> None:
    past = START.date() - timedelta(days=2)
    response, _ = _propose(
        bot, **{ids.IN_ROLE_TERM_UNTIL[1]: past, ids.IN_DOMAIN_REVIEW_DATE[1]: past}
    )
    errors = json.loads(response.body)["errors"]
    assert "end of the terms" in errors[ids.IN_ROLE_TERM_UNTIL[0]]
    assert "today or later" in errors[ids.IN_DOMAIN_REVIEW_DATE[0]]


def test_the_form_in_dutch(bot: Bot) -> None:
    response, modal = _propose(bot, user=BRAM, purpose="")
    assert modal["title"]["text"] == "Rol voorstellen"
    assert "doel" in json.loads(response.body)["errors"][ids.IN_DOMAIN_FIELDS["purpose"][0]]


def test_an_unknown_role_lists_the_circles_roles(bot: Bot) -> None:
    _propose(bot)
    _consent_all(bot, _round(bot).id)
    bot.command("facilitator", command="/role")
    assert "no role “facilitator”. Its roles: Release lead." in _shown(bot)


def test_someone_outside_the_channel_cannot_propose(bot: Bot) -> None:
    bot.fake.add_user(OUTSIDER, "dana", real_name="Dana", locale="en-US")
    bot.command("new", command="/role", user=OUTSIDER)
    assert bot.fake.calls_to("views.open") == []
    assert "Only members of" in _shown(bot, OUTSIDER)


def _role_id(bot: Bot) -> int:
    with bot.deps.sessions() as s:
        return s.scalars(select(models.Role.id)).one()


def test_evolving_a_role_supersedes_its_description_by_consent(bot: Bot) -> None:
    _propose(bot)
    _consent_all(bot, _round(bot).id)
    role_id = _role_id(bot)
    bot.driver.block_action(
        ids.ACT_ROLE_EVOLVE,
        str(role_id),
        user_id=BRAM,
        channel_id=CHANNEL,
        message_ts="1.0",
        is_ephemeral=True,
    )
    bot.settle()
    modal = last_modal(bot)
    assert ids.IN_ROLE_NAME[0] not in {b.get("block_id") for b in modal["blocks"]}
    given = {"purpose": "Releases go out calmly, every week", ids.IN_DOMAIN_REVIEW_DATE[1]:
             date(2027, 6, 1), ids.IN_DEADLINE[1]: START + timedelta(days=3)}  # fmt: skip
    assert submit(bot, modal, fill(modal, given), user=BRAM).body == ""
    _consent_all(bot, _round(bot).id)
    bot.command("Release lead", command="/role")
    shown = _shown(bot)
    assert "every week" in shown and "Version 2: in force" in shown
    assert "Version 1: superseded" in shown


def test_dropping_a_role_tells_the_channel(bot: Bot) -> None:
    _propose(bot)
    _consent_all(bot, _round(bot).id)
    role_id = _role_id(bot)
    response = bot.driver.block_action(
        ids.ACT_ROLE_DROP,
        str(role_id),
        user_id=CHEN,
        channel_id=CHANNEL,
        message_ts="1.0",
        is_ephemeral=True,
    )
    bot.settle()
    assert response.status == 200
    with bot.deps.sessions() as s:
        assert s.get(models.Role, role_id).status == "dropped"
    sweep(bot)
    assert "dropped the role *Release lead*" in json.dumps(bot.fake.messages_in(CHANNEL)[-1])
    assert "You dropped the role" in _shown(bot, CHEN)
    bot.command("", command="/role")
    assert "has no roles yet" in _shown(bot)


def test_a_forged_drop_from_outside_the_channel_changes_nothing(bot: Bot) -> None:
    _propose(bot)
    _consent_all(bot, _round(bot).id)
    role_id = _role_id(bot)
    bot.fake.add_user(OUTSIDER, "dana", real_name="Dana", locale="en-US")
    bot.driver.block_action(
        ids.ACT_ROLE_DROP,
        str(role_id),
        user_id=OUTSIDER,
        channel_id=CHANNEL,
        message_ts="1.0",
        is_ephemeral=True,
    )
    bot.settle()
    with bot.deps.sessions() as s:
        assert s.get(models.Role, role_id).status == "active"
        assert s.get(models.Role, role_id).team_id == TEAM


PARENT = "C0PARENT"


def _delegate_role(bot: Bot, holder: str = ALICE) -> None:
    from datetime import UTC, datetime

    from bot.store.db import transaction

    now = datetime(2026, 12, 1, tzinfo=UTC)
    with transaction(bot.deps.sessions) as s:
        if s.get(models.Workspace, TEAM) is None:
            s.add(models.Workspace(team_id=TEAM, created_at=now))
            s.flush()
        s.add(
            models.Role(
                team_id=TEAM, channel_id=CHANNEL, name="Delegate", name_key="delegate",
                status="active", term_months=6, represents_channel_id=PARENT, holder_id=holder,
                term_end=date(2027, 6, 1), created_by=BRAM, created_at=now,
            )
        )  # fmt: skip


def test_a_delegate_whose_parent_channel_was_archived_shows_it(bot: Bot) -> None:
    bot.fake.add_channel(PARENT, "general-circle", [ALICE, BRAM])
    _delegate_role(bot)
    bot.command("", command="/role")
    assert ":warning:" not in _shown(bot)
    bot.fake.channels[PARENT].is_archived = True
    bot.command("", command="/role")
    assert f"<#{PARENT}> is archived" in _shown(bot)
    assert "/role select Delegate" in _shown(bot)
    bot.command("delegate", command="/role")
    assert f"<#{PARENT}> is archived" in _shown(bot)


def test_a_delegate_who_left_the_parent_channel_shows_it(bot: Bot) -> None:
    bot.fake.add_channel(PARENT, "general-circle", [BRAM])  # ALICE is not (or no longer) in it
    _delegate_role(bot)
    bot.command("", command="/role", user=CHEN)
    assert f"<@{ALICE}> is no longer in <#{PARENT}>" in _shown(bot, CHEN)


def test_evolve_from_the_review_reminder_opens_the_role_form(bot: Bot, clock) -> None:
    from datetime import UTC, datetime

    from bot.scheduler import run_all_once

    review = date(2027, 1, 13)
    _propose(bot, **{ids.IN_DOMAIN_REVIEW_DATE[1]: review})
    _consent_all(bot, _round(bot).id)
    clock.now = datetime(2027, 1, 6, 8, 1, tzinfo=UTC)  # a week before, 09:01 in Amsterdam
    run_all_once(bot.deps)
    bot.settle()
    reminder = bot.fake.messages_in(bot.fake.dm_channel_id(ALICE))[-1]
    buttons = {e["action_id"]: e for b in reminder["blocks"] if b["type"] == "actions"
               for e in b["elements"]}  # fmt: skip
    assert ids.ACT_AGREEMENT_EVOLVE not in buttons
    with bot.deps.sessions() as s:
        role_id = s.scalar(select(models.Role.id))
    assert buttons[ids.ACT_ROLE_EVOLVE]["value"] == str(role_id)
    bot.driver.block_action(
        ids.ACT_ROLE_EVOLVE, str(role_id), user_id=ALICE,
        channel_id=bot.fake.dm_channel_id(ALICE), message_ts=reminder["ts"],
        block_id=ids.BLOCK_REVIEW_ACTIONS,
    )  # fmt: skip
    bot.settle()
    modal = last_modal(bot)
    assert "Releases go out calmly, every two weeks" in json.dumps(modal)
