"""`/tension help`, `/consent help` and `/agreements help`: one help, listing every command,
only to the person; nothing is stored, no form opens."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.store import models
from tests.support.harness import ALICE, BRAM, CHANNEL, Bot


@pytest.mark.parametrize("command", ["/tension", "/consent", "/agreements", "/role", "/domain"])
@pytest.mark.parametrize("word", ["help", " HELP ", "?"])
def test_every_command_answers_help_with_all_commands(bot: Bot, command: str, word: str) -> None:
    bot.command(word, command=command)
    [reply] = bot.responses_for(ALICE)
    shown = json.dumps(reply["blocks"])
    assert reply["text"] == "How to use the S3 bot"
    for line in ("/tension list", "/consent [proposal]", "/agreements add", "/agreements canvas",
                 f"`{command} help`"):  # fmt: skip
        assert line in shown
    assert bot.fake.calls_to("views.open") == []  # /consent help is not a proposal
    assert bot.fake.messages_in(CHANNEL) == []
    with bot.deps.sessions() as s:
        for table in (models.ConsentRound, models.BacklogItem, models.Agreement):
            assert s.scalar(select(func.count()).select_from(table)) == 0


def test_help_in_dutch_for_a_dutch_speaker(bot: Bot) -> None:
    bot.command("hulp", command="/consent", user=BRAM)
    [reply] = bot.responses_for(BRAM)
    assert reply["text"] == "Zo gebruik je de S3-bot"
    assert "Besluiten met instemming" in json.dumps(reply["blocks"], ensure_ascii=False)


def test_a_proposal_that_mentions_help_still_opens_the_form(bot: Bot) -> None:
    bot.command("help newcomers find the handbook", command="/consent")
    [opened] = bot.fake.calls_to("views.open")
    assert "help newcomers find the handbook" in json.dumps(opened.args["view"])
