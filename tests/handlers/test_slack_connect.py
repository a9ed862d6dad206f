"""Slack Connect (issue 13, part 3): a channel of the workspace the bot is installed in (the
host) shared with another workspace. A guest's answers count in the channel's rounds, their
language and timezone are read with the host's token, and a payload naming a workspace its
token was not authorized for reaches no rows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from slack_bolt.request.internals import extract_team_id

from bot.blocks import ids
from bot.runtime.payload import where
from bot.services import agreements, consent
from bot.store import installations, models
from tests.support.harness import (
    ALICE,
    CHANNEL,
    CLIENT_ID,
    TEAM,
    Bot,
    FakeClock,
    make_multi_bot,
)
from tests.support.install import install, served
from tests.support.steps import (
    START,
    click,
    last_modal,
    start_round,
    submit,
)

GUEST, GUEST_TEAM = "U0GITA", "T0GUEST"  # Gita works at a partner company


@pytest.fixture
def host(db_url: str, fake) -> Iterator[Bot]:
    """The bot installed (OAuth) in the host workspace only; Gita of another workspace is a
    member of the host's shared circle channel, her Slack in Dutch, in New York."""
    b = make_multi_bot(db_url, fake, clock=FakeClock(START), team_id=TEAM)
    with served(b) as base:
        assert install(base, fake, TEAM).status == 200
    fake.add_user(GUEST, "gita", real_name="Gita Rao", locale="nl-NL", tz="America/New_York",
                  team_id=GUEST_TEAM)  # fmt: skip
    fake.add_channel(CHANNEL, "ops-circle", ["U0ALICE", "U0BRAM", "U0CHEN", GUEST])
    b.driver.guest(GUEST, GUEST_TEAM)
    yield b
    b.deps.executor.wait_idle(5)
    b.deps.engine.dispose()


def _host_token(bot: Bot) -> str:
    found = installations.installation_store(bot.deps.engine, CLIENT_ID).find_bot(
        enterprise_id=None, team_id=TEAM
    )
    assert found is not None
    return found.bot_token


def _answers(bot: Bot, round_id: int) -> dict[str, str]:
    view = consent.load(bot.deps.sessions, team_id=TEAM, round_id=round_id)
    return {u: a.position.value for u, a in view.answers.items()}


def test_a_guest_consents_in_the_hosts_round_and_it_counts(host: Bot) -> None:
    rnd = start_round(host)
    assert click(host, ids.ACT_ANSWER_CONSENT, rnd.id, GUEST).status == 200
    assert _answers(host, rnd.id) == {GUEST: "consent"}
    reply = host.responses_for(GUEST)[-1]
    assert "Instemming" in reply["text"]  # Gita's Slack is in Dutch
    # Her language is read from her users.info, with the host's token (hers has none).
    asked = [c for c in host.fake.calls_to("users.info") if c.args.get("user") == GUEST]
    assert asked and {c.token for c in asked} == {_host_token(host)}
    assert all(c.response.get("user", {}).get("team_id") == GUEST_TEAM for c in asked)
    with host.deps.sessions() as s:
        assert s.get(models.Workspace, GUEST_TEAM) is None  # nothing kept for her workspace


def test_a_guests_reaction_counts_in_a_channel_the_other_workspace_created(host: Bot) -> None:
    rnd = start_round(host, hidden=False)
    host.driver.shared_from = GUEST_TEAM  # events name the channel's origin at the top
    host.event({
        "type": "reaction_added", "user": GUEST, "reaction": "white_check_mark",
        "item": {"type": "message", "channel": CHANNEL, "ts": rnd.message_ts},
        "item_user": "U0BOT",
    })  # fmt: skip
    assert _answers(host, rnd.id) == {GUEST: "consent"}


@pytest.mark.parametrize("guest_org", [None, "E0PARTNER"])
def test_a_guests_objection_reason_modal_works(host: Bot, guest_org: str | None) -> None:
    # From a Grid org of its own, the guest's modal names her org: the host's token is
    # found by the host's (here: none), not by hers.
    host.driver.guest(GUEST, GUEST_TEAM, guest_org)
    rnd = start_round(host)
    click(host, ids.ACT_ANSWER_OBJECTION, rnd.id, GUEST)
    modal = last_modal(host)
    assert host.fake.calls_to("views.open")[-1].token == _host_token(host)
    reason = {ids.IN_REASON[0]: {ids.IN_REASON[1]: {"type": "plain_text_input", "value": ""}}}
    refused = submit(host, modal, reason, user=GUEST).json()
    assert refused["response_action"] == "errors"
    assert "reden" in json.dumps(refused["errors"]).lower()  # told in Dutch, in the form
    reason[ids.IN_REASON[0]][ids.IN_REASON[1]]["value"] = "Our side needs a week to translate"
    assert submit(host, modal, reason, user=GUEST).body == ""
    answer = consent.load(host.deps.sessions, team_id=TEAM, round_id=rnd.id).answers[GUEST]
    assert (answer.position.value, answer.reason) == (
        "objection", "Our side needs a week to translate",
    )  # fmt: skip


def test_a_payload_naming_a_workspace_its_token_is_not_for_reaches_no_rows(bot: Bot) -> None:
    # The one token is T0001's; a modal claiming to be installed in T0OTHER acts nowhere.
    theirs = agreements.record(
        bot.deps.sessions, team_id="T0OTHER", channel_id=CHANNEL, author_id=ALICE, title="X",
        text="Another workspace's agreement", driver=None, responsibilities=None,
        evaluation=None, responsible_ids=[ALICE], review_date=date(2027, 6, 1), now=START,
        today=START.date(),
    )  # fmt: skip
    meta = json.dumps({"agreement_id": theirs.id, "expected": theirs.review_date.isoformat(),
                       "channel_id": CHANNEL})  # fmt: skip
    values = {ids.IN_DROP_REASON[0]: {ids.IN_DROP_REASON[1]: {"type": "plain_text_input",
                                                              "value": "gone"}}}  # fmt: skip
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "demo"},
        "user": {"id": ALICE, "username": "alice", "name": "alice", "team_id": TEAM},
        "api_app_id": "A0001",
        "trigger_id": "1.2.forged",
        "view": {
            "id": "V0FORGED", "team_id": TEAM, "type": "modal", "app_installed_team_id": "T0OTHER",
            "callback_id": ids.CB_AGREEMENT_DROP, "private_metadata": meta,
            "state": {"values": values}, "hash": "1", "blocks": [],
        },
    }  # fmt: skip
    response = bot.driver._send_payload(payload)
    bot.settle()
    assert response.status == 200
    with bot.deps.sessions() as s:
        assert s.get(models.Agreement, theirs.id).status == "active"


def test_the_workspace_is_the_one_bolt_authorizes_for_slacks_own_payloads(
    shared_slack_dir: Path,
) -> None:
    for path in sorted((shared_slack_dir / "payloads").glob("*.json")):
        body = json.loads(path.read_text())
        for one in body if isinstance(body, list) else [body]:
            one = one.get("payload", one) if isinstance(one, dict) else one
            if isinstance(one, dict) and (expected := extract_team_id(one)):
                assert where(one).team_id == expected, path.name
