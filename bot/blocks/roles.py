"""A circle's roles: the list, one role in full, the role form, and the notices (pure)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    DatePickerElement,
    DateTimePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import ids
from bot.blocks.domains import field_inputs, field_label, fields_markdown
from bot.blocks.inputs import text_input
from bot.blocks.text import escape, mention, one_line, truncate
from bot.domain.consent import MAX_PROPOSAL_LENGTH, MAX_TITLE_LENGTH
from bot.domain.domains import DomainFields
from bot.domain.roles import (
    DEFAULT_TERM_MONTHS,
    MAX_NAME_LENGTH,
    TERM_MONTHS,
    RoleDetail,
    RoleSummary,
    TermEntry,
    VersionEntry,
)
from bot.i18n import Messages

Rendered = tuple[str, list[dict]]
SECTION_LIMIT = 3000
PER_SECTION = 10
MAX_BLOCKS = 50


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


def notice_blocks(m: Messages, text: str, event: str, role_id: int) -> list[dict]:
    """A channel notice; when the role needs someone (term ending, vacant), a button that
    starts the selection at once."""
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=text))]
    if event in ("term_ending", "vacant"):
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        action_id=ids.ACT_SEL_OPEN,
                        text=m._("Start the selection"),
                        value=str(role_id),
                        style="primary",
                    )  # fmt: skip
                ]
            )
        )
    return [b.to_dict() for b in blocks]


# ---------------------------------------------------------------- /role: the list, one role, the form


class RoleMeta(BaseModel):
    """State carried through the role form (hints: checked again at submit)."""

    channel_id: str
    role_id: int | None = None  # evolving this role; None: a new one
    response_url: str | None = None


def _dicts(blocks: list[Block]) -> list[dict]:
    return [b.to_dict() for b in blocks]


def _md(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_LIMIT)))


def _ctx(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, 2000))])


def term_label(m: Messages, months: int | None, until: date | None) -> str:
    """How long a term of the role is: "6 months", or "until 2027-06-30"."""
    if until is not None:
        return m._("until {date}", date=until.isoformat())
    return m._("{n} months", n=months or DEFAULT_TERM_MONTHS)


def holder_line(m: Messages, r: RoleSummary) -> str:
    """Who holds the role and until when, or that it is vacant."""
    if r.holder_id is None:
        return m._("vacant")
    if r.term_end is not None:
        return m._(
            "held by {who} until {date}", who=mention(r.holder_id), date=r.term_end.isoformat()
        )
    return m._("held by {who}", who=mention(r.holder_id))


def delegate_problem(m: Messages, r: RoleSummary, problem: str | None) -> str | None:
    """What is wrong with a delegate's link to the circle it represents, and what to do."""
    if problem is None or not r.represents_channel_id:
        return None
    name = escape(one_line(r.name, 80))
    if problem == "archived":
        return m._(
            ":warning: <#{channel}> is archived (or gone): this delegate represents the circle "
            "nowhere. Evolve or drop the role, or select again with `/role select {role}`.",
            channel=r.represents_channel_id, role=name,
        )  # fmt: skip
    return m._(
        ":warning: {who} is no longer in <#{channel}>, where this delegate represents the "
        "circle. Select someone for it with `/role select {role}`.",
        who=mention(r.holder_id or ""), channel=r.represents_channel_id, role=name,
    )  # fmt: skip


def _summary_line(m: Messages, r: RoleSummary, problem: str | None = None) -> str:
    parts = [f"*{escape(one_line(r.name, 80))}*", holder_line(m, r)]
    if r.represents_channel_id:
        parts.append(m._("represents this circle in <#{channel}>", channel=r.represents_channel_id))
    if r.proposed:
        parts.append(m._("a new description is in a consent round"))
    line = " · ".join(parts)
    if r.purpose:
        line += "\n     " + escape(one_line(r.purpose, 200))
    if warning := delegate_problem(m, r, problem):
        line += "\n     " + warning
    return "• " + line


