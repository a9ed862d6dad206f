"""Selecting a person for a role: the notices in its channel (pure builders)."""

from __future__ import annotations

from datetime import date

from bot.blocks.text import escape, mention, one_line, slack_date, truncate
from bot.domain.selection import Nominated, Overview
from bot.i18n import Messages

TEXT_LIMIT = 39_000  # chat.postMessage's text, with room to spare
REASON_LIMIT = 600  # one reason in the revealed list


def nomination_line(m: Messages, n: Nominated) -> str:
    """One nomination as the reveal lists it (a pass says so; a change is marked)."""
    reason = escape(one_line(n.reason, REASON_LIMIT))
    if n.nominee_id is None:
        line = m._("{who} passes: {reason}", who=mention(n.user_id), reason=reason)
    else:
        line = m._(
            "{who} nominates {nominee}: {reason}",
            who=mention(n.user_id), nominee=mention(n.nominee_id), reason=reason,
        )  # fmt: skip
    return "• " + line + (" " + m._("(changed)") if n.changed else "")


def notice_text(
    m: Messages, ov: Overview, event: str, *, nominee_id: str | None = None,
    actor: str | None = None, term_end: date | None = None,
) -> str:  # fmt: skip
    """What a selection notice says, in the workspace's language (the role's name escaped)."""
    role = escape(ov.role_name)
    if event == "started":
        return m._(
            "{who} started selecting someone for the role *{role}*. Asked to nominate: "
            "{people}. Nominate in private, with a reason, by {until}: the nominations are "
            "revealed together.",
            who=mention(actor or ov.started_by), role=role,
            people=", ".join(mention(p) for p in ov.participants),
            until=slack_date(ov.nominate_until),
        )  # fmt: skip
    if event == "revealed":
        head = m._("The nominations for the role *{role}* are revealed:", role=role)
        lines = [nomination_line(m, n) for n in ov.nominations] or [m._("(no nominations)")]
        tail = m._(
            "Ask your questions in the thread. You may change your nomination, saying why, "
            "until {until}.",
            until=slack_date(ov.change_until),
        )  # fmt: skip
        return truncate("\n".join([head, *lines, tail]), TEXT_LIMIT)
    if event == "proposing":
        return m._(
            "The change round for the role *{role}* is over. {who}, propose a nominee, based "
            "on the reasons.",
            role=role, who=mention(actor or ov.started_by),
        )  # fmt: skip
    if event == "proposed":
        return m._(
            "{who} proposes {nominee} for the role *{role}*: a consent round on the nominee "
            "follows.",
            who=mention(actor or ov.started_by), nominee=mention(nominee_id or ""), role=role,
        )  # fmt: skip
    if event == "selected":
        return m._(
            "{nominee} is selected for the role *{role}*, until {until}. Congratulations!",
            nominee=mention(nominee_id or ""), role=role,
            until=term_end.isoformat() if term_end else "?",
        )  # fmt: skip
    return m._(
        "{nominee} is not selected for the role *{role}*. {who} may propose another nominee.",
        nominee=mention(nominee_id or ""), role=role, who=mention(ov.started_by),
    )  # fmt: skip
