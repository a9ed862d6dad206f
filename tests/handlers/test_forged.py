"""Forged submissions: ids carried in private_metadata or values are hints, checked at submit."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.blocks import ids
from bot.services import agreements
from bot.store import models
from tests.support.harness import ALICE, BRAM, CHANNEL, TEAM, Bot, modal_values

OTHER = "C0FINANCE"  # a channel Alice is not in
DAN = "U0DAN"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def world(bot: Bot) -> Bot:
    bot.fake.add_user(DAN, "dan", real_name="Dan", locale="en-US")
    bot.fake.add_channel(OTHER, "finance", [DAN, BRAM])
    return bot


def _agreement_in(bot: Bot, channel: str) -> agreements.AgreementView:
    return agreements.record(
        bot.deps.sessions, team_id=TEAM, channel_id=channel, author_id=DAN, title="Budget",
        text="Budgets are set quarterly", driver=None, responsibilities=None, evaluation=None,
        responsible_ids=[DAN], review_date=date(2027, 6, 1), now=START, today=START.date(),
    )  # fmt: skip


def _state(bot: Bot, agreement_id: int) -> tuple[str, date, int]:
    with bot.deps.sessions() as s:
        a = s.get(models.Agreement, agreement_id)
        return a.status, a.review_date, a.version


def _submit(bot: Bot, callback: str, values: dict, meta: dict, *, user: str = ALICE, team=None):
    response = bot.driver.view_submission(
        callback, values, user_id=user, private_metadata=json.dumps(meta)
    )
    bot.settle()
    return response


def _text(key: tuple[str, str], value: str) -> dict:
    return {key[0]: {key[1]: {"type": "plain_text_input", "value": value}}}


def _date(key: tuple[str, str], day: date) -> dict:
    return {key[0]: {key[1]: {"type": "datepicker", "selected_date": day.isoformat()}}}


def _errors(response) -> str:
    return response.body or ""


@pytest.mark.parametrize(
    ("callback", "values"),
    [
        (ids.CB_AGREEMENT_DROP, _text(ids.IN_DROP_REASON, "I want it gone")),
        (ids.CB_AGREEMENT_KEEP, _date(ids.IN_NEXT_REVIEW, date(2028, 1, 3))),
        (ids.CB_AGREEMENT_SNOOZE, _date(ids.IN_SNOOZE_UNTIL, date(2027, 1, 4))),
    ],
)
def test_a_review_form_naming_another_channels_agreement_is_refused(
    world: Bot, callback: str, values: dict
) -> None:
    theirs = _agreement_in(world, OTHER)
    before = _state(world, theirs.id)
    meta = {"agreement_id": theirs.id, "expected": theirs.review_date.isoformat(),
            "channel_id": CHANNEL}  # fmt: skip
    response = _submit(world, callback, values, meta)
    assert response.status == 200
    assert "Only members of" in _errors(response)
    assert _state(world, theirs.id) == before


def test_an_evolve_round_naming_another_channels_agreement_is_refused(world: Bot) -> None:
    theirs = _agreement_in(world, OTHER)
    values = modal_values(text="Budgets are set monthly", review_date=date(2027, 3, 1),
                          deadline=START + timedelta(days=3))  # fmt: skip
    meta = {"channel_id": CHANNEL, "evolves_agreement_id": theirs.id}
    response = _submit(world, ids.CB_CONSENT_MODAL, values, meta)
    assert response.status == 200
    assert "no agreement with that number" in _errors(response)
    with world.deps.sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.ConsentRound)) == 0


def test_a_driver_for_a_channel_the_person_is_not_in_is_refused(world: Bot) -> None:
    values = {**_text(ids.IN_SITUATION, "Our budget is late"), **_text(ids.IN_EFFECT, "No plan")}
    response = _submit(world, ids.CB_DRIVER_MODAL, values, {"channel_id": OTHER})
    assert response.status == 200
    assert "Only members of" in _errors(response)
    with world.deps.sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.BacklogItem)) == 0


def test_a_proposal_for_a_channel_the_person_is_not_in_is_refused(world: Bot) -> None:
    values = modal_values(text="Move the budget", review_date=date(2027, 3, 1),
                          deadline=START + timedelta(days=3))  # fmt: skip
    response = _submit(world, ids.CB_CONSENT_MODAL, values, {"channel_id": OTHER})
    assert "Only members of" in _errors(response)
    with world.deps.sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.ConsentRound)) == 0


def test_a_page_button_for_another_channels_backlog_shows_nothing_of_it(world: Bot) -> None:
    from bot.services import backlog

    backlog.raise_tension(world.deps.sessions, team_id=TEAM, channel_id=OTHER, author_id=DAN,
                          text="SECRET-FINANCE-TENSION", now=START)  # fmt: skip
    world.driver.block_action(
        ids.ACT_PAGE_NEXT, f"{OTHER}:0", user_id=ALICE, channel_id=CHANNEL, message_ts="1.0"
    )
    world.settle()
    shown = json.dumps(world.fake.responses) + json.dumps(world.fake.ephemerals)
    assert "SECRET-FINANCE-TENSION" not in shown
    assert "Only members of" in shown


def test_a_payload_whose_team_ids_disagree_acts_in_the_payloads_workspace_only(world: Bot) -> None:
    # Slack Connect / Enterprise Grid: the user's home team differs from the workspace acted in.
    ours = _agreement_in(world, CHANNEL)
    other_team = agreements.record(
        world.deps.sessions, team_id="T0OTHER", channel_id=CHANNEL, author_id=DAN, title="X",
        text="Another workspace's agreement", driver=None, responsibilities=None,
        evaluation=None, responsible_ids=[DAN], review_date=date(2027, 6, 1), now=START,
        today=START.date(),
    )  # fmt: skip
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "demo"},
        "user": {"id": ALICE, "username": "alice", "name": "alice", "team_id": "T0OTHER"},
        "api_app_id": "A0001",
        "trigger_id": "1.2.forged",
        "view": {
            "id": "V0FORGED", "team_id": TEAM, "type": "modal",
            "callback_id": ids.CB_AGREEMENT_DROP,
            "private_metadata": json.dumps({"agreement_id": other_team.id,
                                            "expected": other_team.review_date.isoformat()}),
            "state": {"values": _text(ids.IN_DROP_REASON, "gone")},
            "hash": "1", "blocks": [],
        },
    }  # fmt: skip
    response = world.driver._send_payload(payload)
    world.settle()
    assert response.status == 200
    assert _state(world, other_team.id)[0] == "active"  # the other workspace's stays
    assert _state(world, ours.id)[0] == "active"