def role_list(
    m: Messages, channel_id: str, roles: list[RoleSummary], problems: dict[int, str] | None = None
) -> Rendered:
    """The circle's roles, vacant first, with what to type next."""
    if not roles:
        text = m._(
            "<#{channel}> has no roles yet. Propose one with `/role new`: the circle decides "
            "on its description by consent.",
            channel=channel_id,
        )
        return text, _dicts([_md(text)])
    title = m._("Roles of <#{channel}>", channel=channel_id)
    blocks: list[Block] = [_md(f"*{title}*")]
    lines = [_summary_line(m, r, (problems or {}).get(r.id)) for r in roles]
    for start in range(0, len(lines), PER_SECTION):
        blocks.append(_md("\n".join(lines[start : start + PER_SECTION])))
    blocks.append(
        _ctx(m._("`/role [name]`: one role in full, with its history · `/role new`: propose one"))
    )
    return title, _dicts(blocks[:MAX_BLOCKS])


def _version_line(m: Messages, v: VersionEntry) -> str:
    statuses = {
        "proposed": m._("in a consent round"),
        "current": m._("in force"),
        "superseded": m._("superseded"),
        "dropped": m._("dropped"),
        "declined": m._("not consented"),
    }
    text = m._("Version {n}: {status}", n=v.version, status=statuses.get(v.status, v.status))
    if v.proposal_number is not None:
        text += " " + m._("(proposal #{n})", n=v.proposal_number)
    if v.decided_at is not None:
        text += f", {v.decided_at.date().isoformat()}"
    return "• " + text


def _term_line(m: Messages, t: TermEntry) -> str:
    ends = t.ended_at.date() if t.ended_at is not None and t.ended_at.date() < t.ends else t.ends
    return "• " + m._(
        "{who}: {start} to {end}",
        who=mention(t.holder_id),
        start=t.starts.isoformat(),
        end=ends.isoformat(),
    )


def role_detail(
    m: Messages, d: RoleDetail, *, changeable: bool, problem: str | None = None
) -> Rendered:
    """One role in full: its description, holder and term, and its history; Evolve and Drop
    when it may be changed."""
    r = d.summary
    name = escape(one_line(r.name, 80))
    blocks: list[Block] = [
        _md("*" + m._("Role: {name}", name=name) + "* · " + holder_line(m, r)),
    ]
    if warning := delegate_problem(m, r, problem):
        blocks.append(_md(warning))
    if d.fields.purpose:
        blocks.append(_md(fields_markdown(m, d.fields)))
    facts = [m._("Term: {term}", term=term_label(m, d.term_months, d.term_until))]
    if d.review_date is not None:
        facts.append(m._("Review date: {date}", date=d.review_date.isoformat()))
    if r.represents_channel_id:
        facts.append(m._("represents this circle in <#{channel}>", channel=r.represents_channel_id))
    if d.status != "active":
        facts.append(m._("in a consent round") if d.status == "proposed" else m._("dropped"))
    blocks.append(_ctx(" · ".join(facts)))
    history = [_version_line(m, v) for v in d.versions[:10]]
    history += [_term_line(m, t) for t in d.terms[-10:]]
    if history:
        blocks.append(_md("*" + m._("History") + "*\n" + "\n".join(history)))
    if changeable:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=m._("Evolve"), action_id=ids.ACT_ROLE_EVOLVE, value=str(r.id)
                    ),
                    ButtonElement(
                        text=m._("Drop"),
                        action_id=ids.ACT_ROLE_DROP,
                        value=str(r.id),
                        style="danger",
                        confirm=ConfirmObject(
                            title=truncate(m._("Drop the role?"), 100),
                            text=truncate(
                                m._(
                                    "*{role}* ends now: its holder's term ends and its "
                                    "agreement is dropped. The channel is told.",
                                    role=name,
                                ),
                                300,
                            ),
                            confirm=m._("Drop"),
                            deny=m._("Cancel"),
                        ),
                    ),
                ]
            )
        )
    return m._("Role: {name}", name=name), _dicts(blocks)


