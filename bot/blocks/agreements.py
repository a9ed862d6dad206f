"""Block Kit builders for the agreement logbook and review reminders (pure)."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import ids
from bot.blocks.concerns import hearing_lines
from bot.blocks.consent import long_date, names
from bot.blocks.inputs import text_input
from bot.blocks.resolutions import record_lines
from bot.blocks.text import escape, mention, quote_chunks, truncate
from bot.blocks.values import AgreementValue, ReviewValue
from bot.domain.consent import MAX_PROPOSAL_LENGTH
from bot.domain.review import AgreementStatus, ReviewOutcome, Stage, overdue_days
from bot.i18n import Messages
from bot.services.views import AgreementView, HistoryEntry

UTC_ZONE = ZoneInfo("UTC")

Rendered = tuple[str, list[dict]]
LIST_LIMIT = 40
PER_SECTION = 10


def _dicts(blocks: list[Block]) -> list[dict]:
    return [b.to_dict() for b in blocks]


def _md(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def _ctx(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def review_value(a: AgreementView) -> str:
    """Button value: the agreement and the review date the reminder was about."""
    return ReviewValue(agreement_id=a.id, review_date=a.review_date).dump()


def _review_state(m: Messages, a: AgreementView, today: date) -> str:
    late = overdue_days(a.review_date, today)
    if late:
        return m.n_(
            ":warning: review overdue by {n} day (since {date})",
            ":warning: review overdue by {n} days (since {date})",
            late,
            date=long_date(m, a.review_date),
        )
    if a.review_date == today:
        return m._("review due today")
    return m._("review on {date}", date=long_date(m, a.review_date))


def register_list(
    m: Messages, channel_id: str, agreements: list[AgreementView], total: int, today: date
) -> Rendered:
    """The channel's agreements in force: overdue first, then by review date (the first
    LIST_LIMIT of `total`)."""
    if not agreements:
        text = m._(
            "<#{channel}> has no agreements yet. They are made with `/consent`, or recorded "
            "with `/agreements add`.",
            channel=channel_id,
        )
        return text, _dicts([_md(text)])
    title = m.n_(
        "Agreements of <#{channel}>: {n} in force",
        "Agreements of <#{channel}>: {n} in force",
        total,
        channel=channel_id,
    )
    blocks: list[Block] = [_md(f"*{title}*"), DividerBlock()]
    lines = [
        m._(
            "*#{number}* {title}: {state}. Responsible: {people}",
            number=a.number,
            title=escape(truncate(a.title, 120)),
            state=_review_state(m, a, today),
            people=names(a.recipients, 400),
        )
        for a in agreements[:LIST_LIMIT]
    ]
    for start in range(0, len(lines), PER_SECTION):
        blocks.append(_md("\n".join(lines[start : start + PER_SECTION])))
    shown = len(agreements[:LIST_LIMIT])
    if total > shown:
        blocks.append(_ctx(m.n_("…and {n} more.", "…and {n} more.", total - shown)))
    blocks.append(_ctx(m._("`/agreements [number]` shows one in full, with its history.")))
    return title, _dicts(blocks)


def _history_line(m: Messages, entry: HistoryEntry, zone: ZoneInfo) -> str:
    when = long_date(m, entry.at.astimezone(zone).date())
    who = mention(entry.actor_id) if entry.actor_id else m._("the bot")
    d = entry.detail
    texts = {
        "agreed": lambda: (
            m._("{when}: agreed by consent", when=when)
            if d.get("round_id")
            else m._("{when}: recorded by {who}", when=when, who=who)
        ),
        ReviewOutcome.KEPT: lambda: m._(
            "{when}: kept by {who}; next review {date}",
            when=when,
            who=who,
            date=long_date(m, date.fromisoformat(d["next"])),
        ),
        ReviewOutcome.EVOLVED: lambda: m._(
            "{when}: evolved by consent from version {version}",
            when=when,
            version=d.get("version", "?"),
        ),
        ReviewOutcome.DROPPED: lambda: m._(
            "{when}: dropped by {who}: {reason}",
            when=when,
            who=who,
            reason=escape(truncate(d.get("reason", ""), 300)),
        ),
        ReviewOutcome.SNOOZED: lambda: m._(
            "{when}: {who} snoozed the reminder until {date}",
            when=when,
            who=who,
            date=long_date(m, date.fromisoformat(d["until"])),
        ),
        "nudged": lambda: m._(
            "{when}: reminded {person}", when=when, person=mention(d.get("to", "?"))
        ),
        "recorded": lambda: m._("{when}: recorded by {who}", when=when, who=who),
        "early_review": lambda: m._(
            "{when}: {who} asked for an early review (backlog item #{item})",
            when=when,
            who=who,
            item=d.get("item", "?"),
        ),
        "objected": lambda: m._(
            "{when}: {who} objected to it (backlog item #{item}): {reason}",
            when=when,
            who=who,
            item=d.get("item", "?"),
            reason=escape(truncate(d.get("reason", ""), 300)),
        ),
    }
    if entry.action == ReviewOutcome.KEPT and d.get("review_round"):
        return m._(
            "{when}: kept by the circle's review round (started by {who}); next review {date}",
            when=when,
            who=who,
            date=long_date(m, date.fromisoformat(d["next"])),
        )
    return texts.get(entry.action, lambda: f"{when}: {entry.action}")()


def agreement_body(m: Messages, a: AgreementView) -> list[Block]:
    """The agreement's text, driver, people, evaluation criteria and concerns (escaped)."""
    blocks: list[Block] = [_md(chunk) for chunk in quote_chunks(a.text)]
    parts = []
    if a.driver:
        parts.append("*" + m._("Driver") + ":* " + escape(truncate(a.driver, 700)))
    if a.responsibilities:
        parts.append(
            "*"
            + m._("Who is responsible for what")
            + ":* "
            + escape(truncate(a.responsibilities, 700))
        )
    parts.append("*" + m._("People responsible") + ":* " + names(a.recipients, 600))
    if a.evaluation:
        parts.append("*" + m._("Evaluation criteria") + ":* " + escape(truncate(a.evaluation, 700)))
    if a.hearings:  # S3's "consider concerns": whether each should be heard, beside the criteria
        lines = hearing_lines(m, a.hearings[:10])
        parts.append("*" + m._("Concerns: should they be heard?") + "*\n" + "\n".join(lines))
    blocks.append(_md(truncate("\n".join(parts), 2900)))
    if a.concerns:
        lines = [
            f"{mention(c['user'])}: {escape(truncate(c.get('reason') or '…', 300))}"
            for c in a.concerns[:10]
        ]
        blocks.append(_md("*" + m._("Concerns recorded at consent") + "*\n" + "\n".join(lines)))
    if a.resolutions:
        lines = record_lines(m, a.resolutions[:10])
        text = "*" + m._("Objections, and how they were resolved") + "*\n" + "\n".join(lines)
        blocks.append(_md(truncate(text, 2900)))
    return blocks


