"""The logbook out of Slack: Markdown, CSV and iCalendar exports of one workspace.

`load_logbook` reads a consistent snapshot of a workspace (optionally one channel) in a single
transaction; `to_markdown`, `to_csv` and `to_ics` are pure functions of that snapshot. The time of
the export is passed in, never read here. No Slack API is called: people appear as `@U...`.

The iCalendar feed is written by hand (RFC 5545: TEXT escaping, CRLF, 75-octet folding) rather
than with a library: it is a handful of properties, and the bot keeps no runtime dependency for
it. The tests check it with the `icalendar` parser.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.backlog import next_step_label
from bot.blocks.domains import field_label
from bot.domain.backlog import ItemView, NextStep
from bot.domain.domains import DomainFields
from bot.domain.meeting import DEFAULT_DURATION_MINUTES, Outcome
from bot.domain.review import AgreementStatus
from bot.i18n import Messages, messages
from bot.services.agreements import AgreementView, HistoryEntry
from bot.services.agreements import _view as agreement_view
from bot.services.meeting import view_in as meeting_view
from bot.services.views import MeetingView
from bot.store import agreements_repo, backlog_repo, export_repo, meeting_repo
from bot.store.db import transaction
from bot.store.models import Circle, DomainDescription, Role

Factory = sessionmaker[Session]
FORMATS = ("md", "csv", "roles-csv", "ics")

CSV_COLUMNS = (
    "team_id",
    "channel_id",
    "number",
    "version",
    "status",
    "title",
    "text",
    "driver",
    "responsibilities",
    "evaluation",
    "concerns",
    "people_responsible",
    "review_date",
    "created_at",
    "round_id",
)


ROLE_CSV_COLUMNS = (
    "team_id",
    "channel_id",
    "role",
    "purpose",
    "holder",
    "term_start",
    "term_end",
    "term",
    "represents_channel_id",
    "review_date",
)


class ExportError(Exception):
    """Nothing to export under that name; the message says what was not found."""


class UnknownTeam(ExportError):
    """The database holds no workspace with this team id."""


class UnknownChannel(ExportError):
    """The workspace has no backlog or agreements in this channel."""


@dataclass(frozen=True)
class DomainRecord:
    """A circle's domain description in force."""

    version: int
    review_date: date
    fields: DomainFields


@dataclass(frozen=True)
class RoleRecord:
    """A role in force: what it is for, who holds it until when, where it represents its circle."""

    id: int
    team_id: str
    channel_id: str
    name: str
    holder_id: str | None
    term_start: date | None
    term_end: date | None
    term_months: int | None
    term_until: date | None
    represents_channel_id: str | None
    review_date: date | None
    fields: DomainFields | None

    @property
    def purpose(self) -> str:
        return self.fields.purpose if self.fields else ""

    @property
    def term(self) -> str:
        """How long a term of this role is."""
        if self.term_months:
            return f"{self.term_months} months"
        return f"until {self.term_until.isoformat()}" if self.term_until else ""


@dataclass(frozen=True)
class MeetingSeries:
    """A circle's governance meeting rhythm: every N weeks on a weekday at a local time."""

    team_id: str
    channel_id: str
    every_weeks: int
    weekday: int  # 0 = Monday
    time: str  # "HH:MM", local
    tz: str
    next_at: datetime  # the next meeting (UTC)
    duration_minutes: int
    facilitator_id: str | None = None


@dataclass(frozen=True)
class ChannelLog:
    """One channel's agreements (all statuses, with history), its open backlog, its domain
    description, roles and parent circle."""

    channel_id: str
    agreements: list[AgreementView] = field(default_factory=list)
    backlog: list[ItemView] = field(default_factory=list)
    domain: DomainRecord | None = None
    roles: list[RoleRecord] = field(default_factory=list)
    parent: str | None = None
    children: list[str] = field(default_factory=list)
    meetings: list[MeetingView] = field(default_factory=list)  # closed ones, oldest first
    series: MeetingSeries | None = None

    @property
    def in_force(self) -> list[AgreementView]:
        """Agreements in force, by number."""
        return [a for a in self.agreements if a.status is AgreementStatus.ACTIVE]

    @property
    def dropped(self) -> list[AgreementView]:
        """Agreements no longer in force, by number."""
        return [a for a in self.agreements if a.status is not AgreementStatus.ACTIVE]


