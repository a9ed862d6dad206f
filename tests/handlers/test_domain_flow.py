"""`/domain` end to end through the Slack fake (issue 10, parts 1 and 5): the circle's
domain description drafted and evolved by consent, in `/agreements` like any agreement,
its purpose in the objection form, and the circle's parent and sub-circles."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import func, select

from bot.blocks import ids
from bot.demo.forms import fill
from bot.store import models
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, Bot
from tests.support.steps import START, click, last_modal, start_round, submit, sweep

PARENT, OTHER, OUTSIDER = "C0PARENT", "C0OTHER", "U0DANA"
PURPOSE = "Keep the platform running so the product teams can ship"


def _shown(bot: Bot, user: str = ALICE) -> str:
    return json.dumps(bot.responses_for(user)[-1], ensure_ascii=False)


def _describe(bot: Bot, user: str = ALICE, **inputs):
    bot.command("edit", command="/domain", user=user)
    modal = last_modal(bot)
    given = {"purpose": PURPOSE, "responsibilities": "On-call; upgrades",
             ids.IN_DEADLINE[1]: START + timedelta(days=3), **inputs}  # fmt: skip
    return submit(bot, modal, fill(modal, given), user=user), modal


def _consent_latest(bot: Bot) -> None:
    with bot.deps.sessions() as s:
        round_id = s.scalar(select(models.ConsentRound.id).order_by(models.ConsentRound.id.desc()))
    for who in (ALICE, BRAM, CHEN):
        click(bot, ids.ACT_ANSWER_CONSENT, round_id, who)
    sweep(bot)


def test_no_description_yet_offers_to_draft_one(bot: Bot) -> None:
    bot.command("", command="/domain")
    reply = bot.responses_for(ALICE)[-1]
    assert "has no domain description yet" in reply["text"]
    actions = [e["action_id"] for b in reply["blocks"] if b["type"] == "actions"
               for e in b["elements"]]  # fmt: skip
    assert actions == [ids.ACT_DOMAIN_EDIT]


def test_a_description_consented_is_the_circles_and_in_the_logbook(bot: Bot) -> None:
    response, modal = _describe(bot)
    assert response.body == ""
    labels = [b["label"]["text"] for b in modal["blocks"] if b["type"] == "input"]
    for label in ("Purpose", "Key responsibilities", "Customers and deliverables",
                  "Delegator responsibilities", "Review date"):  # fmt: skip
        assert label in labels
    assert "Domain description" in json.dumps(bot.fake.messages_in(CHANNEL)[-1]["blocks"])
    bot.command("", command="/domain")
    assert "in a consent round" in _shown(bot) and PURPOSE not in _shown(bot)

    _consent_latest(bot)
    bot.command("", command="/domain")
    shown = _shown(bot)
    assert PURPOSE in shown and "Version 1" in shown and "On-call; upgrades" in shown
    bot.command("", command="/agreements")
    assert "Domain description" in _shown(bot)


def test_evolving_the_description_keeps_one_logbook_entry(bot: Bot) -> None:
    _describe(bot)
    _consent_latest(bot)
    bot.command("edit", command="/domain")
    modal = last_modal(bot)
    purpose = next(
        b for b in modal["blocks"] if b.get("block_id") == ids.IN_DOMAIN_FIELDS["purpose"][0]
    )
    assert purpose["element"]["initial_value"] == PURPOSE  # prefilled with the one in force
    given = {"purpose": "Keep the platform calm", ids.IN_DEADLINE[1]: START + timedelta(days=3)}
    assert submit(bot, modal, fill(modal, given)).body == ""
    _consent_latest(bot)
    bot.command("", command="/domain")
    assert "Keep the platform calm" in _shown(bot) and "Version 2" in _shown(bot)
    with bot.deps.sessions() as s:
        statuses = sorted(s.scalars(select(models.DomainDescription.status)))
        live = s.scalars(select(models.Agreement).where(models.Agreement.status != "dropped")).all()
    assert statuses == ["current", "superseded"]
    assert len(live) == 1 and live[0].version == 2


def test_missing_purpose_and_past_review_date_are_field_errors(bot: Bot) -> None:
    response, _ = _describe(bot, purpose="", **{ids.IN_DOMAIN_REVIEW_DATE[1]: date(2026, 11, 1)})
    errors = json.loads(response.body)["errors"]
    assert "purpose" in errors[ids.IN_DOMAIN_FIELDS["purpose"][0]]
    assert "today or later" in errors[ids.IN_DOMAIN_REVIEW_DATE[0]]
    with bot.deps.sessions() as s:
        assert s.scalars(select(models.DomainDescription)).all() == []


def test_the_form_and_its_errors_in_dutch(bot: Bot) -> None:
    response, modal = _describe(bot, user=BRAM, purpose="")
    assert modal["title"]["text"] == "Domeinbeschrijving"
    assert "doel" in json.loads(response.body)["errors"][ids.IN_DOMAIN_FIELDS["purpose"][0]]


def test_the_objection_form_shows_the_domains_purpose(bot: Bot) -> None:
    _describe(bot)
    _consent_latest(bot)
    rnd = start_round(bot, "Move on-call to a weekly rota")
    click(bot, ids.ACT_ANSWER_OBJECTION, rnd.id, BRAM)
    form = json.dumps(last_modal(bot), ensure_ascii=False)
    assert PURPOSE in form and "Weeg het af tegen dit doel" in form


def test_no_purpose_no_purpose_block(bot: Bot) -> None:
    rnd = start_round(bot, "Move on-call to a weekly rota")
    click(bot, ids.ACT_ANSWER_OBJECTION, rnd.id, ALICE)
    assert "purpose of this circle" not in json.dumps(last_modal(bot))


def test_an_outsider_cannot_edit(bot: Bot) -> None:
    bot.fake.add_user(OUTSIDER, "dana", real_name="Dana", locale="en-US")
    bot.command("edit", command="/domain", user=OUTSIDER)
    assert bot.fake.calls_to("views.open") == []
    assert "Only members of" in _shown(bot, OUTSIDER)


def test_parent_and_sub_circles(bot: Bot) -> None:
    bot.fake.add_channel(PARENT, "general-circle", [ALICE, BRAM])
    bot.command(f"parent <#{PARENT}|general-circle>", command="/domain")
    assert f"<#{PARENT}> is the parent circle of <#{CHANNEL}>" in _shown(bot)
    bot.command("", command="/domain")
    assert f"Delegated by <#{PARENT}>" in _shown(bot)
    bot.command("", command="/domain", channel=PARENT)
    assert f"Sub-circles: <#{CHANNEL}>" in _shown(bot)

    bot.command(f"parent <#{CHANNEL}>", command="/domain", channel=PARENT)
    assert "is a sub-circle of this circle" in _shown(bot)  # a loop is refused
    bot.command(f"parent <#{CHANNEL}>", command="/domain")
    assert "cannot be its own parent" in _shown(bot)
    bot.command("parent general", command="/domain")
    assert "/domain parent #general" in _shown(bot)

    bot.command("parent none", command="/domain")
    assert "has no parent circle now" in _shown(bot)
    with bot.deps.sessions() as s:
        circle = s.scalars(select(models.Circle).where(models.Circle.channel_id == CHANNEL)).one()
    assert circle.parent_channel_id is None


def _reminded(bot: Bot, clock, user: str, review: date) -> dict:
    """The review reminder the person gets a week before the review date, at 09:01 their time."""
    from datetime import UTC, datetime

    from bot.scheduler import run_all_once

    clock.now = datetime.combine(review - timedelta(days=7), datetime.min.time(), UTC).replace(
        hour=8, minute=1
    )
    run_all_once(bot.deps)
    bot.settle()
    dm = bot.fake.dm_channel_id(user)
    assert dm is not None, "no reminder was sent"
    return bot.fake.messages_in(dm)[-1]


def _buttons(message: dict) -> dict[str, dict]:
    return {e["action_id"]: e for b in message["blocks"] if b["type"] == "actions"
            for e in b["elements"]}  # fmt: skip


def test_evolve_from_the_review_reminder_opens_the_domain_form(bot: Bot, clock) -> None:
    review = date(2027, 1, 13)  # a Wednesday: its reminder is the Wednesday before
    _describe(bot, **{ids.IN_DOMAIN_REVIEW_DATE[1]: review})
    _consent_latest(bot)
    reminder = _reminded(bot, clock, ALICE, review)
    buttons = _buttons(reminder)
    # the description evolves with all its fields, by consent, not as a plain text
    assert ids.ACT_AGREEMENT_EVOLVE not in buttons
    assert buttons[ids.ACT_DOMAIN_EDIT]["value"] == CHANNEL
    bot.driver.block_action(
        ids.ACT_DOMAIN_EDIT, CHANNEL, user_id=ALICE,
        channel_id=bot.fake.dm_channel_id(ALICE), message_ts=reminder["ts"],
        block_id=ids.BLOCK_REVIEW_ACTIONS,
    )  # fmt: skip
    bot.settle()
    modal = last_modal(bot)
    purpose = next(
        b for b in modal["blocks"] if b.get("block_id") == ids.IN_DOMAIN_FIELDS["purpose"][0]
    )
    assert purpose["element"]["initial_value"] == PURPOSE
    given = {"purpose": "Keep the platform calm", ids.IN_DEADLINE[1]: clock.now + timedelta(days=3)}
    assert submit(bot, modal, fill(modal, given)).body == ""
    _consent_latest(bot)
    bot.command("", command="/domain")
    assert "Keep the platform calm" in _shown(bot) and "Version 2" in _shown(bot)
    with bot.deps.sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.Agreement)) == 1


def test_keeping_the_description_moves_its_review_date_in_domain(bot: Bot, clock) -> None:
    review = date(2027, 1, 13)
    _describe(bot, **{ids.IN_DOMAIN_REVIEW_DATE[1]: review})
    _consent_latest(bot)
    reminder = _reminded(bot, clock, ALICE, review)
    value = _buttons(reminder)[ids.ACT_AGREEMENT_KEEP]["value"]
    bot.driver.block_action(
        ids.ACT_AGREEMENT_KEEP, value, user_id=ALICE,
        channel_id=bot.fake.dm_channel_id(ALICE), message_ts=reminder["ts"],
        block_id=ids.BLOCK_REVIEW_ACTIONS,
    )  # fmt: skip
    bot.settle()
    modal = last_modal(bot)
    assert submit(bot, modal, fill(modal, {ids.IN_NEXT_REVIEW[1]: date(2027, 7, 14)})).body == ""
    bot.command("", command="/domain")
    shown = _shown(bot)
    assert "2027-07-14" in shown or "July 14, 2027" in shown, shown
