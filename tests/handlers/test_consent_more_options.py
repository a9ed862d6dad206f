"""The proposal form shows the essentials first (title, proposal, driver, deadline) and the
rest behind More options (issue 11, part 8): views.update brings every field, what was typed
kept; submitted as it is, the round takes the defaults the form said."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.blocks import ids
from bot.demo.forms import fill
from bot.store import models
from tests.support.harness import Bot
from tests.support.steps import START, last_modal, more_options, submit


def _inputs(view: dict) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if b["type"] == "input"]


def test_the_form_opens_with_the_essentials_and_says_the_rest(bot: Bot) -> None:
    bot.command("Publish the release notes a day early", command="/consent")
    modal = last_modal(bot)
    # (no backlog yet: no "driver from the backlog" pick)
    assert _inputs(modal) == [
        ids.IN_TITLE[0], ids.IN_PROPOSAL[0], ids.IN_DRIVER_TEXT[0], ids.IN_DEADLINE[0],
    ]  # fmt: skip
    shown = json.dumps(modal["blocks"])
    assert "answers stay hidden until the round closes" in shown and "reviewed on" in shown
    assert ids.ACT_CONSENT_MORE in shown


def test_the_essentials_alone_start_a_round_with_the_defaults_said(bot: Bot) -> None:
    bot.command("Publish the release notes a day early", command="/consent")
    modal = last_modal(bot)
    given = {ids.IN_TITLE[1]: "Notes a day early", ids.IN_DEADLINE[1]: START.replace(day=5)}
    assert submit(bot, modal, fill(modal, given)).body == ""
    with bot.deps.sessions() as s:
        rnd = s.scalars(select(models.ConsentRound)).one()
    assert rnd.hidden  # the default the form said
    assert rnd.review_date > START.date()


def test_more_options_brings_every_field_and_keeps_what_was_typed(bot: Bot) -> None:
    bot.command("Publish the release notes a day early", command="/consent")
    last_modal(bot)
    full = more_options(bot, **{ids.IN_TITLE[1]: "Notes a day early"})
    assert len(bot.fake.calls_to("views.update")) == 1
    for block in (ids.IN_RESPONSIBILITIES, ids.IN_EVALUATION, ids.IN_REVIEW_DATE, ids.IN_WHO,
                  ids.IN_OPTIONS, ids.IN_QUORUM, ids.IN_QUESTIONS_UNTIL):  # fmt: skip
        assert block[0] in _inputs(full)
    title = next(b for b in full["blocks"] if b.get("block_id") == ids.IN_TITLE[0])
    assert title["element"]["initial_value"] == "Notes a day early"
    assert ids.ACT_CONSENT_MORE not in json.dumps(full["blocks"])
    given = {
        ids.IN_RESPONSIBILITIES[1]: "The release lead",
        ids.IN_DEADLINE[1]: START.replace(day=5),
    }
    assert submit(bot, full, fill(full, given)).body == ""
    with bot.deps.sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.ConsentRound)) == 1
        assert s.scalars(select(models.ConsentRound)).one().responsibilities == "The release lead"
