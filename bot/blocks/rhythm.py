"""Block Kit builders for the governance meeting rhythm: the cadence form and the agenda (pure)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, get_day_names
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import ids
from bot.blocks.backlog import next_step_label
from bot.blocks.consent import long_date
from bot.blocks.evaluation import evaluation_lines
from bot.blocks.text import escape, mention, one_line, slack_date, truncate
from bot.blocks.values import AgendaValue
from bot.domain import meeting as rules_meeting
from bot.domain import rhythm as rules
from bot.domain.backlog import ItemView
from bot.domain.meeting import Appointed, Why
from bot.domain.rhythm import Cadence
from bot.i18n import Messages
from bot.services.views import Agenda, CadenceView

Rendered = tuple[str, list[dict]]
ITEM_LINE_CHARS = 180
AGREEMENT_TITLE_CHARS = 150
PER_SECTION = 10
SECTION_CHARS = 2900


def _dicts(blocks: list[Block]) -> list[dict]:
    return [b.to_dict() for b in blocks]


def _md(text: str, block_id: str | None = None) -> SectionBlock:
    return SectionBlock(block_id=block_id, text=MarkdownTextObject(text=truncate(text, 2900)))


def _ctx(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, 2900))])


def _zone(tz: str | None) -> ZoneInfo:
    try:
        return rules.zone(tz or "UTC")
    except rules.InvalidTimezone:
        return ZoneInfo("UTC")


def _valid_tz(tz: str) -> str | None:
    try:
        rules.zone(tz)
    except rules.InvalidTimezone:
        return None
    return tz


# ---------------------------------------------------------------- words


def every_label(m: Messages, every_weeks: int) -> str:
    """The interval in words: "every week", "every 2 weeks"."""
    return m.n_("every week", "every {n} weeks", every_weeks)


def weekday_name(m: Messages, weekday: int) -> str:
    """The name of a weekday (0 = Monday) in the reader's language."""
    return str(get_day_names("wide", locale=m.locale)[weekday])


def cadence_text(m: Messages, cadence: Cadence) -> str:
    """The rhythm in words: "every 2 weeks on Tuesday at 10:00 (Europe/Amsterdam)"."""
    return m._(
        "{every} on {weekday} at {time} ({tz})",
        every=every_label(m, cadence.every_weeks),
        weekday=weekday_name(m, cadence.weekday),
        time=cadence.time,
        tz=cadence.tz,
    )


def meeting_date(m: Messages, moment: datetime, tz: str | None) -> str:
    """The meeting's date and time as each reader's Slack shows it in their own timezone.

    The fallback (for clients that cannot) is the time in the meeting's timezone.
    """
    local = moment.astimezone(_zone(tz))
    fallback = format_datetime(local, "EEEE d MMMM y HH:mm", locale=m.locale)
    fallback = f"{fallback} ({tz or 'UTC'})".replace("|", " ").replace(">", " ")
    epoch = int(moment.timestamp())
    return f"<!date^{epoch}^{{date_long_pretty}} {{time}}|{fallback}>"


# ---------------------------------------------------------------- who facilitates, who records


def facilitator_line(m: Messages, a: Appointed) -> str:
    """Who facilitates the meeting, and why."""
    who = mention(a.user_id) if a.user_id else ""
    if a.why == Why.ROLE:
        role = escape(one_line(a.role or "", 80))
        return m._("*Facilitator:* {who}, who holds the role “{role}”", who=who, role=role)
    if a.why == Why.SETTINGS:
        return m._("*Facilitator:* {who}, chosen in `/meeting settings`", who=who)
    if a.user_id:
        return m._("*Facilitator:* {who}, who started the meeting", who=who)
    return m._(
        "*Facilitator:* whoever in the channel starts the meeting (no Facilitator role, "
        "nobody chosen in `/meeting settings`)"
    )