@dataclass(frozen=True)
class Logbook:
    """A snapshot of a workspace's governance, channel by channel."""

    team_id: str
    channel_id: str | None
    channels: list[ChannelLog]

    @property
    def agreements(self) -> list[AgreementView]:
        """Every agreement, by channel and number."""
        return [a for ch in self.channels for a in ch.agreements]

    @property
    def roles(self) -> list[RoleRecord]:
        """Every role in force, by channel and name."""
        return [r for ch in self.channels for r in ch.roles]

    @property
    def series(self) -> list[MeetingSeries]:
        """Every circle's governance meeting series, by channel."""
        return [ch.series for ch in self.channels if ch.series is not None]


# ---------------------------------------------------------------- reading


def load_logbook(factory: Factory, *, team_id: str, channel_id: str | None = None) -> Logbook:
    """Read the workspace's agreements and open backlogs in one transaction.

    Raises UnknownTeam when the workspace is not in the database, and UnknownChannel when a
    channel is asked for that has neither a backlog nor agreements in this workspace.
    """
    with transaction(factory) as session:
        export_repo.take_snapshot(session)  # one snapshot for every query below
        if not export_repo.workspace_exists(session, team_id):
            raise UnknownTeam(f"no workspace {team_id} in this database")
        channels = export_repo.channels_with_records(session, team_id, channel_id)
        if channel_id and channel_id not in channels:
            raise UnknownChannel(f"no backlog or agreements in channel {channel_id} of {team_id}")
        by_channel: dict[str, list[AgreementView]] = {c: [] for c in channels}
        for a in agreements_repo.all_of(session, team_id, channel_id):
            by_channel[a.channel_id].append(agreement_view(session, a, history=True))
        parents = export_repo.parents(session, team_id)
        domains = export_repo.current_domains(session, team_id)
        roles: dict[str, list[RoleRecord]] = {c: [] for c in channels}
        for role, description in export_repo.roles(session, team_id):
            if role.channel_id in roles:
                roles[role.channel_id].append(_role_record(role, description))
        meetings: dict[str, list[MeetingView]] = {c: [] for c in channels}
        for m in meeting_repo.closed_in(session, team_id, channel_id):
            if m.channel_id in meetings:
                meetings[m.channel_id].append(meeting_view(session, m))
        series = {
            c.channel_id: _series(c)
            for c in export_repo.meeting_series(session, team_id, channel_id)
        }
        logs = []
        for c in channels:
            total = backlog_repo.open_count(session, team_id, c)
            items = backlog_repo.open_views(session, team_id, c, limit=total) if total else []
            domain = domains.get(c)
            logs.append(
                ChannelLog(
                    c,
                    by_channel[c],
                    items,
                    domain=_domain_record(domain) if domain else None,
                    roles=roles[c],
                    parent=parents.get(c),
                    children=sorted(child for child, p in parents.items() if p == c),
                    meetings=meetings[c],
                    series=series.get(c),
                )
            )
        return Logbook(team_id=team_id, channel_id=channel_id, channels=logs)


def _series(c: Circle) -> MeetingSeries:
    return MeetingSeries(
        team_id=c.team_id,
        channel_id=c.channel_id,
        every_weeks=c.meeting_every_weeks or 1,
        weekday=c.meeting_weekday or 0,
        time=c.meeting_time or "00:00",
        tz=c.meeting_tz or "UTC",
        next_at=c.next_meeting_at,  # type: ignore[arg-type]  # the query keeps planned ones
        duration_minutes=c.meeting_duration_minutes or DEFAULT_DURATION_MINUTES,
        facilitator_id=c.meeting_facilitator_id,
    )


def _fields(d: DomainDescription) -> DomainFields:
    return DomainFields(**{name: getattr(d, name) for name in DomainFields.names()})


def _domain_record(d: DomainDescription) -> DomainRecord:
    return DomainRecord(version=d.version, review_date=d.review_date, fields=_fields(d))


def _role_record(role: Role, d: DomainDescription | None) -> RoleRecord:
    return RoleRecord(
        id=role.id,
        team_id=role.team_id,
        channel_id=role.channel_id,
        name=role.name,
        holder_id=role.holder_id,
        term_start=role.term_start,
        term_end=role.term_end,
        term_months=role.term_months,
        term_until=role.term_until,
        represents_channel_id=role.represents_channel_id,
        review_date=d.review_date if d else None,
        fields=_fields(d) if d else None,
    )


