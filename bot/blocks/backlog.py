"""Block Kit builders for the governance backlog (pure: data in, blocks out)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks import ids
from bot.blocks.text import escape, mention, one_line, quote_chunks
from bot.domain.backlog import ItemView, NextStep
from bot.i18n import Messages

LIST_LINE_CHARS = 180


LIST_PAGE_SIZE = 25
ITEMS_PER_SECTION = 10


Rendered = tuple[str, list[dict]]


def _dicts(blocks: list[Block]) -> list[dict]:
    return [b.to_dict() for b in blocks]


def tension_raised(m: Messages, item: ItemView, open_count: int) -> Rendered:
    """The public channel message announcing a new tension and its place on the backlog."""
    if item.on_behalf_of:
        place = m._(
            "{author} raised tension #{number} for <#{circle}>, as its delegate. It is number "
            "{rank} of {total} on this channel's governance backlog.",
            author=mention(item.author_id),
            circle=item.on_behalf_of,
            number=item.number,
            rank=item.rank,
            total=open_count,
        )
    else:
        place = m._(
            "{author} raised tension #{number}. It is number {rank} of {total} on this "
            "channel's governance backlog.",
            author=mention(item.author_id),
            number=item.number,
            rank=item.rank,
            total=open_count,
        )
    blocks: list[Block] = [
        SectionBlock(
            block_id=ids.BLOCK_TENSION_TEXT, text=MarkdownTextObject(text=f":zap: {place}")
        )
    ]
    blocks += [
        SectionBlock(text=MarkdownTextObject(text=chunk)) for chunk in quote_chunks(item.text)
    ]
    blocks.append(
        ContextBlock(
            elements=[MarkdownTextObject(text=m._("See the whole backlog with `/tension list`."))]
        )
    )
    fallback = m._(
        "Tension #{number}: {text}", number=item.number, text=escape(one_line(item.text, 300))
    )
    return fallback, _dicts(blocks)


def next_step_label(m: Messages, step: NextStep | None) -> str:
    """The name of a next step, for lists and the agenda."""
    if step is None:
        return m._("new: describe the driver")
    return {
        NextStep.UNDERSTAND: m._("understand the driver"),
        NextStep.PROPOSE: m._("form a proposal"),
        NextStep.DECIDE: m._("decide on a proposal"),
        NextStep.REVIEW: m._("review an agreement"),
        NextStep.SELECT: m._("select someone for a role"),
    }[step]


def _item_line(m: Messages, item: ItemView) -> str:
    return m._(
        "*{rank}.* #{number} {text} _({author})_",
        rank=item.rank,
        number=item.number,
        text=escape(one_line(item.text, LIST_LINE_CHARS)),
        author=mention(item.author_id),
    )


def backlog_list(m: Messages, channel_id: str, items: list[ItemView], total: int) -> Rendered:
    """The ephemeral list of a channel's open backlog, in rank order."""
    if not items:
        text = m._(
            "The governance backlog of <#{channel}> is empty. Raise a tension with "
            "`/tension [what you notice]`.",
            channel=channel_id,
        )
        return text, _dicts([SectionBlock(text=MarkdownTextObject(text=text))])
    title = m.n_(
        "Governance backlog of <#{channel}>: {n} open item",
        "Governance backlog of <#{channel}>: {n} open items",
        total,
        channel=channel_id,
    )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=f"*{title}*")), DividerBlock()]
    for start in range(0, len(items), ITEMS_PER_SECTION):
        lines = [_item_line(m, it) for it in items[start : start + ITEMS_PER_SECTION]]
        blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(lines))))
    if total > len(items):
        more = m.n_(
            "…and {n} more item below these.",
            "…and {n} more items below these.",
            total - len(items),
        )
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return title, _dicts(blocks)


# What `/tension <word>` asks for (English and Dutch); any other text raises a tension.
TENSION_WORDS = {
    "help": {"help", "hulp", "?"},
    "list": {"list", "lijst", "ls"},
    "meeting": {"meeting", "vergadering", "overleg"},
    "agenda": {"agenda"},
}


def tension_request(text: str | None) -> str:
    """What a `/tension` text asks for: form, help, list, meeting, agenda, or raise."""
    words = (text or "").split()
    if not words:
        return "form"
    if len(words) == 1:
        for request, spelled in TENSION_WORDS.items():
            if words[0].lower() in spelled:
                return request
    return "raise"


def asks(request: str) -> Callable[..., bool]:
    """A listener matcher: the `/tension` command asks for `request`."""

    def matches(command: dict[str, Any]) -> bool:
        return tension_request(command.get("text")) == request

    matches.__name__ = f"asks_{request}"
    return matches


def usage_text(m: Messages) -> str:
    """The lines of the /tension help."""
    lines = [
        m._("*Raise a tension onto this channel's governance backlog*"),
        m._("`/tension [what you notice]`: add it to the backlog, visible to the channel."),
        m._("`/tension`: describe a driver: current situation, effect and relevance."),
        m._("`/tension list`: show the open backlog in rank order (only you see it)."),
        m._("`/tension meeting`: set this channel's governance meeting rhythm."),
        m._("`/tension agenda`: post the agenda of the next governance meeting."),
        m._("`/tension help`: this help."),
    ]
    return "\n".join(lines)


def not_in_channel(m: Messages, *, number: int) -> str:
    """The item was stored but the bot may not post in the channel."""
    return m._(
        "Tension #{number} is on the backlog, but I cannot post in this channel. "
        "Invite me with `/invite @S3 Governance` so the circle sees new tensions.",
        number=number,
    )


def announcement_delayed(m: Messages, *, number: int) -> str:
    """The item was stored; Slack refused the announcement for now, and it is retried."""
    return m._(
        "Tension #{number} is on the backlog. Slack is not letting me post in the channel right "
        "now; I will announce it there as soon as it does.",
        number=number,
    )
