"""A circle's roles: the notices about them (pure builders)."""

from __future__ import annotations

from datetime import date

from bot.blocks.text import escape, mention
from bot.i18n import Messages


def notice_text(
    m: Messages, name: str, event: str, actor: str | None, holder: str | None, end: date | None
) -> str:
    """What a role notice says, in the workspace's language (the role's name escaped)."""
    role, when = escape(name), end.isoformat() if end else "?"
    if event == "dropped":
        return m._("{who} dropped the role *{role}*.", who=mention(actor or ""), role=role)
    if event == "term_ending":
        return m._(
            "The term of {holder} as *{role}* ends on {when}. Select someone for the role: "
            "it is on the backlog.",
            holder=mention(holder or ""), role=role, when=when,
        )  # fmt: skip
    if event == "term_ending_dm":
        return m._(
            "Your term as *{role}* ends on {when}. The circle will select someone for the role.",
            role=role, when=when,
        )  # fmt: skip
    return m._(
        "The term of {holder} as *{role}* ended on {when}: the role is vacant now.",
        holder=mention(holder or ""), role=role, when=when,
    )  # fmt: skip