def agreement_detail(
    m: Messages, a: AgreementView, today: date, zone: ZoneInfo | None = None
) -> Rendered:
    """One agreement in full, with its history dated in the reader's zone (UTC when unknown)."""
    title = m._(
        "Agreement #{number} (version {version}): {title}",
        number=a.number,
        version=a.version,
        title=a.title,
    )
    blocks: list[Block] = [HeaderBlock(text=truncate(title, 150))]
    blocks += agreement_body(m, a)
    status = _review_state(m, a, today) if a.status == AgreementStatus.ACTIVE else m._("dropped")
    blocks.append(_ctx(status))
    if a.status == AgreementStatus.ACTIVE:
        blocks.append(detail_buttons(m, a))
    if a.history:
        lines = [_history_line(m, e, zone or UTC_ZONE) for e in a.history[-30:]]
        blocks.append(_md("*" + m._("History") + "*\n" + truncate("\n".join(lines), 2800)))
    return escape(title), _dicts(blocks[:50])


def _evolve_button(m: Messages, a: AgreementView, value: str) -> ButtonElement:
    """A domain or role description evolves through its own form (all its fields, by consent)."""
    if a.describes is None:
        return ButtonElement(action_id=ids.ACT_AGREEMENT_EVOLVE, text=m._("Evolve"), value=value)
    if a.describes.role_id is None:
        return ButtonElement(
            action_id=ids.ACT_DOMAIN_EDIT, text=m._("Evolve"), value=a.describes.channel_id
        )
    return ButtonElement(
        action_id=ids.ACT_ROLE_EVOLVE, text=m._("Evolve"), value=str(a.describes.role_id)
    )