def secretary_line(m: Messages, a: Appointed) -> str:
    """Who records the meeting (and corrects its minutes), and why."""
    who = mention(a.user_id) if a.user_id else ""
    if a.why == Why.ROLE:
        role = escape(one_line(a.role or "", 80))
        return m._("*Secretary:* {who}, who holds the role “{role}”", who=who, role=role)
    if a.why == Why.SETTINGS:
        return m._("*Secretary:* {who}, chosen in `/meeting settings`", who=who)
    if a.user_id:
        return m._(
            "*Secretary:* {who}, the facilitator (no Secretary role, nobody chosen)", who=who
        )
    return m._(
        "*Secretary:* the facilitator (no Secretary role, nobody chosen in `/meeting settings`)"
    )


def people_lines(m: Messages, facilitator: Appointed | None, secretary: Appointed | None
                 ) -> list[str]:  # fmt: skip
    """The facilitator's and the secretary's lines, as far as known."""
    lines = [facilitator_line(m, facilitator)] if facilitator else []
    return lines + ([secretary_line(m, secretary)] if secretary else [])


# ---------------------------------------------------------------- the cadence form


def cadence_modal(
    m: Messages,
    *,
    metadata: str,
    channel_id: str,
    tz: str,
    current: CadenceView | None,
    first_on: date | None = None,
) -> dict:
    """The form choosing the channel's meeting rhythm; times are in the person's timezone.
    `first_on` (the next meeting's local date) fills in "first meeting on"."""
    every = current.cadence.every_weeks if current else rules.DEFAULT_EVERY_WEEKS
    same_zone = current is not None and current.cadence.tz == tz
    weekday = current.cadence.weekday if current and same_zone else rules.DEFAULT_WEEKDAY
    at = current.cadence.time if current and same_zone else rules.DEFAULT_TIME
    blocks: list[Block] = [*_cadence_intro(m, channel_id, current)]
    blocks += _cadence_inputs(m, every, weekday, at, tz)
    blocks.append(_first_input(m, first_on if same_zone else None))
    blocks += _meeting_inputs(m, current)
    blocks.append(
        _ctx(
            m._(
                "The first meeting is the day you pick (or the next such day); after it, the "
                "meetings follow the rhythm you chose. Change it any time with `/meeting settings`."
            )
        )
    )
    return View(
        type="modal",
        callback_id=ids.CB_MEETING_MODAL,
        title=PlainTextObject(text=truncate(m._("Governance meeting"), 24)),
        submit=PlainTextObject(text=truncate(m._("Save"), 24)),
        close=PlainTextObject(text=truncate(m._("Cancel"), 24)),
        private_metadata=metadata,
        blocks=blocks,
    ).to_dict()


def _cadence_intro(m: Messages, channel_id: str, current: CadenceView | None) -> list[Block]:
    """What the cadence form is for, and the rhythm the channel has now."""
    blocks: list[Block] = [
        _md(
            m._(
                "Choose when <#{channel}> holds its governance meeting. The day before each "
                "meeting I post the agenda in the channel: the top of the backlog with the next "
                "steps, and the agreements due for review.",
                channel=channel_id,
            )
        )
    ]
    if current is not None:
        now_text = m._("Now: {cadence}.", cadence=cadence_text(m, current.cadence))
        if current.next_meeting_at:
            now_text += " " + m._(
                "Next meeting: {when}.",
                when=meeting_date(m, current.next_meeting_at, current.cadence.tz),
            )
        blocks.append(_ctx(now_text))
    return blocks


def _cadence_inputs(m: Messages, every: int, weekday: int, at: str, tz: str) -> list[Block]:
    """The three inputs of the cadence form: how often, which day, what time."""
    every_options = [
        Option(value=str(n), label=truncate(every_label(m, n), 75))
        for n in range(rules.MIN_EVERY_WEEKS, rules.MAX_EVERY_WEEKS + 1)
    ]
    day_options = [Option(value=str(d), label=weekday_name(m, d)) for d in range(7)]
    return [
        InputBlock(
            block_id=ids.IN_MEETING_EVERY[0],
            label=m._("How often"),
            element=StaticSelectElement(
                action_id=ids.IN_MEETING_EVERY[1],
                placeholder=m._("Choose"),
                options=every_options,
                initial_option=every_options[every - rules.MIN_EVERY_WEEKS],
            ),
        ),
        InputBlock(
            block_id=ids.IN_MEETING_WEEKDAY[0],
            label=m._("Day of the week"),
            element=StaticSelectElement(
                action_id=ids.IN_MEETING_WEEKDAY[1],
                placeholder=m._("Choose"),
                options=day_options,
                initial_option=day_options[weekday],
            ),
        ),
        InputBlock(
            block_id=ids.IN_MEETING_TIME[0],
            label=m._("Time"),
            hint=m._("In your Slack timezone, {tz}.", tz=tz),
            element=TimePickerElement(
                action_id=ids.IN_MEETING_TIME[1], initial_time=at, timezone=_valid_tz(tz)
            ),
        ),
    ]


