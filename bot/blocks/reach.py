"""Block Kit builders for a channel the bot cannot post in: say so before a form is filled."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, MarkdownTextObject, SectionBlock

from bot.blocks import ids
from bot.blocks.text import truncate
from bot.blocks.values import JoinValue
from bot.i18n import Messages

Rendered = tuple[str, list[dict]]


def cannot_post(
    m: Messages, *, public: bool, direct: bool, channel_id: str, action_id: str, text: str = ""
) -> Rendered:
    """Before the form: the bot is not in this channel. A public channel it can join (a
    button, then the form opens); a private one needs `/invite`; a DM holds no circle."""
    if direct:
        line = m._(
            "I cannot run this in a direct message: a circle's governance lives in its channel. "
            "Run the command there."
        )
        return line, [SectionBlock(text=MarkdownTextObject(text=line)).to_dict()]
    if not public:
        line = m._(
            "I am not in this private channel, so I cannot post here. Invite me first with "
            "`/invite @S3 Governance`, then run the command again."
        )
        return line, [SectionBlock(text=MarkdownTextObject(text=line)).to_dict()]
    line = m._(
        "I am not in <#{channel}>, so I cannot post here yet. Add me to the channel and the "
        "form opens.",
        channel=channel_id,
    )
    value = JoinValue(channel_id=channel_id, text=truncate(text, 1900) or None).dump()
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=line)),
        ActionsBlock(
            block_id=ids.BLOCK_JOIN_ACTIONS,
            elements=[
                ButtonElement(
                    action_id=action_id,
                    text=m._("Add the bot to this channel"),
                    value=value,
                    style="primary",
                )
            ],
        ),
    ]
    return line, [b.to_dict() for b in blocks]


def join_failed(m: Messages) -> str:
    """conversations.join was refused (the channel was archived, made private, ...)."""
    return m._(
        "I could not join the channel. Invite me with `/invite @S3 Governance`, "
        "then run the command again."
    )


def unreachable_at_submit(m: Messages) -> str:
    """The form's field error: the channel became one the bot cannot post in."""
    return m._(
        "I can no longer post in this channel (I was removed, or it became private). Invite me "
        "with `/invite @S3 Governance` and submit again: what you typed stays here."
    )