def detail_buttons(m: Messages, a: AgreementView) -> ActionsBlock:
    """Ask for an early review, or object to the agreement in force (anyone in the channel)."""
    value = AgreementValue(agreement_id=a.id).dump()
    return ActionsBlock(
        block_id=ids.BLOCK_AGREEMENT_ACTIONS,
        elements=[
            ButtonElement(
                action_id=ids.ACT_AGREEMENT_EARLY_REVIEW,
                text=m._("Ask for an early review"),
                value=value,
            ),
            ButtonElement(
                action_id=ids.ACT_AGREEMENT_OBJECT,
                text=m._("Object to this agreement"),
                value=value,
            ),
        ],
    )


def review_buttons(m: Messages, a: AgreementView) -> ActionsBlock:
    """Keep, Evolve, Drop and Snooze for one review, and a review round with the circle."""
    value = review_value(a)
    return ActionsBlock(
        block_id=ids.BLOCK_REVIEW_ACTIONS,
        elements=[
            ButtonElement(
                action_id=ids.ACT_AGREEMENT_KEEP, text=m._("Keep"), value=value, style="primary"
            ),
            _evolve_button(m, a, value),
            ButtonElement(
                action_id=ids.ACT_AGREEMENT_DROP,
                text=m._("Drop"),
                value=value,
                style="danger",
                confirm=ConfirmObject(
                    title=m._("Drop this agreement?"),
                    text=m._("You will be asked for the reason; the circle sees it."),
                    confirm=m._("Drop"),
                    deny=m._("Cancel"),
                    style="danger",
                ),
            ),
            ButtonElement(action_id=ids.ACT_AGREEMENT_SNOOZE, text=m._("Snooze"), value=value),
            ButtonElement(
                action_id=ids.ACT_REVIEW_ROUND_START,
                text=m._("Start a review round"),
                value=value,
                confirm=ConfirmObject(
                    title=m._("Review it with the circle?"),
                    text=m._(
                        "The circle is asked S3's three questions in <#{channel}> and answers "
                        "keep, keep with a change or object, within 3 days.",
                        channel=a.channel_id,
                    ),
                    confirm=m._("Start"),
                    deny=m._("Cancel"),
                ),
            ),
        ],
    )


def nudge(
    m: Messages, a: AgreementView, stage: Stage, today: date, *, gone: str | None = None
) -> Rendered:
    """The review reminder: the agreement, its criteria and concerns, and what to do."""
    if stage is Stage.BEFORE:
        head = m._(
            "Agreement #{number} “{title}” in <#{channel}> comes up for review on {date}.",
            number=a.number,
            title=escape(truncate(a.title, 150)),
            channel=a.channel_id,
            date=long_date(m, a.review_date),
        )
    elif overdue_days(a.review_date, today) > 0:
        head = m.n_(
            "Agreement #{number} “{title}” in <#{channel}> is overdue for review by {n} day.",
            "Agreement #{number} “{title}” in <#{channel}> is overdue for review by {n} days.",
            overdue_days(a.review_date, today),
            number=a.number,
            title=escape(truncate(a.title, 150)),
            channel=a.channel_id,
        )
    else:
        head = m._(
            "Agreement #{number} “{title}” in <#{channel}> is due for review today.",
            number=a.number,
            title=escape(truncate(a.title, 150)),
            channel=a.channel_id,
        )
    blocks: list[Block] = []
    if gone:
        blocks.append(
            _ctx(
                m._(
                    "This reminder was meant for {person}, who can no longer be reached here, "
                    "so it comes to the channel.",
                    person=gone,
                )
            )
        )
    blocks.append(_md(f"*{head}*"))
    blocks += agreement_body(m, a)
    blocks.append(
        _ctx(
            m._(
                "Look at how it went against its evaluation criteria, then keep it (with a new "
                "review date), evolve it (a new proposal), or drop it."
            )
        )
    )
    blocks.append(review_buttons(m, a))
    return head, _dicts(blocks)


def reviewed(m: Messages, a: AgreementView, kind: str, chosen: date | None) -> Rendered:
    """The review reminder once acted on: what was done, and no buttons left."""
    title = escape(truncate(a.title, 150))
    if kind == "keep":
        text = m._(
            "You kept agreement #{number} “{title}”. Its next review is on {date}.",
            number=a.number, title=title, date=long_date(m, chosen or a.review_date),
        )  # fmt: skip
    elif kind == "snooze":
        text = m._(
            "You snoozed the review of agreement #{number} “{title}” until {date}.",
            number=a.number, title=title, date=long_date(m, chosen or a.review_date),
        )  # fmt: skip
    else:
        text = m._("You dropped agreement #{number} “{title}”.", number=a.number, title=title)
    return text, _dicts([_md(":white_check_mark: " + text)])


