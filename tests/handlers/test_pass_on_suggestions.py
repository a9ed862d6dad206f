"""The pass-on form suggests the circles whose domain matches the tension, best one preselected."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.blocks import ids
from bot.services import backlog
from bot.store import models
from tests.handlers.test_backlog_flow import items, last_modal, menu, submit
from tests.support.harness import ALICE, BRAM, CHANNEL, TEAM, Bot, make_bot


@pytest.fixture
def bot(db_url: str, fake) -> Bot:
    b = make_bot(db_url, fake)
    yield b
    b.deps.executor.wait_idle(5)
    b.deps.engine.dispose()


def describe(bot: Bot, channel: str, purpose: str, responsibilities: str | None = None,
             status: str = "current") -> None:  # fmt: skip
    with bot.deps.sessions.begin() as s:
        s.add(
            models.DomainDescription(
                team_id=TEAM,
                channel_id=channel,
                role_id=None,
                version=1,
                status=status,
                purpose=purpose,
                responsibilities=responsibilities,
                review_date=date(2027, 6, 1),
                author_id=ALICE,
                created_at=bot.deps.clock(),
            )  # fmt: skip
        )


def raise_tension(bot: Bot, text: str) -> models.BacklogItem:
    backlog.raise_tension(
        bot.deps.sessions, team_id=TEAM, channel_id=CHANNEL, author_id=ALICE, text=text,
        now=bot.deps.clock(),
    )  # fmt: skip
    return items(bot)[-1]


def blocks_of(modal: dict) -> dict:
    return {b.get("block_id"): b for b in modal["blocks"]}


def test_the_circle_whose_purpose_mentions_release_notes_is_suggested_first(fake, bot: Bot) -> None:
    fake.add_channel("C0DOCS", "docs", [ALICE, BRAM])
    describe(bot, CHANNEL, "Release notes for our own product")  # its own: never suggested
    describe(bot, "C0DOCS", "Write the release notes", "Keep the user guide current")
    describe(bot, "C0OPS", "Run the servers", "Publish release builds")
    describe(bot, "C0PEOPLE", "Hiring and onboarding")
    describe(bot, "C0OLD", "Release notes, as it was", status="superseded")
    item = raise_tension(bot, "The release notes are <b>late</b> again")
    menu(bot, "pass", item)
    modal = last_modal(bot)
    assert modal["callback_id"] == ids.CB_PASS_ON_MODAL
    shown = blocks_of(modal)
    text = shown[ids.BLOCK_PASS_SUGGESTIONS]["text"]["text"]
    assert text.index("<#C0DOCS>") < text.index("<#C0OPS>")
    assert "matches: notes, release" in text and "Write the release notes" in text
    assert "<#C0CIRCLE>" not in text and "<#C0PEOPLE>" not in text and "<#C0OLD>" not in text
    picker = shown[ids.IN_PASS_TO[0]]["element"]
    assert picker["initial_conversation"] == "C0DOCS"
    # Submitting as preselected passes it to the best match: the submit path is unchanged.
    assert submit(bot, {}).body == ""
    assert [i.id for i in items(bot, "C0DOCS")] == [item.id]


def test_another_pick_than_the_suggestion_is_what_counts(fake, bot: Bot) -> None:
    fake.add_channel("C0DESIGN", "design", [ALICE, BRAM])
    describe(bot, "C0DOCS", "Write the release notes")
    item = raise_tension(bot, "release notes")
    menu(bot, "pass", item)
    assert submit(bot, {"pass_to": "C0DESIGN"}).body == ""
    assert [i.id for i in items(bot, "C0DESIGN")] == [item.id]


def test_without_domain_descriptions_the_form_is_as_before(bot: Bot) -> None:
    item = raise_tension(bot, "The release notes are late")
    menu(bot, "pass", item)
    modal = last_modal(bot)
    assert ids.BLOCK_PASS_SUGGESTIONS not in blocks_of(modal)
    assert "initial_conversation" not in blocks_of(modal)[ids.IN_PASS_TO[0]]["element"]
    assert len(modal["blocks"]) == 2


def test_a_description_whose_agreement_was_dropped_is_not_suggested(bot: Bot) -> None:
    describe(bot, "C0DOCS", "Write the release notes")
    describe(bot, "C0OPS", "Publish release builds")
    with bot.deps.sessions.begin() as s:
        dropped = models.Agreement(
            team_id=TEAM, channel_id="C0DOCS", number=1, title="Domain of docs", text="…",
            review_date=date(2027, 6, 1), status="dropped", author_id=ALICE,
            created_at=bot.deps.clock(),
        )  # fmt: skip
        s.add(dropped)
        s.flush()
        docs = s.scalars(
            select(models.DomainDescription).where(models.DomainDescription.channel_id == "C0DOCS")
        ).one()
        docs.agreement_id = dropped.id
    item = raise_tension(bot, "release notes")
    menu(bot, "pass", item)
    shown = blocks_of(last_modal(bot))
    assert "<#C0DOCS>" not in shown[ids.BLOCK_PASS_SUGGESTIONS]["text"]["text"]
    assert shown[ids.IN_PASS_TO[0]]["element"]["initial_conversation"] == "C0OPS"
