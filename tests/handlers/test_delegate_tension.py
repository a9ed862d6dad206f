"""A delegate raises a tension in the parent circle for the circle they represent (issue 10,
part 5): the driver form offers it only to a delegate, the channel sees it as such, and a
forged or outdated choice is refused with a field error."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.blocks import ids
from bot.demo.forms import fill
from bot.store import models
from bot.store.db import transaction
from tests.support.harness import ALICE, BRAM, CHANNEL, TEAM, Bot, make_bot

CHILD = "C0CHILD"  # the sub-circle ALICE represents in CHANNEL


@pytest.fixture
def bot(db_url: str, fake) -> Bot:
    b = make_bot(db_url, fake)
    yield b
    b.deps.executor.wait_idle(5)
    b.deps.engine.dispose()


def _delegate(bot: Bot, holder: str | None = ALICE, status: str = "active") -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with transaction(bot.deps.sessions) as s:
        if s.get(models.Workspace, TEAM) is None:
            s.add(models.Workspace(team_id=TEAM, created_at=now))
            s.flush()
        s.add(
            models.Role(
                team_id=TEAM,
                channel_id=CHILD,
                name="Delegate to the parent",
                name_key="delegate to the parent",
                status=status,
                term_months=6,
                represents_channel_id=CHANNEL,
                holder_id=holder,
                created_by=BRAM,
                created_at=now,
            )
        )


def _modal(bot: Bot) -> dict:
    view = bot.fake.calls_to("views.open")[-1].args["view"]
    return json.loads(view) if isinstance(view, str) else view


def _blocks(view: dict) -> dict[str, dict]:
    return {b.get("block_id"): b for b in view["blocks"]}


def _submit(bot: Bot, view: dict, inputs: dict, user: str = ALICE):
    response = bot.driver.view_submission(
        view["callback_id"], fill(view, inputs), user_id=user,
        private_metadata=view.get("private_metadata", ""),
    )  # fmt: skip
    bot.settle()
    return response


def _items(bot: Bot) -> list[models.BacklogItem]:
    with bot.deps.sessions() as s:
        return list(s.scalars(select(models.BacklogItem).where(models.BacklogItem.team_id == TEAM)))


def test_someone_who_is_no_delegate_is_not_offered_it(bot: Bot) -> None:
    _delegate(bot, holder=BRAM)
    bot.command("")
    assert ids.IN_ON_BEHALF[0] not in _blocks(_modal(bot))


def test_a_delegate_raises_a_tension_for_their_circle(bot: Bot) -> None:
    _delegate(bot)
    bot.command("")
    choice = _blocks(_modal(bot))[ids.IN_ON_BEHALF[0]]["element"]
    assert [o["value"] for o in choice["options"]] == [ids.ON_BEHALF_SELF, CHILD]
    assert choice["initial_option"]["value"] == ids.ON_BEHALF_SELF
    assert f"<#{CHILD}>" in choice["options"][1]["text"]["text"]

    response = _submit(
        bot, _modal(bot), {"situation": "Ops pages us at night", "effect": "We are tired",
                           ids.IN_ON_BEHALF[1]: CHILD},
    )  # fmt: skip
    assert response.body == ""
    [item] = _items(bot)
    assert (item.channel_id, item.on_behalf_of, item.author_id) == (CHANNEL, CHILD, ALICE)
    posted = json.dumps(bot.fake.messages_in(CHANNEL)[-1]["blocks"])
    assert f"raised tension #1 for <#{CHILD}>, as its delegate" in posted

    bot.command("list")
    listed = json.dumps(bot.responses_for(ALICE)[-1])
    assert f"for <#{CHILD}>, by its delegate" in listed


def test_raising_for_yourself_stays_personal(bot: Bot) -> None:
    _delegate(bot)
    bot.command("")
    _submit(bot, _modal(bot), {"situation": "Late notes", "effect": "Confusion"})
    [item] = _items(bot)
    assert item.on_behalf_of is None
    assert "as its delegate" not in json.dumps(bot.fake.messages_in(CHANNEL)[-1]["blocks"])


def test_a_delegate_whose_role_ended_meanwhile_gets_a_field_error(bot: Bot) -> None:
    _delegate(bot)
    bot.command("")
    view = _modal(bot)
    with transaction(bot.deps.sessions) as s:
        role = s.scalars(select(models.Role)).one()
        role.holder_id = None  # the term ended while the form was open
    response = _submit(bot, view, {"situation": "X", "effect": "Y", ids.IN_ON_BEHALF[1]: CHILD})
    body = response.json()
    assert body["response_action"] == "errors"
    assert f"<#{CHILD}>" in body["errors"][ids.IN_ON_BEHALF[0]]
    assert _items(bot) == []


def test_the_choice_and_the_announcement_speak_dutch(bot: Bot) -> None:
    _delegate(bot, holder=BRAM)  # BRAM reads Dutch, and so does this workspace's channel
    bot.command("", user=BRAM)
    view = _modal(bot)
    block = _blocks(view)[ids.IN_ON_BEHALF[0]]
    assert block["label"]["text"] == "Inbrengen voor"
    assert block["element"]["options"][1]["text"]["text"] == f"<#{CHILD}>, als zijn afgevaardigde"
    _submit(bot, view, {"situation": "X", "effect": "Y", ids.IN_ON_BEHALF[1]: CHILD}, user=BRAM)
    assert _items(bot)[0].on_behalf_of == CHILD
