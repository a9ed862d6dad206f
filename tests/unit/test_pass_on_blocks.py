"""The pass-on form's builder: suggested circles listed with why, the best one preselected."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.blocks import ids
from bot.blocks.drivers import pass_on_modal
from bot.domain.backlog import ItemStatus, ItemView
from bot.domain.matching import CircleMatch
from bot.i18n import messages

ITEM = ItemView(
    id=1, team_id="T1", channel_id="C0CIRCLE", number=3, author_id="U1", text="Release notes late",
    status=ItemStatus.NEW, rank=1, created_at=datetime(2026, 1, 1, tzinfo=UTC),
)  # fmt: skip


def _blocks(modal: dict) -> dict:
    return {b.get("block_id"): b for b in modal["blocks"]}


def test_suggestions_are_listed_best_first_and_the_best_preselected() -> None:
    hints = [
        CircleMatch("C0DOCS", 2.0, ("notes", "release"), "Write <the> release notes & guides"),
        CircleMatch("C0OPS", 1.0, ("release",), "Publish release builds " * 20),
    ]
    blocks = _blocks(pass_on_modal(messages("en"), ITEM, "{}", hints))
    text = blocks[ids.BLOCK_PASS_SUGGESTIONS]["text"]["text"]
    assert text.index("<#C0DOCS>") < text.index("<#C0OPS>")
    assert "Write &lt;the&gt; release notes &amp; guides" in text
    assert "_(matches: notes, release)_" in text and len(text) <= 3000
    assert blocks[ids.IN_PASS_TO[0]]["element"]["initial_conversation"] == "C0DOCS"
    assert blocks[ids.IN_PASS_TO[0]]["element"]["action_id"] == ids.IN_PASS_TO[1]


def test_the_suggestions_speak_dutch() -> None:
    hints = [CircleMatch("C0DOCS", 1.0, ("notes",), "Schrijft de release notes")]
    text = _blocks(pass_on_modal(messages("nl"), ITEM, "{}", hints))[ids.BLOCK_PASS_SUGGESTIONS]
    assert "komt overeen: notes" in text["text"]["text"]


def test_no_suggestions_no_list_and_nothing_preselected() -> None:
    modal = pass_on_modal(messages("en"), ITEM, "{}")
    assert [b.get("block_id") for b in modal["blocks"]][1:] == [ids.IN_PASS_TO[0]]
    assert "initial_conversation" not in modal["blocks"][1]["element"]
