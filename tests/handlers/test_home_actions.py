"""An actionable Home tab (issue 13, part 5): what needs the person now comes first, each
with its action right there (answer a round, nominate, review an agreement); after acting
the tab is shown again with what was done on top; a refusal reaches them by DM."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select

from bot.blocks import ids
from bot.demo.forms import fill
from bot.store import models
from tests.handlers.test_home_structure import seed
from tests.support.harness import ALICE, BRAM, CHEN, Bot
from tests.support.steps import last_modal, start_round, submit

HOME = {"type": "home", "callback_id": ""}


def _home(bot: Bot, user: str = ALICE) -> dict:
    bot.event({"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": "home"})
    return bot.fake.home_views[user]


def _press(bot: Bot, action_id: str, value: str, block_id: str, user: str = ALICE):
    response = bot.driver.block_action(action_id, value, user_id=user, view=HOME,
                                       block_id=block_id)  # fmt: skip
    bot.settle()
    assert response.status == 200
    return response


def _texts(view: dict) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def test_a_round_is_answered_on_the_home_tab(bot: Bot) -> None:
    round_id = start_round(bot).id
    view = _home(bot)
    block = f"{ids.BLOCK_HOME_ROUND}_{round_id}"
    actions = next(b for b in view["blocks"] if b.get("block_id") == block)
    assert [e["action_id"] for e in actions["elements"]] == [
        ids.ACT_ANSWER_CONSENT, ids.ACT_ANSWER_CONCERN, ids.ACT_ANSWER_OBJECTION,
    ]  # fmt: skip
    shown = _texts(view)
    assert shown.index("waiting for your answer") < shown.index("Your open tensions")
    _press(bot, ids.ACT_ANSWER_CONSENT, actions["elements"][0]["value"], block)
    with bot.deps.sessions() as s:
        answer = s.scalars(
            select(models.RoundAnswer).where(models.RoundAnswer.user_id == ALICE)
        ).one()
    assert answer.position == "consent"
    again = _texts(bot.fake.home_views[ALICE])
    assert "Recorded your answer" in again  # the tab again, with what was done on top
    assert block not in again  # nothing left to answer there


def test_an_objection_from_the_home_tab_opens_its_form_and_shows_the_tab_again(bot: Bot):
    round_id = start_round(bot).id
    _home(bot)
    block = f"{ids.BLOCK_HOME_ROUND}_{round_id}"
    _press(bot, ids.ACT_ANSWER_OBJECTION, str(round_id), block)
    modal = last_modal(bot)
    assert submit(bot, modal, fill(modal, {ids.IN_REASON[1]: "Costs too much"})).body == ""
    assert "Recorded your answer" in _texts(bot.fake.home_views[ALICE])


def test_a_refusal_on_the_home_tab_reaches_the_person_by_dm(bot: Bot) -> None:
    round_id = start_round(bot).id
    _home(bot, CHEN)
    with bot.deps.sessions() as s:
        s.get(models.ConsentRound, round_id).status = "withdrawn"
        s.commit()
    _press(bot, ids.ACT_ANSWER_CONSENT, str(round_id), f"{ids.BLOCK_HOME_ROUND}_{round_id}",
           user=CHEN)  # fmt: skip
    dm = bot.fake.dm_channel_id(CHEN)
    assert dm is not None and bot.fake.messages_in(dm), "the refusal was lost"


def test_a_nomination_is_given_from_the_home_tab(bot: Bot) -> None:
    seed(bot)
    view = _home(bot)
    button = next(
        b["accessory"] for b in view["blocks"]
        if b.get("accessory", {}).get("action_id") == ids.ACT_SEL_NOMINATE
    )  # fmt: skip
    assert button["text"]["text"] == "Nominate"
    _press(bot, ids.ACT_SEL_NOMINATE, button["value"], "b")
    modal = last_modal(bot)
    given = {ids.IN_SEL_NOMINEE[1]: BRAM, ids.IN_SEL_REASON[1]: "Bram keeps minutes well"}
    assert submit(bot, modal, fill(modal, given)).body == ""
    with bot.deps.sessions() as s:
        assert s.scalars(select(models.Nomination)).one().nominee_id == BRAM
    again = _texts(bot.fake.home_views[ALICE])
    # the only one asked: all nominations revealed, and hers may still change
    assert "Your nomination for *Secretary* is recorded" in again
    assert "Change my nomination" in again


def test_a_review_due_is_kept_from_the_home_tab(bot: Bot) -> None:
    bot.command("add", command="/agreements")
    modal = last_modal(bot)
    given = {"title": "Release on Tuesdays", "proposal": "We release on Tuesdays.",
             "review_date": bot.deps.clock().date() + timedelta(days=3)}  # fmt: skip
    assert submit(bot, modal, fill(modal, given)).body == ""
    view = _home(bot)
    with bot.deps.sessions() as s:
        agreement = s.scalars(select(models.Agreement)).one()
    block = f"{ids.BLOCK_HOME_REVIEW}_{agreement.id}"
    actions = next(b for b in view["blocks"] if b.get("block_id") == block)
    keep = next(e for e in actions["elements"] if e["action_id"] == ids.ACT_AGREEMENT_KEEP)
    _press(bot, ids.ACT_AGREEMENT_KEEP, keep["value"], block)
    modal = last_modal(bot)
    assert submit(bot, modal, fill(modal, {ids.IN_NEXT_REVIEW[1]: date(2027, 6, 1)})).body == ""
    with bot.deps.sessions() as s:
        assert s.get(models.Agreement, agreement.id).review_date == date(2027, 6, 1)
    again = _texts(bot.fake.home_views[ALICE])
    assert "kept" in again.lower() and block not in again