def export(
    factory: Factory,
    *,
    team_id: str,
    channel_id: str | None,
    fmt: str,
    now: datetime,
    raw: bool = False,
) -> str:
    """The workspace's logbook in one of FORMATS (`raw`: CSV cells exactly as stored)."""
    renderers: dict[str, Callable[[Logbook, datetime], str]] = {
        "md": to_markdown,
        "csv": lambda log, _now: to_csv(log, raw=raw),
        "roles-csv": lambda log, _now: roles_csv(log, raw=raw),
        "ics": to_ics,
    }
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    return renderers[fmt](load_logbook(factory, team_id=team_id, channel_id=channel_id), now)


# ---------------------------------------------------------------- Markdown

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
_MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_MD_LINE_START = re.compile(r"^([#>+=-]|\d+(?=[.)]))")


def md_escape(text: str) -> str:
    """Escape one line of user text so Markdown shows it literally (tables included).

    Inline markup (emphasis, code, links, HTML, table pipes, entities) is escaped everywhere;
    what only matters at the start of a line (headings, quotes, lists) is escaped there.
    """
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_ENTITY.sub(r"\\&", text)
    match = _MD_LINE_START.match(text)
    if match is None:
        return text
    if match.group(1).isdigit():  # "1." or "1)" would start an ordered list
        end = match.end()
        return text[:end] + "\\" + text[end:]
    return "\\" + text


def md_block(text: str, indent: str = "") -> str:
    """Multi-line user text as a paragraph keeping its line breaks (hard breaks).

    Lines are stripped, so indentation cannot turn into a code block; `indent` continues the
    paragraph inside a list item.
    """
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out = []
    for n, line in enumerate(lines):
        if not line:
            out.append("")
            continue
        more = n + 1 < len(lines) and lines[n + 1]
        out.append((indent if n else "") + md_escape(line) + ("\\" if more else ""))
    return "\n".join(out)


def md_cell(text: str) -> str:
    """User text in a table cell: escaped, line breaks as <br>."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br>".join(md_escape(line.strip()) for line in lines)


def _person(user_id: str | None) -> str:
    return "@" + md_escape(user_id) if user_id else "the bot"


def _people(user_ids: Iterable[str]) -> str:
    return ", ".join(_person(u) for u in user_ids)


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _history_line(e: HistoryEntry) -> str:
    d, who = e.detail, _person(e.actor_id)
    if e.action == "agreed":
        line = f"agreed, review date {d.get('review_date', '?')}"
        if d.get("round_id"):
            line += f" (consent round {d['round_id']})"
        return line
    if e.action == "recorded":
        return f"recorded by {who}"
    if e.action == "kept":
        return f"kept by {who}; next review {d.get('next', '?')} (was {d.get('previous', '?')})"
    if e.action == "evolved":  # the detail keeps the version it replaced
        line = f"evolved by consent ({who}): version {d.get('version', '?')} replaced"
        if d.get("round_id"):
            line += f" in consent round {d['round_id']}"
        if d.get("title"):
            line += f"; it was titled “{md_escape(str(d['title']))}”"
        if d.get("review_date"):
            line += f", review date {d['review_date']}"
        if d.get("text"):
            line += ", and read:\n\n  " + md_block(str(d["text"]), indent="  ")
        return line
    if e.action == "dropped":
        return f"dropped by {who}: " + md_block(str(d.get("reason", "")), indent="  ")
    if e.action == "snoozed":
        return f"{who} snoozed the review reminder until {d.get('until', '?')}"
    if e.action == "nudged":
        return (
            f"review reminder ({md_escape(str(d.get('stage', '?')))}) sent to "
            f"{_person(d.get('to'))}"
        )
    return f"{md_escape(e.action)} by {who}"


@dataclass(frozen=True)
class Style:
    """How one channel's logbook is written: in which language, how people and channels
    appear, with each agreement's history or not, and how much of the backlog."""

    m: Messages
    person: Callable[[str], str] = lambda u: "@" + md_escape(u)
    channel: Callable[[str], str] = lambda c: "#" + md_escape(c)
    history: bool = True
    backlog_limit: int | None = None  # None: all of it

    def who(self, user_id: str | None) -> str:
        """A person, or the bot when nobody is named."""
        return self.person(user_id) if user_id else self.m._("the bot")

    def people(self, user_ids: Iterable[str]) -> str:
        return ", ".join(self.who(u) for u in user_ids)