def _first_input(m: Messages, first_on: date | None) -> InputBlock:
    """The day of the series' first meeting, for a rhythm of every 2 to 4 weeks."""
    return InputBlock(
        block_id=ids.IN_MEETING_FIRST[0],
        optional=True,
        label=m._("First meeting on"),
        hint=m._(
            "Every 2 to 4 weeks: the day of the first meeting, on the day of the week above; "
            "the series follows from it. Empty: the next such day. A weekly rhythm needs none."
        ),
        element=DatePickerElement(
            action_id=ids.IN_MEETING_FIRST[1],
            initial_date=first_on.isoformat() if first_on else None,
        ),
    )


def _meeting_inputs(m: Messages, current: CadenceView | None) -> list[Block]:
    """How long a meeting lasts, who facilitates it, and stopping the meetings."""
    duration = current.duration_minutes if current else rules_meeting.DEFAULT_DURATION_MINUTES
    facilitator = current.facilitator_id if current else None
    return [
        InputBlock(
            block_id=ids.IN_MEETING_DURATION[0],
            label=m._("Length in minutes"),
            hint=m._("At most 480 (8 hours)."),
            element=PlainTextInputElement(
                action_id=ids.IN_MEETING_DURATION[1], initial_value=str(duration), max_length=5
            ),
        ),
        InputBlock(
            block_id=ids.IN_MEETING_FACILITATOR[0],
            optional=True,
            label=m._("Facilitator"),
            hint=m._("Only they start the meeting. Nobody chosen: anyone in the channel can."),
            element=UserSelectElement(
                action_id=ids.IN_MEETING_FACILITATOR[1],
                placeholder=m._("Choose"),
                initial_user=facilitator,
            ),
        ),
        InputBlock(
            block_id=ids.IN_MEETING_SECRETARY[0],
            optional=True,
            label=m._("Secretary"),
            hint=m._(
                "They record the meeting and can correct its minutes until the next meeting "
                "consents to them. Nobody chosen: the facilitator."
            ),
            element=UserSelectElement(
                action_id=ids.IN_MEETING_SECRETARY[1],
                placeholder=m._("Choose"),
                initial_user=current.secretary_id if current else None,
            ),
        ),
        InputBlock(
            block_id=ids.IN_MEETING_STOP[0],
            optional=True,
            label=m._("Stop"),
            element=CheckboxesElement(
                action_id=ids.IN_MEETING_STOP[1],
                options=[
                    Option(
                        value="stop",
                        label=truncate(
                            m._("Stop the meetings: no more meetings or agendas until set again"),
                            75,
                        ),
                    )
                ],
            ),
        ),
    ]


def cadence_set(m: Messages, user_id: str, view: CadenceView) -> Rendered:
    """The public note that the channel's meeting rhythm was set."""
    text = m._(
        "{user} set the governance meeting of <#{channel}>: {cadence}.",
        user=mention(user_id),
        channel=view.channel_id,
        cadence=cadence_text(m, view.cadence),
    )
    if view.next_meeting_at:
        text += " " + m._(
            "Next meeting: {when}.", when=meeting_date(m, view.next_meeting_at, view.cadence.tz)
        )
    tip = m._(
        "I post the agenda here the day before each meeting. See it now with `/tension agenda`."
    )
    blocks: list[Block] = [_md(":calendar: " + text), _ctx(tip)]
    return text, _dicts(blocks)


# ---------------------------------------------------------------- the agenda


