"""The Home tab's roles and circles: selections waiting (with Nominate), roles held, circle
links (pure)."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ButtonElement, MarkdownTextObject, SectionBlock

from bot.blocks import ids
from bot.blocks.text import escape, one_line, slack_date, truncate
from bot.i18n import Messages
from bot.services.views import Structure, WaitingSelection

HOME_SELECTIONS = 5


def _section(title: str, lines: list[str]) -> list[Block]:
    text = truncate(f"*{title}*\n" + "\n".join(lines), 2900)
    return [SectionBlock(text=MarkdownTextObject(text=text))]


def _selection_line(m: Messages, s: WaitingSelection) -> str:
    name = escape(one_line(s.role_name, 80))
    if s.status == "nominating" and not s.nominated:
        return m._(
            "*{role}* in <#{channel}>: your nomination, until {when}",
            role=name, channel=s.channel_id, when=slack_date(s.until),
        )  # fmt: skip
    if s.status == "nominating":
        return m._(
            "*{role}* in <#{channel}>: you nominated; the nominations are revealed together",
            role=name, channel=s.channel_id,
        )  # fmt: skip
    return m._(
        "*{role}* in <#{channel}>: nominations revealed; you may change yours until {when}",
        role=name, channel=s.channel_id, when=slack_date(s.until),
    )  # fmt: skip


def home_selections(m: Messages, structure: Structure) -> list[Block]:
    """Role selections waiting for you, each with its Nominate (or Change) button while
    a nomination is yours to give."""
    if not structure.selections:
        return []
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(text="*" + m._("Role selections waiting for you") + "*")
        )
    ]
    for s in structure.selections[:HOME_SELECTIONS]:
        line = _selection_line(m, s)
        if s.status == "nominating" and s.nominated:
            blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate(line, 2900))))
            continue
        label = m._("Nominate") if s.status == "nominating" else m._("Change my nomination")
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=truncate(line, 2900)),
                accessory=ButtonElement(
                    action_id=ids.ACT_SEL_NOMINATE, text=label, value=str(s.selection_id)
                ),
            )
        )
    return blocks


def home_structure(m: Messages, structure: Structure) -> list[Block]:
    """Your roles (with their terms) and your circles' links."""
    blocks: list[Block] = []
    if structure.roles:
        lines = [
            "• "
            + (
                m._(
                    "*{role}* in <#{channel}>, until {date}",
                    role=escape(one_line(r.name, 80)),
                    channel=r.channel_id,
                    date=r.term_end.isoformat(),
                )
                if r.term_end
                else m._(
                    "*{role}* in <#{channel}>",
                    role=escape(one_line(r.name, 80)),
                    channel=r.channel_id,
                )
            )
            for r in structure.roles
        ]
        blocks += _section(m._("Your roles"), lines)
    linked = [c for c in structure.circles if c.parent_channel_id or c.children]
    if linked:
        lines = []
        for c in linked:
            parts = [f"<#{c.channel_id}>"]
            if c.parent_channel_id:
                parts.append(m._("delegated by <#{parent}>", parent=c.parent_channel_id))
            if c.children:
                parts.append(
                    m._(
                        "sub-circles: {channels}",
                        channels=", ".join(f"<#{k}>" for k in c.children),
                    )
                )
            lines.append("• " + " · ".join(parts))
        blocks += _section(m._("Your circles"), lines)
    return blocks