def export_style() -> Style:
    """The Markdown export's: English, people as `@U...`, everything."""
    return Style(messages("en"))


def _item(label: str, value: object) -> str:
    return "- **" + label + ":** " + str(value)


def _review(m: Messages, review_date: date, today: date) -> str:
    if review_date < today:
        return m._(
            "{date} (overdue by {days} days)",
            date=review_date.isoformat(), days=(today - review_date).days,
        )  # fmt: skip
    return review_date.isoformat()


def _md_agreement(a: AgreementView, today: date, s: Style) -> list[str]:
    m = s.m
    people = (
        s.people(a.responsible_ids)
        if a.responsible_ids
        else m._("nobody named; reminders go to the author, {person}", person=s.who(a.author_id))
    )
    recorded = m._("{stamp} by {person}", stamp=_stamp(a.created_at), person=s.who(a.author_id))
    out = [
        f"#### #{a.number} {md_escape(a.title)}",
        "",
        _item(m._("Version"), a.version),
        _item(m._("Review date"), _review(m, a.review_date, today)),
        _item(m._("People responsible"), people),
        _item(m._("Recorded"), recorded),
        "",
    ]
    sections = [
        (m._("Driver"), a.driver),
        (m._("Agreement"), a.text),
        (m._("Who is responsible for what"), a.responsibilities),
        (m._("Evaluation criteria"), a.evaluation),
    ]
    for heading, body in sections:
        if body:
            out += ["**" + heading + "**", "", md_block(body), ""]
    if a.concerns:
        out += ["**" + m._("Concerns recorded at consent") + "**", ""]
        for c in a.concerns:
            reason = md_block(str(c.get("reason") or "…"), indent="  ")
            out.append("- " + s.who(c.get("user")) + ": " + reason)
        out.append("")
    if a.history and s.history:
        out += ["**History**", ""]
        out += [f"- {_stamp(e.at)}: {_history_line(e)}" for e in a.history]
        out.append("")
    return out


def _md_dropped(a: AgreementView, s: Style) -> str:
    ended = next((e for e in reversed(a.history) if e.action == "dropped"), None)
    version = s.m._("(version {version})", version=a.version)
    line = f"- #{a.number} {md_escape(a.title)} {version}"
    if ended is None:
        return line + f": {md_escape(a.status.value)}"
    reason = md_block(str(ended.detail.get("reason", "")), indent="  ")
    dropped = s.m._(
        "dropped {date} by {person}: {reason}",
        date=ended.at.astimezone(UTC).date().isoformat(), person=s.who(ended.actor_id),
        reason=reason,
    )  # fmt: skip
    return line + ": " + dropped


def md_register(ch: ChannelLog, today: date, s: Style) -> list[str]:
    """A channel's agreements in force (with their review dates), the dropped ones and its
    open backlog (the top of it, with `backlog_limit`): written alike by the Markdown export
    and the channel's canvas."""
    m = s.m
    out = ["### " + m._("Agreements in force"), ""]
    if not ch.in_force:
        out += [m._("None."), ""]
    for a in ch.in_force:
        out += _md_agreement(a, today, s)
    out += ["### " + m._("Dropped agreements"), ""]
    out += [_md_dropped(a, s) for a in ch.dropped] or [m._("None.")]
    out += ["", "### " + m._("Open governance backlog"), ""]
    shown = ch.backlog if s.backlog_limit is None else ch.backlog[: s.backlog_limit]
    if shown:
        out += [
            m._("| rank | # | tension | raised by | date |"),
            "| ---: | ---: | --- | --- | --- |",
        ]
        out += [
            f"| {i.rank} | {i.number} | {md_cell(i.text)} | {s.who(i.author_id)} "
            f"| {i.created_at.astimezone(UTC).date().isoformat()} |"
            for i in shown
        ]
        if len(ch.backlog) > len(shown):
            more = len(ch.backlog) - len(shown)
            out += ["", m._("…and {n} more on the backlog.", n=more)]
    else:
        out.append(m._("Empty."))
    out.append("")
    return out


