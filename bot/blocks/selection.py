"""Selecting a person for a role: the notices in its channel (pure builders)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from pydantic import BaseModel
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    DateTimePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserMultiSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import ids
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


# ---------------------------------------------------------------- buttons, forms (/role select)


class StartMeta(BaseModel):
    """State carried through the form that starts a selection (hints, checked at submit)."""

    channel_id: str
    role_id: int | None = None  # None: the form asks which role (started from a backlog item)
    item_id: int | None = None  # the backlog item whose next step this selection is
    response_url: str | None = None
    meeting_id: int | None = None  # started as the outcome of a governance meeting's item,
    meeting_step: int | None = None  # at this step, the item as the meeting showed it:
    item_status: str | None = None
    item_next_step: str | None = None
    item_due: date | None = None


class SelectionMeta(BaseModel):
    """State carried through the nomination and the propose forms."""

    selection_id: int
    response_url: str | None = None
    home: bool = False  # opened on the Home tab: it is shown again after


def notice_blocks(m: Messages, ov: Overview, event: str, text: str) -> list[dict]:
    """The notice with what can be done next: nominate (or change it), propose a nominee."""
    buttons: list[ButtonElement] = []
    value = str(ov.id)
    if event == "started":
        buttons.append(
            ButtonElement(
                text=m._("Nominate"), action_id=ids.ACT_SEL_NOMINATE, value=value, style="primary"
            )  # fmt: skip
        )
    if event == "revealed":
        buttons.append(
            ButtonElement(
                text=m._("Change my nomination"), action_id=ids.ACT_SEL_NOMINATE, value=value
            )
        )
    if event in ("revealed", "proposing", "not_selected"):
        buttons.append(
            ButtonElement(
                text=m._("Propose a nominee"), action_id=ids.ACT_SEL_PROPOSE, value=value
            )  # fmt: skip
        )
    blocks: list[Block] = [_md(text)]
    if buttons:
        blocks.append(ActionsBlock(block_id=ids.BLOCK_SEL_ACTIONS, elements=buttons))
    return [b.to_dict() for b in blocks]


def _md(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, 3000)))


def _role_head(m: Messages, ov: Overview) -> str:
    head = "*" + m._("Role: {name}", name=escape(one_line(ov.role_name, 80))) + "*"
    if ov.purpose:
        head += "\n" + escape(truncate(ov.purpose, 600))
    return head


def _picker(key: tuple[str, str], label: str, moment: datetime, hint: str) -> InputBlock:
    return InputBlock(
        block_id=key[0], label=label, hint=hint,
        element=DateTimePickerElement(action_id=key[1], initial_date_time=int(moment.timestamp())),
    )  # fmt: skip


def _role_choice(m: Messages, roles: list[tuple[int, str]]) -> InputBlock:
    """Which of the circle's roles (when the form was not opened for one)."""
    options = [Option(value=str(role_id), text=truncate(name, 75)) for role_id, name in roles[:100]]
    return InputBlock(
        block_id=ids.IN_SEL_ROLE[0], label=m._("Role"),
        element=StaticSelectElement(
            action_id=ids.IN_SEL_ROLE[1], options=options,
            initial_option=options[0] if len(options) == 1 else None,
            placeholder=m._("Pick a role"),
        ),
    )  # fmt: skip


def start_modal(
    m: Messages, meta: StartMeta, *, role_name: str | None, purpose: str | None,
    people: list[str], nominate_until: datetime, change_until: datetime,
    roles: list[tuple[int, str]] | None = None,
) -> dict:  # fmt: skip
    """Start selecting someone for a role: who nominates, and until when. Without a role
    name, the form asks which of `roles` (id, name)."""
    if role_name is None:
        head = "*" + m._("Select someone for a role") + "*"
    else:
        head = "*" + m._("Select someone for the role {name}", name=escape(role_name)) + "*"
    if purpose:
        head += "\n" + escape(truncate(purpose, 600))
    blocks: list[Block] = [_md(head)]
    if role_name is None:
        blocks.append(_role_choice(m, roles or []))
    blocks += [

        _md(
            m._(
                "Everyone asked nominates one person (or themselves, or passes) with a reason, "
                "in private. The nominations are revealed together at the deadline, or when "
                "everyone has nominated; then people may change theirs, saying why. You then "
                "propose a nominee, and the circle decides by consent."
            )
        ),
        InputBlock(
            block_id=ids.IN_SEL_PEOPLE[0], label=m._("Who nominates"),
            element=UserMultiSelectElement(
                action_id=ids.IN_SEL_PEOPLE[1], initial_users=people[:100] or None
            ),
        ),
        _picker(ids.IN_SEL_NOMINATE_UNTIL, m._("Nominations until"), nominate_until,
                m._("In your own timezone.")),
        _picker(ids.IN_SEL_CHANGE_UNTIL, m._("Changes until"), change_until,
                m._("After the reveal, people may change their nomination until then.")),
    ]  # fmt: skip
    return View(
        type="modal", callback_id=ids.CB_SEL_START, title=truncate(m._("Select for a role"), 24),
        submit=truncate(m._("Start"), 24), close=m._("Cancel"),
        private_metadata=meta.model_dump_json(), blocks=blocks,
    ).to_dict()  # fmt: skip


