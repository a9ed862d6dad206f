"""The one help text: every command the bot has (/tension, /consent, /agreements, /meeting,
/role, /domain).

`/tension help`, `/consent help`, `/agreements help` and `/meeting help` all answer with it, only to the person.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ContextBlock, DividerBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.blocks import ids
from bot.blocks.backlog import usage_text
from bot.blocks.circle_domain import domain_usage
from bot.blocks.roles import role_usage
from bot.blocks.text import truncate
from bot.i18n import Messages

Rendered = tuple[str, list[dict]]

HELP_WORDS = {"help", "hulp", "?"}  # what asks for help after any of the commands
COMMANDS = (
    ids.CMD_TENSION,
    ids.CMD_CONSENT,
    ids.CMD_AGREEMENTS,
    ids.CMD_MEETING,
    ids.CMD_ROLE,
    ids.CMD_DOMAIN,
)


def asks_for_help(command: dict[str, Any]) -> bool:
    """A listener matcher: one of the bot's commands, followed by one word asking for help."""
    words = (command.get("text") or "").split()
    return command.get("command") in COMMANDS and len(words) == 1 and words[0].lower() in HELP_WORDS


def _consent_text(m: Messages) -> str:
    return "\n".join(
        [
            m._("*Decide by consent*"),
            m._(
                "`/consent [proposal]`: open the proposal form (prefilled with the text); the "
                "round is posted in this channel."
            ),
            m._(
                "On a round: *Consent*, *Concern* or *Objection* (an objection always carries "
                "its reason). Where answers are public, a reaction answers too."
            ),
            m._("`/consent help`: this help."),
        ]
    )


def _agreements_text(m: Messages) -> str:
    return "\n".join(
        [
            m._("*The logbook of agreements*"),
            m._("`/agreements`: the agreements in force in this channel (only you see them)."),
            m._("`/agreements [number]`: one agreement in full, with its history."),
            m._("`/agreements add`: record an agreement made elsewhere, e.g. in a meeting."),
            m._(
                "`/agreements canvas`: keep the logbook in this channel's canvas, brought up to "
                "date after every change."
            ),
            m._("`/agreements help`: this help."),
        ]
    )


def _meeting_text(m: Messages) -> str:
    return "\n".join(
        [
            m._("*The governance meeting*"),
            m._("`/meeting`: the rhythm and the next meeting (only you see it)."),
            m._("`/meeting settings`: when the circle meets, for how long, who facilitates."),
            m._(
                "`/meeting start`: run the meeting in a thread: check-in, then the backlog's "
                "items in rank order. `/meeting end`: close it and post the minutes."
            ),
            m._("`/meeting minutes [YYYY-MM-DD]`: the last (or that day's) minutes."),
        ]
    )


def commands_help(m: Messages) -> Rendered:
    """Help for every command, with a word on what a tension is."""
    tip = m._(
        "A tension is the gap you feel between how things are and how they could be. "
        "The circle turns it into a driver and responds to it in its governance meeting."
    )
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=usage_text(m))),
        DividerBlock(),
        SectionBlock(text=MarkdownTextObject(text=_consent_text(m))),
        DividerBlock(),
        SectionBlock(text=MarkdownTextObject(text=_agreements_text(m))),
        DividerBlock(),
        SectionBlock(text=MarkdownTextObject(text=_meeting_text(m))),
        DividerBlock(),
        SectionBlock(text=MarkdownTextObject(text=role_usage(m))),
        DividerBlock(),
        SectionBlock(text=MarkdownTextObject(text=domain_usage(m))),
        ContextBlock(elements=[MarkdownTextObject(text=tip)]),
    ]
    return m._("How to use the S3 bot"), [b.to_dict() for b in blocks]


def _info_modal(m: Messages, title: str, blocks: list[dict]) -> dict:
    return View(
        type="modal",
        callback_id=ids.CB_HOME_INFO,
        title=truncate(title, 24),
        close=m._("Close"),
        blocks=blocks,
    ).to_dict()


def help_modal(m: Messages) -> dict:
    """The one help, in a modal (the Home tab's Help button)."""
    _, blocks = commands_help(m)
    return _info_modal(m, m._("Help"), blocks)


def agreements_modal(m: Messages, channel_id: str | None) -> dict:
    """What the Home tab's "See the agreements" opens: how to see the circle's agreements."""
    where = (
        m._("Type `/agreements` in <#{channel}> to see its agreements.", channel=channel_id)
        if channel_id
        else m._("Type `/agreements` in your circle's channel to see its agreements.")
    )
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=where)),
        SectionBlock(text=MarkdownTextObject(text=_agreements_text(m))),
    ]
    return _info_modal(m, m._("Agreements"), [b.to_dict() for b in blocks])