def to_markdown(log: Logbook, now: datetime) -> str:
    """The logbook as Markdown: per channel, agreements in force, dropped ones, the open backlog."""
    today = now.astimezone(UTC).date()
    scope = f", channel #{md_escape(log.channel_id)}" if log.channel_id else ""
    out = [
        f"# Governance logbook of workspace {md_escape(log.team_id)}{scope}",
        "",
        f"Exported {_stamp(now)}. People appear by Slack user id.",
        "",
    ]
    if not log.channels:
        out += ["No channel of this workspace has a backlog or agreements yet.", ""]
    out += _md_structure(log)
    for ch in log.channels:
        out += [f"## Channel #{md_escape(ch.channel_id)}", ""]
        style = export_style()
        out += md_domain(ch, today, style) + _md_roles(ch)
        out += md_register(ch, today, style)
        out += _md_meetings(ch)
    return "\n".join(out).rstrip("\n") + "\n"


def _md_outcome(m: MeetingView, n: int) -> str:
    h = m.handled[n]
    what = f"#{h.number} {md_escape(' '.join(h.text.split()))}"
    what = f"Proposal {what}" if h.proposal else what
    if h.outcome == Outcome.NEXT_STEP:
        step = NextStep(h.next_step) if h.next_step else None
        result = "next step: " + next_step_label(messages("en"), step)
        result += f" (due {h.due_date.isoformat()})" if h.due_date else ""
    elif h.outcome == Outcome.DISMISSED:
        result = "dismissed: " + md_block(h.reason or "", indent="    ")
    elif h.outcome == Outcome.SKIPPED:
        result = "skipped"
    elif h.outcome == Outcome.SELECTION:
        result = "selection started for " + md_escape(h.reason or "?")
    elif h.outcome == Outcome.PASSED_ON:
        result = "passed on to #" + md_escape(h.reason or "?")
    elif h.outcome == Outcome.RESOLVED:
        result = "the contested objection resolved"
    elif h.outcome == Outcome.AGREED:
        result = f"agreed by quick consent: agreement #{md_escape(h.reason or '?')}"
    elif h.outcome == Outcome.PROPOSED:
        result = f"proposal formed: consent round on proposal #{md_escape(h.reason or '?')}"
    else:
        result = "discussed, no outcome recorded"
    return f"  - {what} → {result}"


def _md_meeting(m: MeetingView) -> list[str]:
    if m.ended_at and m.ended_by is None:
        ended = f"{_stamp(m.ended_at)}, left open and closed by the bot"
    else:
        ended = f"{_stamp(m.ended_at)} by {_person(m.ended_by)}" if m.ended_at else "not yet"
    out = [
        f"#### Meeting of {m.local_date.isoformat()}",
        "",
        f"- **Facilitator:** {_person(m.facilitator_id)}",
        f"- **Started:** {_stamp(m.started_at)}; **ended:** {ended}",
        f"- **Checked in:** {_people(m.attendees) or 'nobody'}",
        "- **Items:**" + ("" if m.handled else " none handled"),
    ]
    out += [_md_outcome(m, n) for n in range(len(m.handled))]
    if m.rounds_started:
        out.append("- **Consent rounds started:**")
        out += [
            f"  - Proposal #{r.proposal_number} {md_escape(' '.join(r.title.split()))}"
            for r in m.rounds_started
        ]
    summary = m.evaluation
    if summary is None:
        out.append("- **Evaluation:** nobody evaluated the meeting")
    else:
        people = "person" if summary.count == 1 else "people"
        out.append(
            f"- **Evaluation:** {summary.count} {people}, average rating {summary.average:.1f} of 5"
        )
        for label, lines in (
            ("More of", summary.more_of),
            ("Less of", summary.less_of),
            ("Keep", summary.keep),
        ):
            out += [f"  - {label}: {md_block(line, indent='    ')}" for line in lines]
    return out + [""]


def _md_meetings(ch: ChannelLog) -> list[str]:
    out = ["### Governance meetings", ""]
    if ch.series is not None:
        s = ch.series
        out += [
            f"Every {s.every_weeks} week(s) on {WEEKDAYS[s.weekday]} at {s.time} "
            f"({md_escape(s.tz)}), {s.duration_minutes} minutes; next: {_stamp(s.next_at)}.",
            "",
        ]
    if not ch.meetings:
        return out + ["No minutes yet.", ""]
    for m in ch.meetings:
        out += _md_meeting(m)
    return out