def nominate_modal(m: Messages, ov: Overview, meta: SelectionMeta) -> dict:
    """Nominate one person with a reason (or pass); after the reveal, everyone's shown."""
    blocks: list[Block] = [_md(_role_head(m, ov))]
    if ov.revealed_at is not None:
        lines = [nomination_line(m, n) for n in ov.nominations] or [m._("(no nominations)")]
        blocks.append(
            _md(
                m._(
                    "The nominations, revealed; change yours until {until}:",
                    until=slack_date(ov.change_until),
                )  # fmt: skip
                + "\n"
                + "\n".join(lines)
            )
        )
    else:
        blocks.append(
            _md(
                m._(
                    "Your nomination stays hidden until {until}, or until everyone has "
                    "nominated; then all are revealed together.",
                    until=slack_date(ov.nominate_until),
                )
            )
        )
    mine = ov.mine
    blocks += [
        InputBlock(
            block_id=ids.IN_SEL_NOMINEE[0], optional=True, label=m._("I nominate"),
            hint=m._("Anyone in the workspace, yourself included."),
            element=UserSelectElement(
                action_id=ids.IN_SEL_NOMINEE[1],
                initial_user=mine.nominee_id if mine and mine.nominee_id else None,
            ),
        ),
        InputBlock(
            block_id=ids.IN_SEL_PASS[0], optional=True, label=m._("Or"),
            element=CheckboxesElement(
                action_id=ids.IN_SEL_PASS[1],
                options=[Option(value="pass", text=m._("I pass"))],
            ),
        ),
        InputBlock(
            block_id=ids.IN_SEL_REASON[0], label=m._("Why"),
            hint=m._("What makes this person a good fit for the role (or why you pass)."),
            element=PlainTextInputElement(
                action_id=ids.IN_SEL_REASON[1], multiline=True, max_length=2000,
                initial_value=mine.reason if mine else None,
            ),
        ),
    ]  # fmt: skip
    return View(
        type="modal", callback_id=ids.CB_SEL_NOMINATE, title=truncate(m._("Nominate"), 24),
        submit=truncate(m._("Nominate"), 24), close=m._("Cancel"),
        private_metadata=meta.model_dump_json(), blocks=blocks,
    ).to_dict()  # fmt: skip


def tally_text(m: Messages, ov: Overview) -> str:
    """The revealed nominations counted: most nominated first, each with its reasons."""
    lines = []
    for line in ov.tally:
        who = mention(line.nominee_id) if line.nominee_id else m._("passes")
        reasons = "; ".join(
            f"{mention(u)}: {escape(one_line(r, 200))}" for u, r in line.reasons
        )  # fmt: skip
        lines.append(f"• *{who}* ({line.count}) {reasons}")
    return truncate("\n".join(lines) or m._("(no nominations)"), 2900)


def propose_modal(m: Messages, ov: Overview, meta: SelectionMeta, deadline: datetime) -> dict:
    """Propose a nominee, seeing the tally and the reasons; a consent round on them follows."""
    top = next((t.nominee_id for t in ov.tally if t.nominee_id), None)
    blocks: list[Block] = [
        _md(_role_head(m, ov)),
        _md(m._("The nominations:") + "\n" + tally_text(m, ov)),
        InputBlock(
            block_id=ids.IN_SEL_NOMINEE[0], label=m._("I propose"),
            element=UserSelectElement(action_id=ids.IN_SEL_NOMINEE[1], initial_user=top),
        ),
        _picker(ids.IN_DEADLINE, m._("Answer before"), deadline,
                m._("The consent round on the nominee runs until then; the nominee answers too.")),
    ]  # fmt: skip
    return View(
        type="modal", callback_id=ids.CB_SEL_PROPOSE, title=truncate(m._("Propose a nominee"), 24),
        submit=truncate(m._("Start the round"), 24), close=m._("Cancel"),
        private_metadata=meta.model_dump_json(), blocks=blocks,
    ).to_dict()  # fmt: skip


def nominee_round(
    m: Messages, ov: Overview, nominee: str, term: str, name: Callable[[str], str]
) -> tuple[str, str]:
    """The consent round on a nominee: its title and text (plain: people by their names,
    since a round's text is shown as written)."""
    title = m._("Selection: {role}", role=one_line(ov.role_name, 80))
    text = m._(
        "{nominee} holds the role {role} for a term of {term}, from when this round is "
        "consented. The nominations and their reasons:",
        nominee=name(nominee), role=ov.role_name, term=term,
    )  # fmt: skip
    lines = []
    for t in ov.tally:
        who = name(t.nominee_id) if t.nominee_id else m._("passes")
        reasons = "; ".join(f"{name(u)}: {one_line(r, 200)}" for u, r in t.reasons)
        lines.append(f"• {who} ({t.count}): {reasons}")
    return truncate(title, 150), truncate(text + "\n" + "\n".join(lines), 2900)


def nominated(m: Messages, ov: Overview) -> str:
    """The confirmation of a nomination, only to the person."""
    if ov.revealed_at is None:
        return m._(
            "Your nomination for *{role}* is recorded; it stays hidden until {until} or until "
            "everyone has nominated.",
            role=escape(ov.role_name), until=slack_date(ov.nominate_until),
        )  # fmt: skip
    return m._(
        "Your nomination for *{role}* is recorded; everyone sees it in the thread.",
        role=escape(ov.role_name),
    )  # fmt: skip


def started(m: Messages, role_name: str) -> str:
    """The confirmation to the person who started a selection."""
    return m._(
        "The selection for *{role}* has started; the people asked are told in the channel.",
        role=escape(role_name),
    )