def role_modal(
    m: Messages, meta: RoleMeta, *, review_date: date, deadline: datetime,
    initial: RoleDetail | None = None,
) -> dict:  # fmt: skip
    """The role form: a new role (name, term, delegate) or the next description of one."""
    blocks: list[Block] = []
    if initial is None:
        blocks.append(
            text_input(
                ids.IN_ROLE_NAME,
                m._("Name of the role"),
                optional=False,
                multiline=False,
                max_length=MAX_NAME_LENGTH,
                focus=True,
            )  # fmt: skip
        )
    else:
        role = escape(one_line(initial.summary.name, 80))
        blocks.append(_md("*" + m._("Role: {name}", name=role) + "*"))
    blocks += field_inputs(m, initial.fields if initial else None, review_date=review_date)
    if initial is None:
        options = [
            Option(value=str(n), text=m._("{n} months", n=n)) for n in TERM_MONTHS
        ]  # fmt: skip
        default = options[TERM_MONTHS.index(DEFAULT_TERM_MONTHS)]
        blocks += [
            InputBlock(
                block_id=ids.IN_ROLE_TERM[0], label=m._("Term"),
                hint=m._("How long someone holds the role once selected."),
                element=StaticSelectElement(
                    action_id=ids.IN_ROLE_TERM[1], options=options, initial_option=default
                ),
            ),
            InputBlock(
                block_id=ids.IN_ROLE_TERM_UNTIL[0], optional=True,
                label=m._("Or: terms end on"),
                hint=m._("A date instead of a length; it wins when both are given."),
                element=DatePickerElement(action_id=ids.IN_ROLE_TERM_UNTIL[1]),
            ),
            InputBlock(
                block_id=ids.IN_ROLE_REPRESENTS[0], optional=True,
                label=m._("A delegate: represents this circle in"),
                hint=m._(
                    "For a delegate (representative) only: the holder takes part in that "
                    "circle's consent rounds and may raise tensions there for this circle."
                ),
                element=ConversationSelectElement(
                    action_id=ids.IN_ROLE_REPRESENTS[1],
                    filter=ConversationFilter(include=["public", "private"],
                                              exclude_bot_users=True),
                ),
            ),
        ]  # fmt: skip
    blocks.append(
        InputBlock(
            block_id=ids.IN_DEADLINE[0],
            label=m._("Answer before"),
            hint=m._("The circle decides on the description by consent, until then."),
            element=DateTimePickerElement(
                action_id=ids.IN_DEADLINE[1], initial_date_time=int(deadline.timestamp())
            ),
        )
    )
    title = m._("Propose a role") if initial is None else m._("Evolve the role")
    return View(
        type="modal", callback_id=ids.CB_ROLE_MODAL, title=truncate(title, 24),
        submit=truncate(m._("Start the round"), 24), close=m._("Cancel"),
        private_metadata=meta.model_dump_json(), blocks=blocks,
    ).to_dict()  # fmt: skip


def round_text(m: Messages, name: str, fields: DomainFields, term: str | None) -> tuple[str, str]:
    """The consent round on a role's description: its title, and its text (plain)."""
    lines = [f"{field_label(m, n)}: {v}" for n, v in fields.filled()]
    if term:
        lines.append(m._("Term: {term}", term=term))
    text = "\n\n".join(lines)
    if len(text) > MAX_PROPOSAL_LENGTH:
        text = text[: MAX_PROPOSAL_LENGTH - 1] + "…"
    return truncate(m._("Role: {name}", name=name), MAX_TITLE_LENGTH), text


def role_dropped(m: Messages, name: str) -> str:
    """The confirmation to the person who dropped a role."""
    return m._("You dropped the role *{role}*; the channel is told.", role=escape(name))


def role_usage(m: Messages) -> str:
    """How to use `/role`."""
    return "\n".join(
        [
            m._("*Roles*"),
            m._("`/role`: the circle's roles, vacant ones first (only you see them)."),
            m._("`/role [name]`: one role in full, with its history; evolve or drop it there."),
            m._("`/role new`: propose a role; the circle decides on its description by consent."),
            m._(
                "`/role select [name]`: select someone for the role by consent: hidden "
                "nominations with reasons, the reveal, a change round, then a consent round on "
                "the nominee."
            ),
            m._("`/role help`: this help."),
        ]
    )