def _review_line(m: Messages, number: int, title: str, review: date, today: date) -> str:
    if review < today:
        when = m._("review overdue since {date}", date=long_date(m, review))
    elif review == today:
        when = m._("review due today")
    else:
        when = m._("review on {date}", date=long_date(m, review))
    return m._(
        "#{number} {title}: {when}",
        number=number,
        title=escape(one_line(title, AGREEMENT_TITLE_CHARS)),
        when=when,
    )


def _item_line(m: Messages, item: ItemView) -> str:
    line = m._(
        "*{rank}.* #{number} {text} → _{step}_",
        rank=item.rank,
        number=item.number,
        text=escape(one_line(item.text, ITEM_LINE_CHARS)),
        step=next_step_label(m, item.next_step),
    )
    if item.estimate_minutes:
        line += " · " + m._("{n} min", n=item.estimate_minutes)
    if item.intended_outcome:
        outcome = escape(one_line(item.intended_outcome, ITEM_LINE_CHARS))
        line += "\n      " + m._("intended outcome: {outcome}", outcome=outcome)
    return line


def _agenda_learnings(m: Messages, agenda: Agenda) -> list[Block]:
    """What the last meeting's evaluation taught, looked at before this one."""
    if agenda.learnings is None:
        return []
    heading = m._(
        "Learnings from the last meeting ({date})", date=long_date(m, agenda.learnings.local_date)
    )
    lines = evaluation_lines(m, agenda.learnings.summary)
    return [_md("*" + heading + "*")] + _sections(lines)


def _sections(lines: list[str]) -> list[Block]:
    return [
        _md("\n".join(lines[start : start + PER_SECTION]))
        for start in range(0, len(lines), PER_SECTION)
    ]


def agenda_objection_blocks(m: Messages, channel_id: str, meeting_at: datetime) -> list[Block]:
    """The agenda's "Object to the agenda" button, for anyone in the circle, before the meeting."""
    value = AgendaValue(channel_id=channel_id, meeting_at=int(meeting_at.timestamp())).dump()
    button = ButtonElement(
        action_id=ids.ACT_AGENDA_OBJECT, text=m._("Object to the agenda"), value=value
    )
    return [
        ActionsBlock(block_id=ids.BLOCK_AGENDA_OBJECT, elements=[button]),
        _ctx(
            m._(
                "An objection to the agenda carries its reason; the facilitator sees it at the meeting."
            )
        ),
    ]


def _objecting(m: Messages, agenda: Agenda) -> list[Block]:
    if agenda.meeting_at is None:
        return []
    return agenda_objection_blocks(m, agenda.channel_id, agenda.meeting_at)


def _agenda_intro(m: Messages, agenda: Agenda) -> tuple[str, str]:
    """The agenda's opening lines (when, how often, who facilitates and records) and its
    fallback text."""
    channel = agenda.channel_id
    if agenda.meeting_at is not None:
        tz = agenda.cadence.tz if agenda.cadence else None
        when = meeting_date(m, agenda.meeting_at, tz)
        intro = m._("Governance meeting of <#{channel}>: *{when}*", channel=channel, when=when)
        if agenda.cadence:
            intro += "\n" + m._("Meets {cadence}.", cadence=cadence_text(m, agenda.cadence))
        intro += "".join("\n" + line for line in people_lines(m, agenda.facilitator,
                                                                agenda.secretary))  # fmt: skip
        fallback = m._(
            "Agenda of the governance meeting of <#{channel}> on {when}", channel=channel, when=when
        )
    else:
        intro = m._(
            "No governance meeting is planned for <#{channel}> yet. Choose its rhythm with "
            "`/tension meeting`.",
            channel=channel,
        )
        fallback = m._("Governance agenda of <#{channel}>", channel=channel)
    return intro, fallback