def md_domain(ch: ChannelLog, today: date, s: Style) -> list[str]:
    """A channel's domain description in force, its parent circle and sub-circles."""
    m = s.m
    out = ["### " + m._("Domain"), ""]
    links = []
    if ch.parent:
        links.append(_item(m._("Parent circle"), s.channel(ch.parent)))
    if ch.children:
        links.append(_item(m._("Sub-circles"), ", ".join(s.channel(c) for c in ch.children)))
    if ch.domain is None:
        out += [m._("No domain description in force."), ""]
        return out + (links + [""] if links else [])
    review = _review(m, ch.domain.review_date, today)
    out += [_item(m._("Version"), ch.domain.version), _item(m._("Review date"), review)]
    out += [*links, ""]
    for name, text in ch.domain.fields.filled():
        out += ["**" + field_label(m, name) + "**", "", md_block(text), ""]
    return out


def _md_roles(ch: ChannelLog) -> list[str]:
    out = ["### Roles", ""]
    if not ch.roles:
        return out + ["None.", ""]
    out += [
        "| role | purpose | held by | term | term ends | represents the circle in |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in sorted(ch.roles, key=lambda r: (r.holder_id is not None, r.name.casefold())):
        out.append(
            f"| {md_cell(r.name)} | {md_cell(r.purpose)} "
            f"| {_person(r.holder_id) if r.holder_id else 'vacant'} | {md_cell(r.term)} "
            f"| {r.term_end.isoformat() if r.term_end and r.holder_id else ''} "
            f"| {'#' + md_escape(r.represents_channel_id) if r.represents_channel_id else ''} |"
        )
    return out + [""]


def mermaid_label(text: str) -> str:
    """Text inside a quoted Mermaid label: quotes and backticks as entity codes, one line."""
    text = " ".join(text.split())
    return text.replace("#", "#35;").replace('"', "#quot;").replace("`", "#96;")


def _node(channel_id: str) -> str:
    return "c_" + re.sub(r"[^A-Za-z0-9_]", "_", channel_id)


def to_mermaid(log: Logbook) -> str | None:
    """Circles as nodes, each parent delegating a domain to its sub-circle, and each delegate
    role as a dotted link back to the circle it represents its own in; None without links."""
    edges: list[str] = []
    nodes: set[str] = set()
    for ch in log.channels:
        if ch.parent:
            nodes |= {ch.parent, ch.channel_id}
            edges.append(f"  {_node(ch.parent)} -->|delegates a domain| {_node(ch.channel_id)}")
        for r in ch.roles:
            if r.represents_channel_id:
                nodes |= {ch.channel_id, r.represents_channel_id}
                who = f" ({r.holder_id})" if r.holder_id else " (vacant)"
                edges.append(
                    f'  {_node(ch.channel_id)} -. "{mermaid_label(r.name + who)}" .-> '
                    f"{_node(r.represents_channel_id)}"
                )
    if not edges:
        return None
    lines = ["graph TD"]
    lines += [f'  {_node(c)}["{mermaid_label("#" + c)}"]' for c in sorted(nodes)]
    return "\n".join(lines + edges)


def _md_structure(log: Logbook) -> list[str]:
    diagram = to_mermaid(log)
    if diagram is None:
        return []
    return [
        "## Circles and delegates",
        "",
        "Solid arrows: a circle delegates a domain to a sub-circle. Dotted: a delegate role "
        "represents its circle in another.",
        "",
        "```mermaid",
        diagram,
        "```",
        "",
    ]


# ---------------------------------------------------------------- CSV


def csv_row(a: AgreementView) -> dict[str, str]:
    """One agreement as CSV fields (absent values as empty strings)."""
    return {
        "team_id": a.team_id,
        "channel_id": a.channel_id,
        "number": str(a.number),
        "version": str(a.version),
        "status": a.status.value,
        "title": a.title,
        "text": a.text,
        "driver": a.driver or "",
        "responsibilities": a.responsibilities or "",
        "evaluation": a.evaluation or "",
        "concerns": json.dumps(a.concerns, ensure_ascii=False),
        "people_responsible": " ".join(a.responsible_ids),
        "review_date": a.review_date.isoformat(),
        "created_at": a.created_at.astimezone(UTC).isoformat(),
        "round_id": "" if a.round_id is None else str(a.round_id),
    }


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a leading `'`
    (OWASP's advice against CSV injection)."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def to_csv(log: Logbook, *, raw: bool = False) -> str:
    """One row per agreement, every status, by channel and number (RFC 4180 quoting, CRLF).

    Cells that a spreadsheet would run as a formula are neutralised, unless `raw` (for an
    exact round trip into another program).
    """
    return _csv(CSV_COLUMNS, (csv_row(a) for a in log.agreements), raw=raw)


def _csv(columns: tuple[str, ...], rows: Iterable[dict[str, str]], *, raw: bool) -> str:
    """Rows as RFC 4180 CSV with CRLF, formula-starting cells neutralised unless `raw`."""
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row if raw else {k: spreadsheet_safe(v) for k, v in row.items()})
    return buf.getvalue()


def role_row(r: RoleRecord) -> dict[str, str]:
    """One role in force as CSV fields (absent values as empty strings)."""
    return {
        "team_id": r.team_id,
        "channel_id": r.channel_id,
        "role": r.name,
        "purpose": r.purpose,
        "holder": r.holder_id or "",
        "term_start": r.term_start.isoformat() if r.term_start and r.holder_id else "",
        "term_end": r.term_end.isoformat() if r.term_end and r.holder_id else "",
        "term": r.term,
        "represents_channel_id": r.represents_channel_id or "",
        "review_date": r.review_date.isoformat() if r.review_date else "",
    }


def roles_csv(log: Logbook, *, raw: bool = False) -> str:
    """One row per role in force, by channel and name, vacant ones with an empty holder."""
    return _csv(ROLE_CSV_COLUMNS, (role_row(r) for r in log.roles), raw=raw)


# ---------------------------------------------------------------- iCalendar

PRODID = "-//s3bot//Agreement reviews//EN"
_ICS_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def ics_text(text: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma, newline."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ICS_CONTROL.sub("", text.replace("\t", " "))
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics_fold(line: str) -> str:
    """Fold a content line to at most 75 octets per line, never inside a UTF-8 character."""
    parts, current, size = [], [], 0
    limit = 75
    for char in line:
        n = len(char.encode("utf-8"))
        if size + n > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines start with a space
        current.append(char)
        size += n
    parts.append("".join(current))
    return "\r\n ".join(parts)


def uid(a: AgreementView) -> str:
    """A UID that stays the same across exports, so calendars update the event in place."""
    return f"agreement-{a.team_id}-{a.channel_id}-{a.number}@s3bot"


def _ics_description(a: AgreementView) -> str:
    if a.evaluation:
        return f"{a.text}\n\nEvaluation criteria:\n{a.evaluation}"
    return a.text


def upcoming(log: Logbook, now: datetime) -> list[AgreementView]:
    """Agreements in force whose review date is today or later (UTC), soonest first."""
    today = now.astimezone(UTC).date()
    found = [
        a for a in log.agreements if a.status is AgreementStatus.ACTIVE and a.review_date >= today
    ]
    return sorted(found, key=lambda a: (a.review_date, a.channel_id, a.number))


def to_ics(log: Logbook, now: datetime) -> str:
    """An iCalendar feed: one all-day event per upcoming review date of an agreement in force,
    one per upcoming end of a role's term, and each circle's governance meeting series (a
    weekly recurring event) to subscribe to."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"Agreement reviews ({log.team_id}{' #' + log.channel_id if log.channel_id else ''})"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ics_text(name)}",
    ]
    for a in upcoming(log, now):
        # Each review outcome that moved the date makes a new revision of the same event.
        sequence = sum(1 for e in a.history if e.action in ("kept", "evolved"))
        lines += [
            "BEGIN:VEVENT",
            f"UID:{ics_text(uid(a))}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{a.review_date:%Y%m%d}",
            f"DTEND;VALUE=DATE:{a.review_date + timedelta(days=1):%Y%m%d}",
            f"SEQUENCE:{sequence}",
            f"SUMMARY:{ics_text(f'Review agreement #{a.number}: {a.title}')}",
            f"DESCRIPTION:{ics_text(_ics_description(a))}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    for r in terms_ending(log, now):
        end: date = r.term_end  # type: ignore[assignment]  # terms_ending keeps dated ones
        lines += [
            "BEGIN:VEVENT",
            f"UID:{ics_text(f'term-{r.team_id}-{r.channel_id}-{r.id}-{end:%Y%m%d}@s3bot')}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{end:%Y%m%d}",
            f"DTEND;VALUE=DATE:{end + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{ics_text(f'Term ends: {r.name} (held by @{r.holder_id})')}",
            f"DESCRIPTION:{ics_text(r.purpose)}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    zones: set[str] = set()  # each VTIMEZONE once, however many circles meet in it
    for series in log.series:
        lines += _ics_series(series, stamp, zones)
    lines.append("END:VCALENDAR")
    return "".join(ics_fold(line) + "\r\n" for line in lines)


ICS_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _zone(tz: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _ics_series(s: MeetingSeries, stamp: str, zones: set[str]) -> list[str]:
    """A circle's governance meeting series: one weekly recurring event (with the VTIMEZONE of
    its local time, so the meeting stays at its time across daylight saving changes)."""
    zone = _zone(s.tz)
    first = s.next_at.astimezone(zone or UTC)
    if zone is None or s.tz == "UTC":
        start = f"DTSTART:{s.next_at.astimezone(UTC):%Y%m%dT%H%M%SZ}"
        timezone: list[str] = []
    else:
        start = f"DTSTART;TZID={s.tz}:{first:%Y%m%dT%H%M%S}"
        timezone = [] if s.tz in zones else vtimezone(s.tz, zone, first.year)
        zones.add(s.tz)
    who = f" Facilitator: @{s.facilitator_id}." if s.facilitator_id else ""
    description = (
        f"Every {s.every_weeks} week(s) on {WEEKDAYS[s.weekday]} at {s.time} ({s.tz}), "
        f"{s.duration_minutes} minutes.{who} The agenda is posted in the channel the day before."
    )
    return timezone + [
        "BEGIN:VEVENT",
        f"UID:{ics_text(f'meetings-{s.team_id}-{s.channel_id}@s3bot')}",
        f"DTSTAMP:{stamp}",
        start,
        f"DURATION:PT{s.duration_minutes}M",
        f"RRULE:FREQ=WEEKLY;INTERVAL={s.every_weeks};BYDAY={ICS_DAYS[first.weekday()]}",
        f"SUMMARY:{ics_text(f'Governance meeting of #{s.channel_id}')}",
        f"DESCRIPTION:{ics_text(description)}",
        "END:VEVENT",
    ]


def _offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta()).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def _transitions(zone: ZoneInfo, year: int) -> list[datetime]:
    """The instants (UTC) in `year` at which the zone's offset changes (15-minute steps)."""
    at = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(minutes=15)
    found, before = [], at.astimezone(zone).utcoffset()
    while at < end:
        at += step
        now = at.astimezone(zone).utcoffset()
        if now != before:
            found.append(at)
            before = now
    return found


def vtimezone(tz: str, zone: ZoneInfo, year: int) -> list[str]:
    """The VTIMEZONE of an IANA zone as its rules stand in `year`: one observance per change
    of offset that year, each recurring yearly on the same weekday of its month (how the
    zones with daylight saving time change); one fixed observance for a zone without."""
    changes = _transitions(zone, year)
    out = ["BEGIN:VTIMEZONE", f"TZID:{tz}"]
    if not changes:
        offset = _offset(datetime(year, 1, 1, tzinfo=UTC).astimezone(zone).utcoffset())
        return out + [
            "BEGIN:STANDARD",
            "DTSTART:19700101T000000",
            f"TZOFFSETFROM:{offset}",
            f"TZOFFSETTO:{offset}",
            "END:STANDARD",
            "END:VTIMEZONE",
        ]
    for at in changes:
        before, after = (at - timedelta(minutes=15)).astimezone(zone), at.astimezone(zone)
        kind = "DAYLIGHT" if after.dst() else "STANDARD"
        onset = at.replace(tzinfo=None) + (before.utcoffset() or timedelta())
        last_week = onset.day + 7 > _days_in_month(onset.year, onset.month)
        week = -1 if last_week else (onset.day - 1) // 7 + 1
        out += [
            f"BEGIN:{kind}",
            f"DTSTART:{onset:%Y%m%dT%H%M%S}",
            f"RRULE:FREQ=YEARLY;BYMONTH={onset.month};BYDAY={week}{ICS_DAYS[onset.weekday()]}",
            f"TZOFFSETFROM:{_offset(before.utcoffset())}",
            f"TZOFFSETTO:{_offset(after.utcoffset())}",
            f"TZNAME:{ics_text(after.tzname() or tz)}",
            f"END:{kind}",
        ]
    return out + ["END:VTIMEZONE"]


def _days_in_month(year: int, month: int) -> int:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def terms_ending(log: Logbook, now: datetime) -> list[RoleRecord]:
    """Held roles whose term ends today or later (UTC), soonest first."""
    today = now.astimezone(UTC).date()
    found = [r for r in log.roles if r.holder_id and r.term_end and r.term_end >= today]
    return sorted(found, key=lambda r: (r.term_end, r.channel_id, r.name))
