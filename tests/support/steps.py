"""What people do in Slack, as steps the tests share: start a round, click, submit, sweep."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.blocks import ids
from bot.scheduler import run_all_once
from bot.services import consent
from bot.store import models
from tests.support.harness import ALICE, CHANNEL, TEAM, Bot, modal_values

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday


def last_modal(bot: Bot) -> dict:
    """The modal the bot opened last, with the id Slack gave it."""
    call = bot.fake.calls_to("views.open")[-1]
    view = call.args["view"]
    view = dict(json.loads(view) if isinstance(view, str) else view)
    view["id"] = (call.response.get("view") or {}).get("id")
    return view


def submit(bot: Bot, view: dict, values: dict, user: str = ALICE):
    response = bot.driver.view_submission(
        view["callback_id"], values, user_id=user, private_metadata=view.get("private_metadata", ""),
        view_id=view.get("id") or "V0001",
    )  # fmt: skip
    bot.settle()
    return response


def start_round(
    bot: Bot,
    text: str = "Publish release notes a day before each release",
    *,
    user: str = ALICE,
    **fields,
) -> consent.RoundView:
    bot.command(text, user=user, command="/consent")
    modal = last_modal(bot)
    fields.setdefault("text", text)
    fields.setdefault("review_date", date(2027, 3, 1))
    fields.setdefault("deadline", START + timedelta(days=3))
    response = submit(bot, modal, modal_values(**fields), user=user)
    assert response.status == 200 and response.body == "", response.body
    with bot.deps.sessions() as s:
        round_id = s.scalar(select(func.max(models.ConsentRound.id)))
    return consent.load(bot.deps.sessions, team_id=TEAM, round_id=round_id)


def click(bot: Bot, action_id: str, round_id: int, user: str, channel: str | None = CHANNEL):
    response = bot.driver.block_action(
        action_id,
        str(round_id),
        user_id=user,
        channel_id=channel,
        message_ts="1.0",
        block_id=ids.BLOCK_ROUND_ACTIONS,
    )
    bot.settle()
    return response


def answer_with_reason(bot: Bot, action_id: str, round_id: int, user: str, reason: str | None):
    click(bot, action_id, round_id, user)
    modal = last_modal(bot)
    values = {ids.IN_REASON[0]: {ids.IN_REASON[1]: {"type": "plain_text_input", "value": reason}}}
    return submit(bot, modal, values, user=user)


def sweep(bot: Bot) -> None:
    """What the scheduler does on its next ticks."""
    run_all_once(bot.deps)
    bot.settle()


def form_state(view: dict, **given) -> dict:
    """The state a person's submission of a modal carries: each input's initial value, or
    what `given` (by action_id) says they entered instead. Unlike `bot.demo.forms.fill`, any
    value goes (an option the form does not offer, say), as a forged or stale form sends."""
    values: dict[str, dict[str, dict]] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        action_id, kind = element["action_id"], element["type"]
        value = given.get(action_id)
        if kind == "static_select":
            option = element.get("initial_option")
            if value is not None:
                option = {"text": {"type": "plain_text", "text": value}, "value": value}
            state = {"type": kind, "selected_option": option}
        elif kind == "timepicker":
            state = {"type": kind, "selected_time": value or element.get("initial_time")}
        elif kind == "datepicker":
            state = {"type": kind, "selected_date": value or element.get("initial_date")}
        elif kind == "users_select":
            state = {"type": kind, "selected_user": value or element.get("initial_user")}
        elif kind == "multi_users_select":
            chosen = value if value is not None else element.get("initial_users")
            state = {"type": kind, "selected_users": list(chosen or [])}
        elif kind == "conversations_select":
            state = {"type": kind, "selected_conversation": value}
        elif kind == "checkboxes":
            state = {"type": kind, "selected_options": [{"value": v} for v in value or []]}
        else:
            assert kind == "plain_text_input", kind
            text = value if value is not None else element.get("initial_value")
            state = {"type": kind, "value": text}
        values[block["block_id"]] = {action_id: state}
    return values


def objection_value(bot: Bot, round_id: int, user: str) -> str:
    """What an objection's buttons carry: its round and its id (the objection `user` raised)."""
    with bot.deps.sessions() as s:
        objection_id = s.scalar(
            select(models.Objection.id).where(
                models.Objection.round_id == round_id, models.Objection.user_id == user
            )
        )
    assert objection_id is not None, f"{user} has no objection in round {round_id}"
    return f"{round_id}:{objection_id}"