def agenda_message(m: Messages, agenda: Agenda) -> Rendered:
    """The agenda of the next governance meeting, posted in the channel."""
    blocks: list[Block] = [HeaderBlock(text=truncate(m._("Governance meeting agenda"), 150))]
    intro, fallback = _agenda_intro(m, agenda)
    blocks += [_md(intro, block_id=ids.BLOCK_AGENDA_MEETING), DividerBlock()]

    blocks.append(_md("*" + m._("Backlog: the top items and their next steps") + "*"))
    if agenda.items:
        blocks += _sections([_item_line(m, item) for item in agenda.items])
        more = agenda.open_count - len(agenda.items)
        if more > 0:
            blocks.append(
                _ctx(
                    m.n_(
                        "…and {n} more item on the backlog: `/tension list`.",
                        "…and {n} more items on the backlog: `/tension list`.",
                        more,
                    )
                )
            )
    else:
        blocks.append(
            _md(m._("The backlog is empty. Raise a tension with `/tension [what you notice]`."))
        )

    if agenda.meeting_at is not None:
        heading = m._(
            "Agreements due for review by {date}", date=long_date(m, agenda.review_cutoff)
        )
    else:
        heading = m._("Agreements due for review")
    blocks.append(_md("*" + heading + "*"))
    if agenda.agreements:
        lines = [
            _review_line(m, a.number, a.title, a.review_date, agenda.today)
            for a in agenda.agreements
        ]
        blocks += _sections(lines)
        if agenda.more_agreements:
            blocks.append(
                _ctx(
                    m.n_(
                        "…and {n} more agreement: `/agreements`.",
                        "…and {n} more agreements: `/agreements`.",
                        agenda.more_agreements,
                    )
                )
            )
    else:
        blocks.append(_md(m._("No agreement comes up for review.")))
    blocks += _agenda_roles(m, agenda) + _agenda_rounds(m, agenda) + _agenda_learnings(m, agenda)
    blocks += _objecting(m, agenda)

    blocks += [
        DividerBlock(),
        _ctx(
            m._(
                "In S3's governance meeting the circle decides how it does its work: it "
                "describes drivers, forms proposals, decides by consent and reviews its "
                "agreements. Work through the backlog in rank order."
            )
        ),
    ]
    return fallback, _dicts(blocks)


def _agenda_rounds(m: Messages, agenda: Agenda) -> list[Block]:
    """Rounds sent to the meeting and contested objections, each with its open objections."""
    if not agenda.rounds:
        return []
    lines: list[str] = []
    for r in agenda.rounds:
        line = m._(
            "*P{number} v{version}* {title} (proposed by {author})",
            number=r.proposal_number, version=r.version,
            title=escape(one_line(r.title, ITEM_LINE_CHARS)), author=mention(r.author_id),
        )  # fmt: skip
        if r.sent:
            line += " · " + m._("sent by its author")
        for o in r.objections[:5]:
            reason = escape(one_line(o.reason, ITEM_LINE_CHARS))
            line += "\n      " + (
                m._("contested objection by {who}: {reason}", who=mention(o.user_id), reason=reason)
                if o.contested
                else m._("objection by {who}: {reason}", who=mention(o.user_id), reason=reason)
            )
        if not r.objections:
            line += "\n      " + m._("no open objection")
        lines.append(line)
    heading = m._("Sent to this meeting: proposals and contested objections")
    return [_md("*" + heading + "*"), *_sections(lines)]


def _agenda_roles(m: Messages, agenda: Agenda) -> list[Block]:
    """Roles whose terms end by the meeting, and selections still open (only when there are)."""
    lines = [
        m._(
            "*{role}*: {holder}'s term ends on {date}; select someone for the next term",
            role=escape(one_line(r.name, 80)),
            holder=mention(r.holder_id or ""),
            date=long_date(m, r.term_end),
        )
        for r in agenda.terms_ending
        if r.term_end is not None
    ]
    lines += [
        m._(
            "*{role}*: selection open, nominations until {when}",
            role=escape(one_line(s.role_name, 80)),
            when=slack_date(s.until),
        )
        if s.status == "nominating"
        else m._(
            "*{role}*: nominations revealed, changes until {when}",
            role=escape(one_line(s.role_name, 80)),
            when=slack_date(s.until),
        )
        for s in agenda.selections
    ]
    if not lines:
        return []
    return [_md("*" + m._("Roles: terms ending and selections") + "*"), *_sections(lines)]


# ---------------------------------------------------------------- replies


def cannot_post(m: Messages) -> str:
    """The bot may not post the agenda in this channel."""
    return m._(
        "I cannot post in this channel. Invite me with `/invite @S3 Governance` so the circle "
        "sees its agenda."
    )
