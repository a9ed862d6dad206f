"""Block Kit builders for the concerns after consent: the question by DM, its form, and how
each concern shows beside the agreement's evaluation criteria (pure)."""

from __future__ import annotations

from pydantic import BaseModel
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks import ids
from bot.blocks.inputs import text_input
from bot.blocks.text import escape, mention, one_line, truncate
from bot.blocks.values import HearingValue
from bot.i18n import Messages
from bot.services.views import ConcernHeard

Rendered = tuple[str, list[dict]]
HEAR, RECORDED = "hear", "recorded"  # bot.services.concerns' answers


class HearingMeta(BaseModel):
    """State carried through the "what should happen?" form (a hint, checked at submit)."""

    hearing_id: int


def _md(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def _ctx(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def _about(m: Messages, view: ConcernHeard) -> str:
    title = escape(truncate(view.title, 200))
    if view.agreement_number is None:
        return m._("“{title}” was consented.", title=title)
    return m._(
        "“{title}” was consented: agreement #{number}.", title=title, number=view.agreement_number
    )


def ask(m: Messages, view: ConcernHeard) -> Rendered:
    """To the person who recorded a concern: should it be heard? (Once answered: the answer.)"""
    concern = escape(truncate(view.reason or "…", 1500))
    if view.answer is not None:
        text = answered_line(m, view)
        return text, [b.to_dict() for b in [_md(_about(m, view)), _md(text)]]
    text = _about(m, view) + " " + m._("You recorded a concern. Should it be heard?")
    value = HearingValue(hearing_id=view.id).dump()
    blocks: list[Block] = [
        _md(text),
        _md("> " + concern.replace("\n", "\n> ")),
        _ctx(
            m._(
                "Heard, it goes on the circle's backlog, so the circle considers it. Either way "
                "your answer is kept beside the agreement's evaluation criteria."
            )
        ),
        ActionsBlock(
            block_id=ids.BLOCK_CONCERN_HEARING,
            elements=[
                ButtonElement(
                    action_id=ids.ACT_CONCERN_HEAR,
                    text=m._("Yes, let's hear it"),
                    value=value,
                    style="primary",
                ),  # fmt: skip
                ButtonElement(
                    action_id=ids.ACT_CONCERN_RECORDED,
                    text=m._("No, recorded is enough"),
                    value=value,
                ),  # fmt: skip
            ],
        ),
    ]
    return text, [b.to_dict() for b in blocks]


def answered_line(m: Messages, view: ConcernHeard) -> str:
    """What was answered about the concern."""
    if view.answer == HEAR and view.item_number is not None:
        return m._(
            ":white_check_mark: You asked for your concern to be heard: it is on the backlog as #{number}.",
            number=view.item_number,
        )
    if view.answer == HEAR:
        return m._(":white_check_mark: You asked for your concern to be heard.")
    return m._(":white_check_mark: Your concern stays recorded with the agreement.")


def hear_modal(m: Messages, view: ConcernHeard) -> dict:
    """The small form behind "Yes, let's hear it": what should happen (optional)."""
    return View(
        type="modal",
        callback_id=ids.CB_CONCERN_HEAR,
        title=truncate(m._("Hear the concern"), 24),
        submit=m._("Send"),
        close=m._("Cancel"),
        private_metadata=HearingMeta(hearing_id=view.id).model_dump_json(),
        blocks=[
            _md("> " + escape(truncate(view.reason or "…", 1500)).replace("\n", "\n> ")),
            text_input(
                ids.IN_CONCERN_FOLLOW_UP,
                m._("What should happen? (optional)"),
                hint=m._("A step, a change, something to watch at the review."),
                max_length=2000,
            ),
        ],
    ).to_dict()


def item_text(m: Messages, view: ConcernHeard, follow_up: str | None) -> str:
    """The backlog item "hear it" adds: the concern is its driver (stored as typed)."""
    text = m._(
        "Concern on “{title}”, to be heard: {reason}",
        title=one_line(view.title, 120),
        reason=view.reason or "…",
    )
    if follow_up:
        text += "\n" + m._("What should happen: {follow_up}", follow_up=follow_up)
    return text


def hearing_lines(m: Messages, hearings: list[ConcernHeard]) -> list[str]:
    """Each concern's answer, as the agreement shows it beside its evaluation criteria."""
    lines = []
    for h in hearings:
        if h.answer == HEAR:
            said = (
                m._("to be heard (backlog #{number})", number=h.item_number)
                if h.item_number
                else m._("to be heard")
            )
        elif h.answer == RECORDED:
            said = m._("recorded is enough")
        else:
            said = m._("not answered yet")
        line = f"{mention(h.user_id)}: {said}"
        if h.follow_up:
            line += " · " + escape(truncate(h.follow_up, 300))
        lines.append(line)
    return lines


def already(m: Messages, view: ConcernHeard) -> str:
    """A second click: the first answer stands."""
    return m._("You answered this already. Nothing was changed.") + " " + answered_line(m, view)


def slow_form(m: Messages) -> str:
    """Slack took longer than its trigger allows to open a form."""
    return m._("That took Slack too long to open the form. Please try again.")