def click_objection(
    bot: Bot, action_id: str, value: str, user: str, *, channel: str | None = CHANNEL,
    trigger_id: str | None = None,
):  # fmt: skip
    """Click one of an objection's buttons (in its thread reply, or a DM)."""
    response = bot.driver.block_action(
        action_id, value, user_id=user, channel_id=channel, message_ts="2.0",
        block_id=ids.BLOCK_OBJECTION_ACTIONS, trigger_id=trigger_id,
    )  # fmt: skip
    bot.settle()
    return response


def objection_reason_values(reason: str | None) -> dict:
    """The state of an objection's reason form."""
    key = ids.IN_OBJ_REASON
    return {key[0]: {key[1]: {"type": "plain_text_input", "value": reason}}}


def give_objection_reason(bot: Bot, action_id: str, value: str, user: str, reason: str | None):
    """Click a button that opens an objection's reason form, and submit it."""
    click_objection(bot, action_id, value, user)
    return submit(bot, last_modal(bot), objection_reason_values(reason), user=user)


def resolution_values(
    slot: int, kind: str | None, how: str | None = None, owner: str | None = None,
    on: date | None = None,
) -> dict:  # fmt: skip
    """The state of one objection's part of the amend form (its slot, in the form's order)."""
    option = {"text": {"type": "plain_text", "text": kind}, "value": kind} if kind else None
    return {
        ids.IN_RES_KIND[slot][0]: {
            ids.IN_RES_KIND[slot][1]: {"type": "static_select", "selected_option": option}
        },
        ids.IN_RES_HOW[slot][0]: {ids.IN_RES_HOW[slot][1]: {"type": "plain_text_input", "value": how}},
        ids.IN_RES_OWNER[slot][0]: {
            ids.IN_RES_OWNER[slot][1]: {"type": "users_select", "selected_user": owner}
        },
        ids.IN_RES_DATE[slot][0]: {
            ids.IN_RES_DATE[slot][1]: {
                "type": "datepicker", "selected_date": on.isoformat() if on else None
            }
        },
    }  # fmt: skip


def is_controls(bot: Bot, message: dict) -> bool:
    """Whether a DM is a round's author control message."""
    return message.get("ts") in _controls_ts(bot)


def controls_dm(bot: Bot, user: str = ALICE, title: str | None = None) -> dict:
    """The author's DM control message as it stands (the newest, or the round titled so)."""
    dm = bot.fake.dm_channel_id(user)
    assert dm, f"{user} has no DM"
    found = [
        m
        for m in bot.fake.messages_in(dm)
        if m.get("ts") in _controls_ts(bot) and (title is None or title in m.get("text", ""))
    ]
    assert found, f"{user} has no control message"
    return found[-1]


def _controls_ts(bot: Bot) -> set[str]:
    with bot.deps.sessions() as s:
        return {ts for ts in s.scalars(select(models.ConsentRound.controls_ts)) if ts}


def author_click(
    bot: Bot, action_id: str, round_id: int, user: str = ALICE, title: str | None = None
):
    """Press one of the author's controls on their DM control message (it must be there)."""
    message = controls_dm(bot, user, title)
    shown = [
        e["action_id"]
        for b in message.get("blocks") or []
        if b.get("type") == "actions"
        for e in b["elements"]
    ]
    assert action_id in shown, f"{action_id} not on the control message: {shown}"
    response = bot.driver.block_action(
        action_id, str(round_id), user_id=user, channel_id=bot.fake.dm_channel_id(user),
        message_ts=message["ts"], block_id=ids.BLOCK_AUTHOR_CONTROLS,
    )  # fmt: skip
    bot.settle()
    return response


def more_options(bot: Bot, user: str = ALICE, **typed: Any) -> dict:
    """Press More options in the proposal form just opened (with `typed`, action id ->
    value, in it); the form Slack shows then, with every field."""
    from bot.demo.forms import fill

    opened = bot.fake.calls_to("views.open")[-1].response["view"]
    current = bot.fake.views[opened["id"]]
    response = bot.driver.block_action(
        ids.ACT_CONSENT_MORE, user_id=user, block_id=ids.BLOCK_CONSENT_MORE,
        view={"id": current["id"], "hash": current["hash"], "type": "modal",
              "callback_id": current["callback_id"],
              "private_metadata": current["private_metadata"],
              "state": {"values": fill(current, typed)}},
    )  # fmt: skip
    bot.settle()
    assert response.status == 200
    view = bot.fake.calls_to("views.update")[-1].args["view"]
    return json.loads(view) if isinstance(view, str) else view
