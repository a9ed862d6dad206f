"""Malformed but validly signed requests: never a 500, nothing changed, `@app.error` never raises."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bot.blocks import ids
from bot.store import models
from tests.support.harness import ALICE, CHANNEL, TEAM, Bot

FORM = "application/x-www-form-urlencoded"
TEAM_ = {"id": TEAM, "domain": "demo"}
USER = {"id": ALICE, "username": "alice", "team_id": TEAM}


def _payload(p: dict) -> str:
    return urlencode({"payload": json.dumps(p)})


def _button(action_id: str, value, **extra) -> str:
    return _payload({
        "type": "block_actions", "team": TEAM_, "user": USER, "trigger_id": "1.2.x",
        "channel": {"id": CHANNEL}, "container": {"channel_id": CHANNEL, "message_ts": "1.0"},
        "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": value,
                     "action_ts": "1.1"}], **extra,
    })  # fmt: skip


def _view(callback: str, **view) -> str:
    return _payload({"type": "view_submission", "team": TEAM_, "user": USER,
                     "trigger_id": "1.2.y", "view": {"id": "V1", "callback_id": callback,
                                                     "type": "modal", **view}})  # fmt: skip


def _item_menu(value) -> str:
    return _payload({
        "type": "block_actions", "team": TEAM_, "user": USER, "trigger_id": "1.2.z",
        "channel": {"id": CHANNEL},
        "actions": [{"action_id": ids.ACT_ITEM_MENU, "type": "static_select",
                     "selected_option": {"value": value}, "action_ts": "1.1"}],
    })  # fmt: skip


CASES = {
    "truncated body": _button(ids.ACT_ANSWER_CONSENT, "1")[:40],
    "non-utf8 body": b"payload=%FF%FE%FD".decode("latin-1"),
    "user as a string": _payload({"type": "block_actions", "team": TEAM_, "user": ALICE,
                                  "actions": [{"action_id": ids.ACT_ANSWER_CONSENT,
                                               "value": "1"}]}),
    "actions as an object": _payload({"type": "block_actions", "team": TEAM_, "user": USER,
                                      "actions": {"action_id": ids.ACT_ANSWER_CONSENT}}),
    "value not a number": _button(ids.ACT_ANSWER_CONSENT, "abc"),
    "value overflows an integer column": _button(ids.ACT_CLOSE_EARLY, "9" * 30),
    "value missing": _button(ids.ACT_WITHDRAW, None),
    "review value broken": _button(ids.ACT_AGREEMENT_KEEP, "5:not-a-date"),
    "page value broken": _button(ids.ACT_PAGE_NEXT, "C1:minus"),
    "unknown next step": _item_menu("explode:1:1"),
    "menu value of wrong shape": _item_menu("up"),
    "state.values as a list": _view(ids.CB_CONSENT_MODAL, private_metadata='{"channel_id":"C0CIRCLE"}',
                                    state={"values": []}),
    "no private_metadata": _view(ids.CB_AGREEMENT_DROP, state={"values": {}}),
    "private_metadata not JSON": _view(ids.CB_DRIVER_MODAL, private_metadata="{oops",
                                       state={"values": {}}),
    "deadline of abc": _view(ids.CB_EXTEND_MODAL, private_metadata='{"round_id":1,"channel_id":"C0CIRCLE"}',
                             state={"values": {ids.IN_DEADLINE[0]: {ids.IN_DEADLINE[1]: {
                                 "type": "datetimepicker", "selected_date_time": "abc"}}}}),
    "meeting form without metadata": _view(ids.CB_MEETING_MODAL, state={"values": {}}),
    "event as a string": json.dumps({"type": "event_callback", "team_id": TEAM, "event": "x",
                                     "event_id": "Ev1"}),
    "view as a list": _payload({"type": "view_submission", "team": TEAM_, "user": USER,
                                "view": []}),
}  # fmt: skip


def _counts(bot: Bot) -> tuple[int, ...]:
    with bot.deps.sessions() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(m)) or 0
            for m in (models.BacklogItem, models.ConsentRound, models.RoundAnswer,
                      models.Agreement, models.Outbox)
        )  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_a_malformed_request_gets_a_clean_answer_and_changes_nothing(
    bot: Bot, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = CASES[name]
    content_type = "application/json" if name == "event as a string" else FORM
    before = _counts(bot)
    response = bot.driver.send_raw(body, {"Content-Type": content_type, **bot.driver.sign(body)})
    bot.settle()
    assert response.status in (200, 400, 404), (name, response.status, response.body)
    assert _counts(bot) == before
    crashes = [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    assert crashes == [], [r.getMessage() for r in crashes]
