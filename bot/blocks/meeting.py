"""Block Kit builders for the governance meeting run in Slack: its message, check-in, items,
the outcome form, the minutes, and the replies to one person (pure)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    ConversationSelectElement,
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
)
from slack_sdk.models.views import View

from bot.blocks import ids, quick_consent
from bot.blocks.agreements import review_buttons
from bot.blocks.backlog import next_step_label
from bot.blocks.consent import long_date, names
from bot.blocks.drivers import step_options
from bot.blocks.evaluation import evaluation_lines
from bot.blocks.rhythm import cadence_text, meeting_date, people_lines
from bot.blocks.text import escape, mention, one_line, slack_date, truncate
from bot.blocks.values import MeetingStepValue, MinutesValue
from bot.domain.backlog import ItemView, NextStep
from bot.domain.meeting import (
    MAX_EVALUATION_LINE,
    RATINGS,
    Outcome,
    time_up_at,
)
from bot.domain.rhythm import InvalidTimezone, zone
from bot.i18n import Messages
from bot.services.views import (
    AgreementView,
    HandledItem,
    MeetingOverview,
    MeetingRound,
    MeetingView,
    RoundView,
    StartedRound,
)

Rendered = tuple[str, list[dict]]
ITEM_CHARS = 600
LINE_CHARS = 200


def _dicts(blocks: list[Block]) -> list[dict]:
    return [b.to_dict() for b in blocks]


def _md(text: str, block_id: str | None = None) -> SectionBlock:
    return SectionBlock(block_id=block_id, text=MarkdownTextObject(text=truncate(text, 2900)))


def _ctx(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, 2900))])


def slack_time(moment: datetime, tz: str) -> str:
    """A time of day every reader sees in their own timezone (the meeting's as the fallback)."""
    try:
        local = moment.astimezone(zone(tz))
    except InvalidTimezone:
        local = moment
    return f"<!date^{int(moment.timestamp())}^{{time}}|{local:%H:%M}>"


def _value(view: MeetingView) -> str:
    item_id = view.current.id if view.current else None
    return MeetingStepValue(meeting_id=view.id, step=view.step, item_id=item_id).dump()


# ---------------------------------------------------------------- in the channel and thread


def started_message(m: Messages, view: MeetingView) -> Rendered:
    """The channel message a running meeting's thread hangs from."""
    text = m._(
        "Governance meeting in progress, facilitated by {facilitator}.",
        facilitator=mention(view.facilitator_id),
    )
    when = m._(
        "Started {start}; planned until {end}. Follow it in the thread.",
        start=slack_date(view.started_at),
        end=slack_date(view.planned_end_at),
    )
    blocks: list[Block] = [_md(":large_green_circle: *" + text + "*")]
    people = people_lines(m, view.facilitator_as, view.secretary_as)
    if people:
        blocks.append(_md("\n".join(people), block_id=ids.BLOCK_MEETING_PEOPLE))
    return text, _dicts([*blocks, _ctx(when)])


def ended_message(m: Messages, view: MeetingView) -> Rendered:
    """The meeting's channel message once it has ended."""
    text = m._(
        "Governance meeting ended (facilitated by {facilitator}); the minutes are in the channel.",
        facilitator=mention(view.facilitator_id),
    )
    return text, _dicts([_md(":white_circle: " + text)])


def check_in_message(m: Messages, view: MeetingView) -> Rendered:
    """The check-in prompt, first in the meeting's thread."""
    text = m._(
        "*Check-in.* How do you arrive? Reply in this thread, or press “I'm here”. "
        "Who checks in is recorded as present in the minutes."
    )
    buttons = [
        ButtonElement(
            action_id=ids.ACT_MEETING_HERE,
            text=m._("I'm here"),
            value=_value(view),
            style="primary",
        ),
        ButtonElement(action_id=ids.ACT_MEETING_NEXT, text=m._("First item"), value=_value(view)),
    ]
    admin = [
        ButtonElement(
            action_id=ids.ACT_MEETING_CHECK_MINUTES,
            text=m._("Consent to the last minutes"),
            value=_value(view),
        ),
        ButtonElement(
            action_id=ids.ACT_MEETING_CHECK_AGENDA,
            text=m._("Consent to the agenda"),
            value=_value(view),
        ),
    ]
    tip = m._("The facilitator takes up the first item of the backlog when everyone is in.")
    blocks: list[Block] = [
        _md(text),
        ActionsBlock(block_id=ids.BLOCK_MEETING_CHECK_IN, elements=buttons),
        _md(
            m._(
                "*Administration.* The facilitator asks the people present to consent to the "
                "last meeting's minutes and to the agenda."
            )
        ),
        ActionsBlock(block_id=ids.BLOCK_MEETING_CONTROLS, elements=admin),
    ]
    if view.agenda_objections:
        lines = [m._("*Objections to the agenda, raised beforehand:*")]
        lines += quick_consent.objection_lines(m, view.agenda_objections)
        blocks.append(_md("\n".join(lines)))
    blocks.append(_ctx(tip))
    return m._("Check-in: reply in this thread, or press “I'm here”."), _dicts(blocks)


def _driver_lines(m: Messages, item: ItemView) -> list[str]:
    lines = []
    if item.situation:
        lines.append(
            m._("*Driver:* {situation}", situation=escape(one_line(item.situation, ITEM_CHARS)))
        )
    if item.effect:
        lines.append(m._("*Effect:* {effect}", effect=escape(one_line(item.effect, ITEM_CHARS))))
    step = next_step_label(m, item.next_step)
    if item.due_date:
        step += " " + m._("(due {date})", date=long_date(m, item.due_date))
    lines.append(m._("*Next step:* {step}", step=step))
    if item.intended_outcome:
        lines.append(
            m._(
                "*Intended outcome:* {outcome}",
                outcome=escape(one_line(item.intended_outcome, ITEM_CHARS)),
            )
        )
    return lines


def timer_line(m: Messages, view: MeetingView) -> str | None:
    """The current item's time: its estimate, when it was taken up, when its time is up."""
    item = view.current
    if item is None or not item.estimate_minutes or view.item_started_at is None:
        return None
    up = time_up_at(view.item_started_at, item.estimate_minutes, view.item_extra_minutes)
    assert up is not None
    estimate = m._("{n} min", n=item.estimate_minutes)
    if view.item_extra_minutes:
        estimate += " " + m._("(+{n} min)", n=view.item_extra_minutes)
    return m._(
        ":hourglass_flowing_sand: Estimate: {estimate} — started {start}, time's up at {up}",
        estimate=estimate,
        start=slack_time(view.item_started_at, view.tz),
        up=slack_time(up, view.tz),
    )


def _last_item_message(m: Messages, view: MeetingView) -> Rendered:
    text = m._(
        "That was the last item on the backlog. The facilitator takes the meeting to its "
        "closing: the evaluation and the check-out. `/meeting end` then posts the minutes."
    )
    button = ButtonElement(
        action_id=ids.ACT_MEETING_CLOSING,
        text=m._("Evaluate and check out"),
        value=_value(view),
        style="primary",
    )
    blocks: list[Block] = [
        _md(text),
        ActionsBlock(block_id=ids.BLOCK_MEETING_CONTROLS, elements=[button]),
    ]
    return text, _dicts(blocks)


def _review_message(m: Messages, view: MeetingView, a: AgreementView) -> Rendered:
    """An agreement due for review, taken up after the backlog's items: keep, evolve, drop
    (the review's own buttons), or a review round with the circle."""
    title = m._(
        "Review: agreement #{number} {title}",
        number=a.number,
        title=escape(one_line(a.title, ITEM_CHARS)),
    )
    lines = [m._("*Review date:* {date}", date=long_date(m, a.review_date))]
    if a.evaluation:
        lines.append(
            m._("*Evaluation criteria:* {text}", text=escape(one_line(a.evaluation, ITEM_CHARS)))
        )
    if a.concerns:
        concerns = "; ".join(escape(one_line(c.get("reason") or "", 200)) for c in a.concerns)
        lines.append(m._("*Concerns:* {text}", text=concerns))
    lines.append(
        m._(
            "How has it helped us? Is there any reason to drop it? How could it be improved? "
            "Then keep it (with the next review date), evolve it, or drop it."
        )
    )
    moves = [
        ButtonElement(action_id=ids.ACT_MEETING_NEXT, text=m._("Next item"), value=_value(view)),
        ButtonElement(action_id=ids.ACT_MEETING_SKIP, text=m._("Skip"), value=_value(view)),
    ]
    blocks: list[Block] = [
        _md("*" + title + "*\n" + "\n".join(lines)),
        review_buttons(m, a),
        ActionsBlock(block_id=ids.BLOCK_MEETING_CONTROLS, elements=moves),
        _ctx(
            m._(
                "After the review, the facilitator, {who}, moves on with “Next item”.",
                who=mention(view.facilitator_id),
            )
        ),
    ]
    return title, _dicts(blocks)


def _round_message(m: Messages, view: MeetingView, r: MeetingRound) -> Rendered:
    """A round its author sent to the meeting, taken up after the reviews: the proposal and
    its open objections, with the facilitator's Next item and Skip."""
    title = m._(
        "Proposal #{number} (version {version}): {title}",
        number=r.proposal_number,
        version=r.version,
        title=escape(one_line(r.title, ITEM_CHARS)),
    )
    lines = [m._("Sent to this meeting by its author, {who}.", who=mention(r.author_id))]
    if view.current_round_text:
        lines.append(escape(truncate(view.current_round_text, 1500)))
    if r.objections:
        lines.append(m._("*Open objections:*"))
        lines += [
            "• " + m._("{who}: {reason}", who=mention(o.user_id),
                       reason=escape(one_line(o.reason, LINE_CHARS)))
            for o in r.objections[:10]
        ]  # fmt: skip
    moves = [
        ButtonElement(
            action_id=ids.ACT_MEETING_ROUND_DECIDE,
            text=m._("Decide now"),
            value=_value(view),
            style="primary",
        ),
        ButtonElement(action_id=ids.ACT_MEETING_NEXT, text=m._("Next item"), value=_value(view)),
        ButtonElement(action_id=ids.ACT_MEETING_SKIP, text=m._("Skip"), value=_value(view)),
    ]
    blocks: list[Block] = [
        _md("*" + title + "*\n" + "\n".join(lines)),
        ActionsBlock(block_id=ids.BLOCK_MEETING_CONTROLS, elements=moves),
        _ctx(
            m._(
                "The facilitator, {who}, moves on with “Next item”, or amends the proposal to "
                "resolve its objections and asks the people present to consent with “Decide now”.",
                who=mention(view.facilitator_id),
            )
        ),
    ]
    return title, _dicts(blocks)


def step_message(m: Messages, view: MeetingView) -> Rendered:
    """What the meeting takes up now, in its thread: the item with the facilitator's controls,
    or that the backlog is done."""
    item = view.current
    if item is None and view.current_agreement is not None:
        return _review_message(m, view, view.current_agreement)
    if item is None and view.current_round is not None:
        return _round_message(m, view, view.current_round)
    if item is None:
        return _last_item_message(m, view)
    title = m._(
        "Item {place}: #{number} {text}",
        place=item.rank or "–",
        number=item.number,
        text=escape(one_line(item.text, ITEM_CHARS)),
    )
    buttons = [
        ButtonElement(
            action_id=ids.ACT_MEETING_OUTCOME,
            text=m._("Record outcome"),
            value=_value(view),
            style="primary",
        ),
        ButtonElement(action_id=ids.ACT_MEETING_NEXT, text=m._("Next item"), value=_value(view)),
        ButtonElement(action_id=ids.ACT_MEETING_SKIP, text=m._("Skip"), value=_value(view)),
        ButtonElement(
            action_id=ids.ACT_MEETING_DECIDE,
            text=m._("Proposal formed: decide now"),
            value=_value(view),
        ),
        ButtonElement(
            action_id=ids.ACT_MEETING_PROPOSE,
            text=m._("Proposal formed: start a consent round"),
            value=_value(view),
        ),
    ]
    timer = timer_line(m, view)
    if timer:
        buttons += [
            ButtonElement(
                action_id=ids.ACT_MEETING_MORE_5, text=m._("More time: +5 min"), value=_value(view)
            ),
            ButtonElement(
                action_id=ids.ACT_MEETING_MORE_10, text=m._("+10 min"), value=_value(view)
            ),
        ]
    lines = _driver_lines(m, item)
    if item.estimate_minutes:
        lines.append(m._("*Time estimate:* {n} min", n=item.estimate_minutes))
    blocks: list[Block] = [_md("*" + title + "*\n" + "\n".join(lines))]
    if timer:
        blocks.append(_md(timer, block_id=ids.BLOCK_MEETING_TIMER))
    blocks += [
        ActionsBlock(block_id=ids.BLOCK_MEETING_CONTROLS, elements=buttons),
        _ctx(
            m._(
                "Only the facilitator, {who}, drives the meeting.", who=mention(view.facilitator_id)
            )
        ),
    ]
    return title, _dicts(blocks)


# ---------------------------------------------------------------- the outcome form


def outcome_modal(m: Messages, item: ItemView, metadata: str, *, contested: bool = False) -> dict:
    """Record an item's outcome: a next step with an optional due date ("select someone for a
    role" goes on to the selection's form), dismiss it, pass it on to another circle, or, for
    the item of a contested objection, record the objection resolved."""
    options = step_options(m)
    initial = next((o for o in options if item.next_step and o.value == item.next_step.value), None)
    more: list[Block] = [
        InputBlock(
            block_id=ids.IN_OUTCOME_PASS[0],
            optional=True,
            label=m._("Or pass it on to"),
            hint=m._("The circle whose domain it belongs to; it lands in that channel's inbox."),
            element=ConversationSelectElement(action_id=ids.IN_OUTCOME_PASS[1]),
        )
    ]
    if contested:
        more.append(
            InputBlock(
                block_id=ids.IN_OUTCOME_RESOLVED[0],
                optional=True,
                label=m._("The contested objection"),
                element=CheckboxesElement(
                    action_id=ids.IN_OUTCOME_RESOLVED[1],
                    options=[Option(value="resolved", text=m._("The meeting resolved it"))],
                ),
            )
        )
    return View(
        type="modal",
        callback_id=ids.CB_MEETING_OUTCOME,
        title=PlainTextObject(text=truncate(m._("Outcome"), 24)),
        submit=PlainTextObject(text=truncate(m._("Record"), 24)),
        close=PlainTextObject(text=truncate(m._("Cancel"), 24)),
        private_metadata=metadata,
        blocks=[
            _md(f"*#{item.number}* {escape(one_line(item.text, 300))}"),
            InputBlock(
                block_id=ids.IN_OUTCOME_STEP[0],
                optional=True,
                label=m._("Next step"),
                hint=m._("“Select someone for a role” goes on to start the selection."),
                element=StaticSelectElement(
                    action_id=ids.IN_OUTCOME_STEP[1], options=options, initial_option=initial
                ),
            ),
            InputBlock(
                block_id=ids.IN_OUTCOME_DUE[0],
                optional=True,
                label=m._("Due date"),
                element=DatePickerElement(action_id=ids.IN_OUTCOME_DUE[1]),
            ),
            InputBlock(
                block_id=ids.IN_OUTCOME_REASON[0],
                optional=True,
                label=m._("Or dismiss it, because…"),
                hint=m._("A reason dismisses the item instead of giving it a next step."),
                element=PlainTextInputElement(
                    action_id=ids.IN_OUTCOME_REASON[1], multiline=True, max_length=3000
                ),
            ),
            *more,
        ],
    ).to_dict()


def round_decide_modal(m: Messages, r: RoundView, metadata: str) -> dict:
    """A round sent to the meeting, decided now: its proposal (the meeting amends it to resolve
    the objections) and review date, put to a quick consent of the people present."""
    hide = Option(value="hidden", text=m._("Hide answers until I close it"))
    head = m._(
        "*Proposal #{number} (version {version}):* {title}",
        number=r.proposal_number,
        version=r.version,
        title=escape(one_line(r.title, 300)),
    )
    return View(
        type="modal",
        callback_id=ids.CB_MEETING_ROUND_DECIDE,
        title=PlainTextObject(text=truncate(m._("Decide now"), 24)),
        submit=PlainTextObject(text=truncate(m._("Ask for consent"), 24)),
        close=PlainTextObject(text=truncate(m._("Cancel"), 24)),
        private_metadata=metadata,
        blocks=[
            _md(head),
            InputBlock(
                block_id=ids.IN_PROPOSAL[0],
                optional=True,  # a blank proposal is a field error from the rules
                label=m._("Proposal"),
                hint=m._("Amend it to resolve the objections; consented, it is the agreement."),
                element=PlainTextInputElement(
                    action_id=ids.IN_PROPOSAL[1],
                    multiline=True,
                    max_length=3000,
                    initial_value=truncate(r.text, 3000),
                ),  # fmt: skip
            ),
            InputBlock(
                block_id=ids.IN_REVIEW_DATE[0],
                label=m._("Review date"),
                element=DatePickerElement(
                    action_id=ids.IN_REVIEW_DATE[1], initial_date=r.review_date.isoformat()
                ),
            ),
            InputBlock(
                block_id=ids.IN_QC_HIDDEN[0],
                optional=True,
                label=m._("Answers"),
                element=CheckboxesElement(
                    action_id=ids.IN_QC_HIDDEN[1], options=[hide], initial_options=[hide]
                ),
            ),
        ],
    ).to_dict()


# ---------------------------------------------------------------- closing: evaluation, check-out


def closing_message(m: Messages, view: MeetingView) -> Rendered:
    """The closing step in the thread: evaluate the meeting, then check out."""
    evaluate = m._(
        "*Meeting evaluation.* How did this meeting go? Give it a rating from 1 to 5, and say "
        "what you want more of, less of, and what to keep. The minutes record what the circle "
        "learns, and the next agenda looks at it again."
    )
    button = ButtonElement(
        action_id=ids.ACT_MEETING_EVALUATE,
        text=m._("Evaluate this meeting"),
        value=_value(view),
        style="primary",
    )
    check_out = m._(
        "*Check-out.* How do you leave? One word or a sentence each, in this thread. The "
        "facilitator then ends the meeting with `/meeting end`."
    )
    blocks: list[Block] = [
        _md(evaluate),
        ActionsBlock(block_id=ids.BLOCK_MEETING_CLOSING, elements=[button]),
        _md(check_out),
    ]
    return m._("Closing: evaluate the meeting, then check out in this thread."), _dicts(blocks)


def evaluation_modal(m: Messages, view: MeetingView, metadata: str) -> dict:
    """Evaluate a meeting: a rating 1-5 (required), "more of", "less of", "keep" (optional)."""
    ratings = [Option(value=str(n), text=m._("{n} of 5", n=n) + " " + "★" * n) for n in RATINGS]

    def line(key: tuple[str, str], label: str) -> InputBlock:
        return InputBlock(
            block_id=key[0],
            optional=True,
            label=label,
            element=PlainTextInputElement(action_id=key[1], max_length=MAX_EVALUATION_LINE),
        )

    return View(
        type="modal",
        callback_id=ids.CB_MEETING_EVALUATION,
        title=PlainTextObject(text=truncate(m._("Evaluate the meeting"), 24)),
        submit=PlainTextObject(text=truncate(m._("Send"), 24)),
        close=PlainTextObject(text=truncate(m._("Cancel"), 24)),
        private_metadata=metadata,
        blocks=[
            _md(
                m._(
                    "The governance meeting of {date}. Send it again to change it: your latest "
                    "evaluation counts.",
                    date=long_date(m, view.local_date),
                )
            ),
            InputBlock(
                block_id=ids.IN_EVAL_RATING[0],
                label=m._("Rating"),
                element=StaticSelectElement(action_id=ids.IN_EVAL_RATING[1], options=ratings),
            ),
            line(ids.IN_EVAL_MORE, m._("More of")),
            line(ids.IN_EVAL_LESS, m._("Less of")),
            line(ids.IN_EVAL_KEEP, m._("Keep")),
        ],
    ).to_dict()


# ---------------------------------------------------------------- the minutes


def _outcome_line(m: Messages, handled: HandledItem) -> str:
    what = escape(one_line(handled.text, LINE_CHARS))
    if handled.outcome == Outcome.NEXT_STEP:
        step = NextStep(handled.next_step) if handled.next_step else None
        result = m._("next step: {step}", step=next_step_label(m, step))
        if handled.due_date:
            result += " " + m._("(due {date})", date=long_date(m, handled.due_date))
    elif handled.outcome == Outcome.DISMISSED:
        result = m._(
            "dismissed: {reason}", reason=escape(one_line(handled.reason or "", LINE_CHARS))
        )
    elif handled.outcome == Outcome.REVIEWED:
        result = _review_result(m, handled)
    elif handled.outcome == Outcome.AGREED:
        result = _agreed(m, handled)
    elif handled.outcome == Outcome.PROPOSED:
        result = m._(
            "proposal formed: consent round on proposal #{number}", number=handled.reason or "?"
        )
    elif handled.outcome == Outcome.SELECTION:
        result = m._("selection started for {role}", role=escape(handled.reason or "?"))
    elif handled.outcome == Outcome.PASSED_ON:
        result = m._("passed on to <#{channel}>", channel=handled.reason or "?")
    elif handled.outcome == Outcome.RESOLVED:
        result = m._("the contested objection resolved")
    elif handled.outcome == Outcome.SKIPPED:
        result = m._("skipped")
    else:
        result = m._("discussed, no outcome recorded")
    if handled.proposal:
        return m._(
            "Proposal #{number} {text} → {result}",
            number=handled.number,
            text=what,
            result=result,
        )
    if handled.outcome == Outcome.REVIEWED or handled.agreement:
        return m._(
            "Agreement #{number} {text} → {result}",
            number=handled.number,
            text=what,
            result=result,
        )
    return m._("#{number} {text} → {result}", number=handled.number, text=what, result=result)


def _agreed(m: Messages, handled: HandledItem) -> str:
    if handled.title:
        return m._(
            "agreed by quick consent: agreement #{number} “{title}”",
            number=handled.reason or "?",
            title=escape(one_line(handled.title, LINE_CHARS)),
        )
    return m._("agreed by quick consent: agreement #{number}", number=handled.reason or "?")


def _started_round(m: Messages, r: StartedRound) -> str:
    """A round started from the meeting: its proposal's number and title, linked."""
    title = escape(one_line(r.title, LINE_CHARS))
    if r.link:
        title = f"<{r.link}|{title}>"
    return m._("Proposal #{number} {title}", number=r.proposal_number, title=title)


def round_started_note(m: Messages, r: StartedRound) -> Rendered:
    """In the meeting's thread: a consent round started from it, running asynchronously."""
    text = m._(
        "Proposal formed: consent round on proposal #{number} {title}. It runs in the "
        "channel, asynchronously; the minutes list it.",
        number=r.proposal_number,
        title=escape(one_line(r.title, LINE_CHARS)),
    )
    blocks: list[Block] = [_md(":ballot_box_with_ballot: " + text)]
    if r.link:
        blocks.append(_ctx(m._("<{link}|Open the round>", link=r.link)))
    return text, _dicts(blocks)


def _review_result(m: Messages, handled: HandledItem) -> str:
    if handled.next_step == "kept" and handled.due_date:
        return m._("kept, next review {date}", date=long_date(m, handled.due_date))
    if handled.next_step == "dropped":
        return m._("dropped: {reason}", reason=escape(one_line(handled.reason or "", LINE_CHARS)))
    if handled.next_step == "evolved":
        return m._("evolved")
    if handled.next_step == "snoozed":
        return m._("review put off")
    return m._("reviewed")


def minutes_message(m: Messages, view: MeetingView) -> Rendered:
    """The minutes of a meeting: date, facilitator, who checked in, each item's outcome."""
    day = long_date(m, view.local_date)
    title = m._("Minutes of the governance meeting of {date}", date=day)
    people = names(view.attendees) if view.attendees else m._("nobody")
    lines = [
        m._("*Channel:* <#{channel}>", channel=view.channel_id),
        m._("*Facilitator:* {who}", who=mention(view.facilitator_id)),
    ]
    if view.secretary_id and view.secretary_id != view.facilitator_id:
        lines.append(m._("*Secretary:* {who}", who=mention(view.secretary_id)))
    lines += [
        m._("*Checked in:* {people}", people=people),
    ]
    blocks: list[Block] = [
        HeaderBlock(text=truncate(title, 150)),
        _md("\n".join(lines), block_id=ids.BLOCK_MEETING_MINUTES),
        DividerBlock(),
    ]
    if view.handled:
        items = [_outcome_line(m, h) for h in view.handled]
        for start in range(0, len(items), 10):
            blocks.append(_md("\n".join(items[start : start + 10])))
    else:
        blocks.append(_md(m._("No item was handled.")))
    if view.rounds_started:
        started = [m._("*Consent rounds started:*")]
        started += ["• " + _started_round(m, r) for r in view.rounds_started[:20]]
        blocks.append(_md("\n".join(started)))
    blocks += _administration(m, view)
    if view.evaluation is not None:
        evaluated = evaluation_lines(m, view.evaluation)
        for start in range(0, len(evaluated), 15):
            blocks.append(_md("\n".join(evaluated[start : start + 15])))
    if view.ended_at and view.ended_by is None:
        blocks.append(
            _ctx(m._("The meeting was left open; I closed it 12 hours after its planned end."))
        )
    elif view.ended_at:
        blocks.append(_ctx(m._("Ended at {when}.", when=slack_date(view.ended_at))))
    return title, _dicts(blocks + _corrections(m, view))


def _administration(m: Messages, view: MeetingView) -> list[Block]:
    """The minutes' objections to the agenda and quick consents."""
    blocks: list[Block] = []
    if view.agenda_objections:
        raised = [m._("*Objections to the agenda, raised beforehand:*")]
        raised += quick_consent.objection_lines(m, view.agenda_objections)
        blocks.append(_md("\n".join(raised[:20])))
    if view.checks:
        checks = [m._("*Quick consents*")] + quick_consent.minutes_lines(m, view.checks)
        for start in range(0, len(checks), 10):
            blocks.append(_md("\n".join(checks[start : start + 10])))
    return blocks


def _corrections(m: Messages, view: MeetingView) -> list[Block]:
    """The secretary's correction, and their button until the minutes are consented to."""
    blocks: list[Block] = []
    if view.correction and view.corrected_by:
        heading = m._("*Corrected by the secretary, {who}:*", who=mention(view.corrected_by))
        blocks.append(_md(heading + "\n" + escape(truncate(view.correction, 2500))))
    if view.ended_at and not view.minutes_consented and view.secretary_id:
        button = ButtonElement(
            action_id=ids.ACT_MINUTES_CORRECT,
            text=m._("Correct the minutes"),
            value=MinutesValue(meeting_id=view.id).dump(),
        )
        blocks += [
            ActionsBlock(block_id=ids.BLOCK_MINUTES_ACTIONS, elements=[button]),
            _ctx(
                m._(
                    "The secretary, {who}, corrects the minutes until the next meeting "
                    "consents to them.",
                    who=mention(view.secretary_id),
                )
            ),
        ]
    return blocks


# ---------------------------------------------------------------- to one person


def overview(m: Messages, seen: MeetingOverview) -> Rendered:
    """`/meeting`: the rhythm, the next meeting, the one running now."""
    lines = []
    if seen.cadence is None:
        lines.append(
            m._(
                "<#{channel}> has no governance meeting rhythm. Set one with `/meeting settings`.",
                channel=seen.channel_id,
            )
        )
    else:
        cadence = seen.cadence
        lines.append(
            m._(
                "<#{channel}> meets {cadence}, for {minutes} minutes.",
                channel=seen.channel_id,
                cadence=cadence_text(m, cadence.cadence),
                minutes=cadence.duration_minutes,
            )
        )
        if seen.next_meeting_at:
            when = meeting_date(m, seen.next_meeting_at, cadence.cadence.tz)
            lines.append(m._("Next meeting: {when}.", when=when))
    lines += people_lines(m, seen.facilitator, seen.secretary)
    if seen.running is not None:
        lines.append(
            m._(
                "A meeting is running now, facilitated by {who}.",
                who=mention(seen.running.facilitator_id),
            )
        )
    tip = m._(
        "`/meeting start` runs the meeting in a thread, `/meeting end` closes it with the "
        "minutes, `/meeting minutes [YYYY-MM-DD]` shows them, `/meeting settings` changes the "
        "rhythm."
    )
    text = "\n".join(lines)
    return text, _dicts([_md(text), _ctx(tip)])


def started(m: Messages) -> str:
    """To the starter: the meeting runs."""
    return m._("The meeting has started; you facilitate it. Follow it in the thread.")


def ended(m: Messages) -> str:
    """To the facilitator: ended, minutes posted."""
    return m._("The meeting has ended. I post the minutes in the channel.")


def checked_in(m: Messages, first_time: bool) -> str:
    """To someone who pressed "I'm here"."""
    if first_time:
        return m._("You are checked in.")
    return m._("You were checked in already.")


def more_time_given(m: Messages, view: MeetingView) -> str:
    """To the facilitator: the item has more time now."""
    up = None
    if view.current and view.item_started_at:
        up = time_up_at(view.item_started_at, view.current.estimate_minutes,
                        view.item_extra_minutes)  # fmt: skip
    if up is None:
        return m._("{n} minutes added to this item.", n=view.item_extra_minutes)
    return m._(
        "{n} minutes added to this item in all; its time is up at {up}.",
        n=view.item_extra_minutes,
        up=slack_time(up, view.tz),
    )


def evaluated(m: Messages) -> str:
    """To someone who sent their evaluation."""
    return m._("Thank you: your evaluation is recorded. Send it again to change it.")


def stopped(m: Messages, channel_id: str) -> str:
    """To the person who stopped the meetings."""
    return m._(
        "No more governance meetings or agendas for <#{channel}> until its rhythm is set again "
        "with `/meeting settings`.",
        channel=channel_id,
    )


# ---------------------------------------------------------------- what `/meeting` asks for

MEETING_WORDS = {
    "help": {"help", "hulp", "?"},  # handlers.usage answers it
    "settings": {"settings", "instellingen", "rhythm", "ritme"},
    "agenda": {"agenda"},
    "start": {"start", "begin"},
    "end": {"end", "einde", "sluit"},
    "minutes": {"minutes", "notulen"},
}


def meeting_request(text: str | None) -> str:
    """What a `/meeting` text asks for: settings, agenda, start, end, minutes, or show."""
    words = (text or "").split()
    if words:
        for request, spelled in MEETING_WORDS.items():
            if words[0].lower() in spelled and (len(words) == 1 or request == "minutes"):
                return request
    return "show"


def asks(request: str) -> Callable[..., bool]:
    """A listener matcher: the `/meeting` command asks for `request`."""

    def matches(command: dict[str, Any]) -> bool:
        return meeting_request(command.get("text")) == request

    matches.__name__ = f"meeting_asks_{request}"
    return matches