def add_modal(m: Messages, metadata: str, review_default: date) -> dict:
    """Record an agreement made elsewhere."""

    blocks: list[Block] = [
        text_input(ids.IN_TITLE, m._("Title"), multiline=False, max_length=150),
        text_input(
            ids.IN_PROPOSAL, m._("The agreement"), optional=False, max_length=MAX_PROPOSAL_LENGTH
        ),
        text_input(ids.IN_DRIVER_TEXT, m._("Driver")),
        text_input(ids.IN_RESPONSIBILITIES, m._("Who is responsible for what")),
        InputBlock(
            block_id=ids.IN_RESPONSIBLE_PEOPLE[0],
            optional=True,
            label=m._("People responsible"),
            hint=m._("They get the reminders when the agreement comes up for review."),
            element=UserMultiSelectElement(action_id=ids.IN_RESPONSIBLE_PEOPLE[1]),
        ),
        text_input(ids.IN_EVALUATION, m._("Evaluation criteria")),
        InputBlock(
            block_id=ids.IN_REVIEW_DATE[0],
            label=m._("Review date"),
            element=DatePickerElement(
                action_id=ids.IN_REVIEW_DATE[1], initial_date=review_default.isoformat()
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=ids.CB_AGREEMENT_ADD,
        title=truncate(m._("Record an agreement"), 24),
        submit=m._("Record"),
        close=m._("Cancel"),
        private_metadata=metadata,
        blocks=blocks,
    ).to_dict()


def date_modal(
    m: Messages,
    a: AgreementView,
    *,
    callback_id: str,
    key: tuple[str, str],
    title: str,
    label: str,
    initial: date,
    metadata: str,
    submit: str,
) -> dict:
    """A one-date form (keep: the next review; snooze: when to remind again)."""
    return View(
        type="modal",
        callback_id=callback_id,
        title=truncate(title, 24),
        submit=truncate(submit, 24),
        close=m._("Cancel"),
        private_metadata=metadata,
        blocks=[
            _md(f"*#{a.number} {escape(truncate(a.title, 200))}*"),
            InputBlock(
                block_id=key[0],
                label=label,
                element=DatePickerElement(action_id=key[1], initial_date=initial.isoformat()),
            ),
        ],
    ).to_dict()


def drop_modal(m: Messages, a: AgreementView, metadata: str) -> dict:
    """Ask why the agreement is dropped (required)."""
    return View(
        type="modal",
        callback_id=ids.CB_AGREEMENT_DROP,
        title=truncate(m._("Drop the agreement"), 24),
        submit=m._("Drop"),
        close=m._("Cancel"),
        private_metadata=metadata,
        blocks=[
            _md(f"*#{a.number} {escape(truncate(a.title, 200))}*"),
            InputBlock(
                block_id=ids.IN_DROP_REASON[0],
                label=m._("Why is it dropped?"),
                element=PlainTextInputElement(
                    action_id=ids.IN_DROP_REASON[1], multiline=True, max_length=3000
                ),
            ),
        ],
    ).to_dict()


def event_post(
    m: Messages, a: AgreementView, action: str, actor: str | None, detail: dict[str, Any]
) -> Rendered:
    """What the channel is told when an agreement is recorded, kept, evolved or dropped."""
    who = mention(actor) if actor else m._("the bot")
    title = escape(truncate(a.title, 150))
    if action == ReviewOutcome.KEPT and detail.get("review_round"):
        text = m._(
            "The circle kept agreement #{number} “{title}”: no objection in the review round "
            "{who} started. Next review: {date}.",
            who=who,
            number=a.number,
            title=title,
            date=long_date(m, a.review_date),
        )
    elif action == ReviewOutcome.KEPT:
        text = m._(
            "{who} kept agreement #{number} “{title}”. Next review: {date}.",
            who=who,
            number=a.number,
            title=title,
            date=long_date(m, a.review_date),
        )
    elif action == ReviewOutcome.EVOLVED:
        text = m._(
            "Agreement #{number} “{title}” evolved to version {version} by consent. Next review: {date}.",
            number=a.number,
            title=title,
            version=a.version,
            date=long_date(m, a.review_date),
        )
    elif action == ReviewOutcome.SNOOZED:
        text = m._(
            "{who} snoozed the review reminder of agreement #{number} “{title}” until {date}.",
            who=who,
            number=a.number,
            title=title,
            date=long_date(m, date.fromisoformat(detail.get("until", a.review_date.isoformat()))),
        )
    elif action == ReviewOutcome.DROPPED:
        text = m._(
            "{who} dropped agreement #{number} “{title}”: {reason}",
            who=who,
            number=a.number,
            title=title,
            reason=escape(truncate(detail.get("reason", ""), 1000)),
        )
    else:
        text = m._(
            "{who} recorded agreement #{number} “{title}”. Review: {date}.",
            who=who,
            number=a.number,
            title=title,
            date=long_date(m, a.review_date),
        )
    return text, _dicts(
        [_md(text), _ctx(m._("`/agreements {number}` shows it in full.", number=a.number))]
    )


def keep_modal(m: Messages, a: AgreementView, metadata: str, initial: date) -> dict:
    """Keep the agreement: ask for the next review date."""
    return date_modal(
        m,
        a,
        callback_id=ids.CB_AGREEMENT_KEEP,
        key=ids.IN_NEXT_REVIEW,
        title=m._("Keep the agreement"),
        label=m._("Next review date"),
        initial=initial,
        metadata=metadata,
        submit=m._("Keep"),
    )


def snooze_modal(m: Messages, a: AgreementView, metadata: str, initial: date) -> dict:
    """Snooze the reminder: ask when to remind again."""
    return date_modal(
        m,
        a,
        callback_id=ids.CB_AGREEMENT_SNOOZE,
        key=ids.IN_SNOOZE_UNTIL,
        title=m._("Snooze the reminder"),
        label=m._("Remind me again on"),
        initial=initial,
        metadata=metadata,
        submit=m._("Snooze"),
    )


def evolve_initial(a: AgreementView) -> dict[str, Any]:
    """The consent form's starting values when an agreement evolves."""
    return {
        "title": a.title,
        "text": a.text,
        "driver": a.driver,
        "responsibilities": a.responsibilities,
        "evaluation": a.evaluation,
        "responsible_ids": a.responsible_ids,
    }


def agreements_usage(m: Messages) -> str:
    """How to use `/agreements`, for a word it does not know."""
    return m._(
        "Use `/agreements` for the list, `/agreements [number]` for one in full, "
        "`/agreements add` to record one made elsewhere, or `/agreements canvas` to keep the "
        "logbook in this channel's canvas."
    )


# ---------------------------------------------------------------- the logbook as a canvas


def canvas_title(m: Messages) -> str:
    """The canvas's title, in the workspace's language."""
    return m._("Governance logbook")


def canvas_started(m: Messages) -> str:
    """To the person who asked: the canvas is on its way."""
    return m._("Putting the logbook into this channel's canvas; I will tell you when it is there.")


def canvas_ready(m: Messages, channel_id: str, link: str | None) -> str:
    """To the person who asked: the canvas holds the logbook, and stays in step with it."""
    if link:
        return m._(
            "The logbook of <#{channel}> is in its canvas: <{link}|open it>. It is brought up "
            "to date after every change of an agreement, the domain or the backlog.",
            channel=channel_id, link=link,
        )  # fmt: skip
    return m._(
        "The logbook of <#{channel}> is in its canvas (the Canvas tab at the top of the "
        "channel). It is brought up to date after every change of an agreement, the domain or "
        "the backlog.",
        channel=channel_id,
    )


def canvas_refused(m: Messages, error: str) -> str:
    """To the person who asked: Slack will not keep the canvas, why, and what to do."""
    again = m._("Once that changes, ask again with `/agreements canvas`.")
    if error == "canvas_disabled_user_team":
        why = m._(
            "Canvases are turned off in this workspace, so the logbook cannot be kept in one."
        )
    elif error in ("restricted_action", "no_permission", "missing_scope", "not_allowed_token_type"):
        why = m._(
            "Slack does not allow the bot to make or edit canvases here (a workspace setting "
            "or a permission the app was not given)."
        )
    elif error.startswith(("free_team", "team_tier")):
        why = m._(
            "This workspace's Slack plan does not allow the bot a canvas in this channel (on "
            "a free plan a channel has one canvas, and this one has it already)."
        )
    elif error in ("not_in_channel", "channel_not_found", "is_archived"):
        why = m._("The bot cannot reach this channel (it is not a member, or it is archived).")
    else:
        why = m._("Slack refused the canvas ({error}).", error=error)
    stopped = m._("The canvas is no longer kept up to date; `/agreements` still lists everything.")
    return f"{why} {stopped} {again}"
