"""Confirmations reach the person through the response_url; chat.postEphemeral is the fallback.

A button or command carries a response_url; a modal carries the one of the command or button
that opened it in its private_metadata. That one is a hint a forged submission can change,
so the bot posts only to Slack's hooks (here: the fake's) and otherwise replies ephemerally.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from bot.blocks import ids
from bot.demo.forms import fill
from bot.store import models
from tests.support.harness import ALICE, BRAM, CHANNEL, CHEN, Bot, modal_values
from tests.support.steps import START, click, last_modal, start_round, submit

OBJECTION = "Notes need QA first"


class Elsewhere:
    """A host that is not Slack's hooks: it records every request that reaches it."""

    def __init__(self) -> None:
        hits = self.hits = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def elsewhere() -> Iterator[Elsewhere]:
    host = Elsewhere()
    yield host
    host.server.shutdown()
    host.server.server_close()


def _no_ephemerals(bot: Bot) -> None:
    assert bot.fake.calls_to("chat.postEphemeral") == []


def _reason_form(bot: Bot, round_id: int, user: str = CHEN) -> dict:
    click(bot, ids.ACT_ANSWER_OBJECTION, round_id, user)
    return last_modal(bot)


def _reason(text: str) -> dict:
    return {ids.IN_REASON[0]: {ids.IN_REASON[1]: {"type": "plain_text_input", "value": text}}}


def _with_response_url(view: dict, url: str | None) -> dict:
    meta = json.loads(view["private_metadata"])
    if url is None:
        meta.pop("response_url", None)
    else:
        meta["response_url"] = url
    return {**view, "private_metadata": json.dumps(meta)}


# ---------------------------------------------------------------- the way: the response_url


def test_a_button_answer_is_confirmed_through_the_buttons_response_url(bot: Bot) -> None:
    rnd = start_round(bot)
    bot.fake.reset()
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, BRAM)
    [reply] = bot.responses_for(BRAM)
    assert "Instemming" in reply["text"]  # Bram's Slack is in Dutch
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False
    [posted] = bot.fake.responses
    assert urlsplit(posted["path"]).path.startswith("/hooks/actions/")
    _no_ephemerals(bot)


def test_the_reason_form_confirms_through_the_response_url_it_carries(bot: Bot) -> None:
    rnd = start_round(bot)
    modal = _reason_form(bot, rnd.id)
    carried = json.loads(modal["private_metadata"])["response_url"]
    assert bot.driver.issued_to(urlsplit(carried).path) == CHEN  # the Objection button's
    bot.fake.reset()
    assert submit(bot, modal, _reason(OBJECTION), user=CHEN).body == ""
    [posted] = bot.fake.responses
    assert posted["path"] == urlsplit(carried).path
    assert "Recorded your answer “Objection”" in posted["payload"]["text"]
    _no_ephemerals(bot)


def test_a_round_slack_would_not_take_is_told_through_the_commands_response_url(bot: Bot) -> None:
    bot.command("Four-day week", command="/consent")
    modal = last_modal(bot)
    bot.fake.reset()
    bot.fake.fail_next("chat.postMessage", status=200, error="not_in_channel")
    values = modal_values(
        text="Four-day week", review_date=date(2027, 3, 1), deadline=START + timedelta(days=3)
    )
    assert submit(bot, modal, values).body == ""
    [reply] = bot.responses_for(ALICE)
    assert "I could not post the round in this channel" in reply["text"]
    [posted] = bot.fake.responses
    assert urlsplit(posted["path"]).path.startswith("/hooks/commands/")
    _no_ephemerals(bot)


def test_a_refusal_in_the_ack_part_is_told_through_the_response_url(bot: Bot) -> None:
    rnd = start_round(bot, people=[BRAM, CHEN])
    bot.fake.reset()
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, ALICE)
    [reply] = bot.responses_for(ALICE)
    assert "Only the participants" in reply["text"]
    _no_ephemerals(bot)


# ---------------------------------------------------------------- the fallback: chat.postEphemeral


def test_a_form_without_a_response_url_is_confirmed_ephemerally(bot: Bot) -> None:
    rnd = start_round(bot)
    modal = _with_response_url(_reason_form(bot, rnd.id), None)  # e.g. opened from the App Home
    bot.fake.reset()
    assert submit(bot, modal, _reason(OBJECTION), user=CHEN).body == ""
    assert bot.fake.responses == []
    [reply] = bot.ephemerals_for(CHEN)
    assert reply["channel"] == CHANNEL and "Recorded your answer" in reply["text"]


def test_an_expired_response_url_falls_back_to_an_ephemeral(bot: Bot) -> None:
    rnd = start_round(bot)
    bot.fake.reset()
    bot.fake.expire_hooks_next()  # older than 30 minutes, or used 5 times
    click(bot, ids.ACT_ANSWER_CONSENT, rnd.id, BRAM)
    assert bot.fake.responses == []
    [reply] = bot.ephemerals_for(BRAM)
    assert "Instemming" in reply["text"]


def test_a_forged_response_url_is_never_posted_to(bot: Bot, elsewhere: Elsewhere) -> None:
    rnd = start_round(bot)
    modal = _reason_form(bot, rnd.id)
    hooks = urlsplit(bot.fake.hooks_url)
    forged = [
        f"{elsewhere.base}/hooks/actions/T0001/1/x",  # another host, the same path
        f"http://{hooks.netloc}@{urlsplit(elsewhere.base).netloc}/hooks/x",  # user-info trick
        f"{elsewhere.base}/?{bot.fake.hooks_url}",
        "https://hooks.slack.com.evil.example/actions/T0001/1/x",
        "file:///etc/passwd",
    ]
    for i, url in enumerate(forged):
        bot.fake.reset()
        reason = f"{OBJECTION} ({i})"  # a new submission each time, not a double submit
        assert submit(bot, _with_response_url(modal, url), _reason(reason), user=CHEN).body == ""
        assert bot.fake.responses == [], url
        [reply] = bot.ephemerals_for(CHEN)
        assert "Recorded your answer “Objection”" in reply["text"], url
    assert elsewhere.hits == []


def test_a_forged_response_url_does_not_get_the_refreshed_list(
    bot: Bot, elsewhere: Elsewhere
) -> None:
    bot.command("Roles are unclear")
    with bot.deps.sessions() as s:
        item = s.scalar(select(models.BacklogItem))
    bot.driver.block_action(
        ids.ACT_ITEM_MENU, user_id=ALICE, channel_id=CHANNEL, message_ts="1.0",
        is_ephemeral=True, action_type="static_select",
        selected_option={"value": f"step:{item.id}:{item.rank}", "text": {"type": "plain_text", "text": "step"}},
    )  # fmt: skip
    bot.settle()
    view = _with_response_url(last_modal(bot), f"{elsewhere.base}/hooks/actions/T0001/9/x")
    bot.fake.reset()
    response = bot.driver.view_submission(
        view["callback_id"], fill(view, {"next_step": "propose"}), user_id=ALICE,
        private_metadata=view["private_metadata"],
    )  # fmt: skip
    bot.settle()
    assert response.body == ""
    assert elsewhere.hits == [] and bot.fake.responses == []
    [shown] = bot.ephemerals_for(ALICE)  # the list as it is now, only to Alice
    assert "form a proposal" in json.dumps(shown["blocks"])
