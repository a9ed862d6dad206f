"""Block Kit builders for consent rounds: the modal, the round message, results and reminders."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from babel.dates import format_date
from pydantic import BaseModel
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    ContextBlock,
    DatePickerElement,
    DateTimePickerElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import errors, ids, resolutions
from bot.blocks.inputs import text_input
from bot.blocks.objections import objection_lines, objection_reason_lines
from bot.blocks.text import escape, mention, one_line, quote_chunks, slack_date, truncate
from bot.blocks.values import RoundValue
from bot.domain.backlog import ItemView
from bot.domain.consent import (
    MAX_PROPOSAL_LENGTH,
    MAX_REASON_LENGTH,
    Answer,
    Outcome,
    Position,
    RoundStatus,
    default_deadline,
    default_review_date,
)
from bot.domain.errors import DomainError
from bot.i18n import Messages
from bot.services.views import ObjectionView, RoundBrief, RoundView

Rendered = tuple[str, list[dict]]
OPTION_HIDDEN = "hidden"  # the proposal form's options (checkbox values)
OPTION_RESPONSE = "response"
MESSAGE_BLOCK_LIMIT = 50
REASON_SHOWN = 600
NAMES_CHARS = 2800


def _dicts(blocks: list[Block]) -> list[dict]:
    return [b.to_dict() for b in blocks]


def _md(text: str, block_id: str | None = None) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text), block_id=block_id)


def _ctx(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def long_date(m: Messages, day: date) -> str:
    """A calendar date written out in the reader's language."""
    return format_date(day, format="long", locale=m.locale)


def position_label(m: Messages, position: Position) -> str:
    """The name of an answer."""
    return {
        Position.CONSENT: m._("Consent"),
        Position.CONCERN: m._("Concern"),
        Position.OBJECTION: m._("Objection"),
        Position.OBJECTION_STARTED: m._("Objection (reason not given yet)"),
    }[position]


def names(users: list[str], limit: int = NAMES_CHARS) -> str:
    """Mentions of many people, shortened to fit a section."""
    out: list[str] = []
    used = 0
    for n, user in enumerate(users):
        piece = mention(user)
        if used + len(piece) + 2 > limit - 20:
            out.append(f"+{len(users) - n}")
            break
        out.append(piece)
        used += len(piece) + 2
    return ", ".join(out)


# ---------------------------------------------------------------- the /consent modal


def _text_inputs(m: Messages, initial: dict[str, Any]) -> list[Block]:
    """The title and the proposal itself."""
    blocks: list[Block] = []
    blocks.append(
        text_input(
            ids.IN_TITLE,
            m._("Title"),
            multiline=False,
            max_length=150,
            initial=initial.get("title"),
        )
    )
    blocks.append(
        text_input(
            ids.IN_PROPOSAL,
            m._("Proposal"),
            hint=m._(
                "What do you propose in response to the driver? Good enough for now, safe enough to try."
            ),
            optional=False,
            max_length=MAX_PROPOSAL_LENGTH,
            initial=initial.get("text"),
        )
    )
    return blocks


def _driver_inputs(m: Messages, backlog: list[ItemView], initial: dict[str, Any]) -> list[Block]:
    """The driver: a backlog item, or described."""
    blocks: list[Block] = []
    options = [
        Option(value=str(item.id), text=one_line(f"#{item.number} {item.text}", 75))
        for item in backlog[:100]
    ]
    if options:
        initial_item = next((o for o in options if o.value == str(initial.get("item_id"))), None)
        blocks.append(
            InputBlock(
                block_id=ids.IN_DRIVER_ITEM[0],
                optional=True,
                label=m._("Driver from the backlog"),
                element=StaticSelectElement(
                    action_id=ids.IN_DRIVER_ITEM[1],
                    options=options,
                    placeholder=m._("Pick an item"),
                    initial_option=initial_item,
                ),
            )
        )
    blocks.append(
        text_input(
            ids.IN_DRIVER_TEXT,
            m._("…or describe the driver"),
            hint=m._("Current situation, its effect, and why it matters."),
            initial=initial.get("driver"),
        )
    )
    return blocks


def _s3_inputs(m: Messages, initial: dict[str, Any]) -> list[Block]:
    """Who is responsible, and how the agreement is evaluated."""
    blocks: list[Block] = []
    blocks.append(
        text_input(
            ids.IN_RESPONSIBILITIES,
            m._("Who is responsible for what"),
            initial=initial.get("responsibilities"),
        )
    )
    blocks.append(
        InputBlock(
            block_id=ids.IN_RESPONSIBLE_PEOPLE[0],
            optional=True,
            label=m._("People responsible"),
            hint=m._("They get the reminders when the agreement comes up for review."),
            element=UserMultiSelectElement(
                action_id=ids.IN_RESPONSIBLE_PEOPLE[1],
                initial_users=initial.get("responsible_ids") or None,
            ),
        )
    )
    blocks.append(
        text_input(
            ids.IN_EVALUATION,
            m._("Evaluation criteria"),
            hint=m._("How will you know at the review whether it worked?"),
            initial=initial.get("evaluation"),
        )
    )
    return blocks


def _deadline_input(m: Messages, deadline: datetime) -> InputBlock:
    return InputBlock(
        block_id=ids.IN_DEADLINE[0],
        label=m._("Answer before"),
        hint=m._("In your own timezone; at least an hour and at most 60 days from now."),
        element=DateTimePickerElement(
            action_id=ids.IN_DEADLINE[1], initial_date_time=int(deadline.timestamp())
        ),
    )


def _more_options(m: Messages, initial: dict[str, Any], today: date) -> list[Block]:
    """What the round will be unless the person opens the rest of the form."""
    review = initial.get("review_date") or today
    said = m._(
        "Everyone in this channel answers, answers stay hidden until the round closes, and the "
        "agreement is reviewed on {date}. Responsibilities, evaluation criteria, the people "
        "who answer, a questions phase and a quorum are under More options.",
        date=long_date(m, review),
    )
    return [
        _ctx(said),
        ActionsBlock(
            block_id=ids.BLOCK_CONSENT_MORE,
            elements=[ButtonElement(action_id=ids.ACT_CONSENT_MORE, text=m._("More options"))],
        ),
    ]


def _timing_inputs(
    m: Messages, initial: dict[str, Any], today: date, deadline: datetime
) -> list[Block]:
    """The review date and the deadline for answers."""
    blocks: list[Block] = []
    review = initial.get("review_date") or today
    blocks.append(
        InputBlock(
            block_id=ids.IN_REVIEW_DATE[0],
            label=m._("Review date"),
            element=DatePickerElement(
                action_id=ids.IN_REVIEW_DATE[1], initial_date=review.isoformat()
            ),
        )
    )
    blocks.append(_deadline_input(m, deadline))
    opens: datetime | None = initial.get("answers_open_at")
    blocks.append(
        InputBlock(
            block_id=ids.IN_QUESTIONS_UNTIL[0],
            optional=True,
            label=m._("Clarifying questions until"),
            hint=m._(
                "Optional: until then people ask questions in the round's thread, and answers "
                "open at this time. It must be before the deadline."
            ),
            element=DateTimePickerElement(
                action_id=ids.IN_QUESTIONS_UNTIL[1],
                initial_date_time=int(opens.timestamp()) if opens else None,
            ),
        )
    )
    return blocks


def _who_inputs(m: Messages, initial: dict[str, Any]) -> list[Block]:
    """Who answers: the channel, or the people chosen."""
    blocks: list[Block] = []
    channel_option = Option(value="channel", text=m._("Everyone in this channel"))
    chosen_option = Option(value="chosen", text=m._("The people I choose below"))
    blocks.append(
        InputBlock(
            block_id=ids.IN_WHO[0],
            label=m._("Who answers"),
            element=RadioButtonsElement(
                action_id=ids.IN_WHO[1],
                options=[channel_option, chosen_option],
                initial_option=chosen_option if initial.get("people") else channel_option,
            ),
        )
    )
    blocks.append(
        InputBlock(
            block_id=ids.IN_PEOPLE[0],
            optional=True,
            label=m._("Chosen people"),
            element=UserMultiSelectElement(
                action_id=ids.IN_PEOPLE[1], initial_users=initial.get("people") or None
            ),
        )
    )
    return blocks


def _option_inputs(m: Messages, initial: dict[str, Any]) -> list[Block]:
    """Hidden answers and the quorum."""
    blocks: list[Block] = []
    hidden_option = Option(
        value=OPTION_HIDDEN,
        text=m._("Hide answers until the round closes"),
        description=m._("Positions are revealed together, as S3 recommends."),
    )
    response_option = Option(
        value=OPTION_RESPONSE,
        text=m._("Ask for a brief response before answering"),
        description=m._(
            "Each participant first replies in the round's thread, in a sentence or two."
        ),
    )
    chosen = [hidden_option] if initial.get("hidden", True) else []
    chosen += [response_option] if initial.get("ask_response") else []
    blocks.append(
        InputBlock(
            block_id=ids.IN_OPTIONS[0],
            optional=True,
            label=m._("Options"),
            element=CheckboxesElement(
                action_id=ids.IN_OPTIONS[1],
                options=[hidden_option, response_option],
                initial_options=chosen or None,
            ),
        )
    )
    blocks.append(
        InputBlock(
            block_id=ids.IN_QUORUM[0],
            optional=True,
            label=m._("Quorum (%)"),
            hint=m._("Optional: the share of participants who must answer for a decision."),
            element=NumberInputElement(
                action_id=ids.IN_QUORUM[1],
                is_decimal_allowed=False,
                min_value=1,
                max_value=100,
                initial_value=initial.get("quorum"),
            ),
        )
    )
    return blocks


def consent_modal(
    m: Messages,
    *,
    metadata: str,
    backlog: list[ItemView],
    today: date,
    deadline: datetime,
    initial: dict[str, Any] | None = None,
    objections: list[tuple[ObjectionView, str]] | None = None,
    version: int = 1,
    essentials: bool = False,
) -> dict:
    """The proposal form: S3's proposal parts, review date, deadline, participants and options.
    With `essentials`, only the title, proposal, driver and deadline, and a More options
    button that brings the rest (what it will be until then is said under it)."""
    initial = initial or {}
    deadline = initial.get("deadline") or deadline
    blocks: list[Block] = resolutions.amend_blocks(m, objections, today) if objections else []
    blocks += _text_inputs(m, initial)
    blocks += _driver_inputs(m, backlog, initial)
    if essentials:
        blocks += [_deadline_input(m, deadline), *_more_options(m, initial, today)]
    else:
        blocks += _s3_inputs(m, initial)
        blocks += _timing_inputs(m, initial, today, deadline)
        blocks += _who_inputs(m, initial)
        blocks += _option_inputs(m, initial)
    title = (
        m._("Consent round") if version == 1 else m._("Amend: version {version}", version=version)
    )
    return View(
        type="modal",
        callback_id=ids.CB_CONSENT_MODAL,
        title=truncate(title, 24),
        submit=m._("Start round"),
        close=m._("Cancel"),
        private_metadata=metadata,
        blocks=blocks,
    ).to_dict()


def _purpose_blocks(m: Messages, purpose: str | None, objection: bool) -> list[Block]:
    """The circle's domain purpose, which an objection (or concern) is weighed against."""
    if not purpose:
        return []
    ask = (
        m._(
            "Weigh it against this purpose: what harm to it would the proposal do, or what "
            "worthwhile improvement to it does the proposal miss?"
        )
        if objection
        else m._("Weigh it against this purpose: what might the proposal do to it?")
    )
    label = m._("The purpose of this circle's domain")
    return [_md(f"*{label}:* " + escape(truncate(purpose, 1200)) + "\n" + ask)]


def reason_modal(
    m: Messages, view: RoundView | RoundBrief, position: Position, metadata: str,
    purpose: str | None = None,
) -> dict:  # fmt: skip
    """Ask for the reason of an objection (required) or a concern (invited), with the
    domain's purpose to weigh it against when the circle has described its domain."""
    objection = position is Position.OBJECTION
    blocks: list[Block] = [
        _md(f"*{escape(truncate(view.title, 200))}*\n" + escape(truncate(view.text, 800))),
        _ctx(
            m._(
                "An objection says why the proposal would bring consequences worth avoiding, or how it "
                "could be better. Think of effectiveness (will it work?), side-effects (what else does it "
                "affect?) and efficiency (is there a cheaper way?)."
            )
            if objection
            else m._(
                "A concern is a doubt that does not block the proposal. It is recorded with the agreement "
                "and looked at again at its review."
            )
        ),
        *_purpose_blocks(m, purpose, objection),
        InputBlock(
            block_id=ids.IN_REASON[0],
            optional=not objection,
            label=m._("Your reason") if objection else m._("Your concern (optional, but it helps)"),
            element=PlainTextInputElement(
                action_id=ids.IN_REASON[1],
                multiline=True,
                max_length=MAX_REASON_LENGTH,
                focus_on_load=True,
            ),
        ),
    ]
    title = m._("Objection") if objection else m._("Concern")
    return View(
        type="modal",
        callback_id=ids.CB_REASON_MODAL,
        title=truncate(title, 24),
        submit=m._("Send"),
        close=m._("Cancel"),
        private_metadata=metadata,
        blocks=blocks,
    ).to_dict()


def extend_modal(m: Messages, view: RoundView, deadline: datetime, metadata: str) -> dict:
    """Choose a new deadline for a round without quorum."""
    return View(
        type="modal",
        callback_id=ids.CB_EXTEND_MODAL,
        title=truncate(m._("Extend the round"), 24),
        submit=m._("Extend"),
        close=m._("Cancel"),
        private_metadata=metadata,
        blocks=[
            _md(f"*{escape(truncate(view.title, 200))}*"),
            InputBlock(
                block_id=ids.IN_DEADLINE[0],
                label=m._("Answer before"),
                element=DateTimePickerElement(
                    action_id=ids.IN_DEADLINE[1], initial_date_time=int(deadline.timestamp())
                ),
            ),
        ],
    ).to_dict()


# ---------------------------------------------------------------- the round message


def _header(m: Messages, view: RoundView) -> HeaderBlock:
    label = m._(
        "Consent round P{number} v{version}", number=view.proposal_number, version=view.version
    )
    return HeaderBlock(text=one_line(f"{label}: {view.title}", 150))


def _labelled(label: str, value: str) -> str:
    return f"*{label}:* {value}"


def _proposal_blocks(m: Messages, view: RoundView) -> list[Block]:
    blocks: list[Block] = [_md(chunk) for chunk in quote_chunks(view.text)]
    parts = []
    if view.driver or view.item_number:
        driver = escape(truncate(view.driver or "", 700))
        prefix = f"#{view.item_number} " if view.item_number else ""
        parts.append(_labelled(m._("Driver"), prefix + driver))
    if view.responsibilities:
        parts.append(
            _labelled(
                m._("Who is responsible for what"), escape(truncate(view.responsibilities, 700))
            )
        )
    if view.evaluation:
        parts.append(_labelled(m._("Evaluation criteria"), escape(truncate(view.evaluation, 700))))
    parts.append(_labelled(m._("Review date"), long_date(m, view.review_date)))
    blocks.append(_md("\n".join(parts)))
    return blocks


def round_message(m: Messages, view: RoundView) -> Rendered:
    """The channel message of a round: open (buttons, count) or closed (outcome, answers revealed)."""
    blocks: list[Block] = [_header(m, view)]
    blocks += _proposal_blocks(m, view)
    if view.status is RoundStatus.OPEN:
        blocks += _open_part(m, view)
    else:
        blocks += _closed_part(m, view)
    if view.sent_to_meeting_at is not None:
        blocks.append(_ctx(sent_to_meeting_line(m, view)))
    blocks = blocks[: MESSAGE_BLOCK_LIMIT - 1] + (
        [blocks[-1]] if len(blocks) >= MESSAGE_BLOCK_LIMIT else []
    )
    fallback = m._("Consent round on: {title}", title=escape(truncate(view.title, 200)))
    return fallback, _dicts(blocks[:MESSAGE_BLOCK_LIMIT])


def answer_buttons(m: Messages, round_id: int) -> list[ButtonElement]:
    """Consent, Concern and Objection for one round."""
    value = RoundValue(round_id=round_id).dump()
    return [
        ButtonElement(
            action_id=ids.ACT_ANSWER_CONSENT, text=m._("Consent"), value=value, style="primary"
        ),
        ButtonElement(action_id=ids.ACT_ANSWER_CONCERN, text=m._("Concern"), value=value),
        ButtonElement(
            # Not styled as destructive: an objection is a contribution, not a harm to confirm.
            action_id=ids.ACT_ANSWER_OBJECTION,
            text=m._("Objection"),
            value=value,
        ),
    ]


def legend(m: Messages) -> str:
    """What the three answers mean."""
    return "\n".join(
        [
            m._(":white_check_mark: *Consent*: good enough for now, safe enough to try."),
            m._(":thinking_face: *Concern*: a doubt that does not block; say why if you can."),
            m._(
                ":raised_hand: *Objection*: a reason to expect harm or a worthwhile improvement; a reason is required."
            ),
        ]
    )


def _open_part(m: Messages, view: RoundView) -> list[Block]:
    blocks: list[Block] = [
        _ctx(
            m._(
                "Proposed by {author}. Answer before {deadline}.",
                author=mention(view.author_id),
                deadline=slack_date(view.deadline),
            )
        ),
        _ctx(legend(m)),
    ]
    blocks += _questions_part(m, view) if view.in_questions_phase else _count_part(m, view)
    if view.ask_response:
        blocks.append(
            _md(
                m._(
                    ":speech_balloon: *Before you answer*, reply in this message's thread with a "
                    "brief response to the proposal, in a sentence or two."
                )
            )
        )
    first = (
        [_tell_when_open_button(m, view.id)]
        if view.in_questions_phase
        else answer_buttons(m, view.id)
    )
    blocks.append(ActionsBlock(block_id=ids.BLOCK_ROUND_ACTIONS, elements=first))
    if not view.in_questions_phase:
        blocks.append(_ctx(_invitation(m, view)))
    return blocks


def _questions_part(m: Messages, view: RoundView) -> list[Block]:
    """While the round takes questions: ask them in the thread; answers open later."""
    assert view.answers_open_at is not None
    return [
        _md(
            m._(
                ":question: *Questions first.* Ask your clarifying questions in this message's "
                "thread, so everyone understands the proposal before answering."
            )
        ),
        _ctx(m._("Answers open at {when}.", when=slack_date(view.answers_open_at))),
    ]


def _count_part(m: Messages, view: RoundView) -> list[Block]:
    """Who has answered: the count, and with public answers, the answers themselves."""
    count = m._("*{k} of {n} have answered.*", k=view.answered_count, n=len(view.participants))
    if view.hidden:
        count += " " + m._("Answers stay hidden until the round closes.")
    blocks: list[Block] = [_md(count)]
    if not view.hidden and view.answers:
        lines = [
            f"{mention(a.user_id)}: {position_label(m, a.position)}"
            + (f": {escape(truncate(a.reason, 200))}" if a.reason else "")
            for a in sorted(view.answers.values(), key=lambda a: a.at)
        ]
        for start in range(0, min(len(lines), 60), 20):
            blocks.append(_md(truncate("\n".join(lines[start : start + 20]), 2900)))
    return blocks


def _invitation(m: Messages, view: RoundView) -> str:
    """Where to ask questions, and (public answers only) that reactions answer too."""
    if view.hidden:
        return m._(
            "Questions? Ask in this message's thread. Answers stay private until the round "
            "closes: answer with the buttons, not with a reaction."
        )
    return m._(
        "Questions? Ask in this message's thread. You can also react with :white_check_mark: :thinking_face: :raised_hand:."
    )


def _tell_when_open_button(m: Messages, round_id: int) -> ButtonElement:
    return ButtonElement(
        action_id=ids.ACT_TELL_WHEN_OPEN,
        text=m._("Tell me when answers open"),
        value=RoundValue(round_id=round_id).dump(),
    )


def sent_to_meeting_line(m: Messages, view: RoundView) -> str:
    """That the round goes to the governance meeting, and which one."""
    if view.meeting_for is None:
        return m._(":calendar: Sent to the next governance meeting.")
    return m._(
        ":calendar: Sent to the governance meeting on {date}.", date=slack_date(view.meeting_for)
    )


def _author_buttons(m: Messages, view: RoundView) -> list[ButtonElement]:
    """The author's controls as the round allows them (the handlers check who clicked)."""
    value = RoundValue(round_id=view.id).dump()
    send = ButtonElement(
        action_id=ids.ACT_SEND_TO_MEETING, text=m._("Send to the meeting"), value=value
    )
    sendable = view.sent_to_meeting_at is None
    if view.status is not RoundStatus.OPEN:
        return [send] if sendable and view.outcome is Outcome.OBJECTIONS else []
    extend = ButtonElement(action_id=ids.ACT_EXTEND, text=m._("Extend the deadline"), value=value)
    return [
        ButtonElement(
            action_id=ids.ACT_CLOSE_EARLY,
            text=m._("Close now"),
            value=value,
            confirm=ConfirmObject(
                title=m._("Close the round now?"),
                text=m._("Answers stop and the outcome is decided from the answers so far."),
                confirm=m._("Close now"),
                deny=m._("Cancel"),
            ),
        ),
        ButtonElement(
            action_id=ids.ACT_WITHDRAW,
            text=m._("Withdraw"),
            value=value,
            confirm=ConfirmObject(
                title=m._("Withdraw the proposal?"),
                text=m._("The round ends without a decision."),
                confirm=m._("Withdraw"),
                deny=m._("Cancel"),
                style="danger",
            ),
        ),
        *([send] if sendable else []),
        extend,
    ]


def author_controls(m: Messages, view: RoundView, link: str | None) -> Rendered:
    """The author's own control message, by DM: what they can do with the round now."""
    title = escape(truncate(view.title, 200))
    if view.status is RoundStatus.OPEN:
        text = m._(
            "Your proposal “{title}” is open for answers until {deadline}.",
            title=title, deadline=slack_date(view.deadline),
        )  # fmt: skip
        hint = m._("Only you see these controls.")
    else:
        text = m._("Your proposal “{title}” is closed.", title=title) + " " + outcome_line(m, view)
        hint = m._("The result came in its own message, with what you can do next.")
    blocks: list[Block] = [_md(text)]
    if link:
        blocks.append(_ctx(m._("<{link}|Open the round>", link=link)))
    if view.sent_to_meeting_at is not None:
        blocks.append(_ctx(sent_to_meeting_line(m, view)))
    if buttons := _author_buttons(m, view):
        blocks.append(ActionsBlock(block_id=ids.BLOCK_AUTHOR_CONTROLS, elements=buttons))
        blocks.append(_ctx(hint))
    return text, _dicts(blocks)


def sent_to_meeting(m: Messages, view: RoundView, changed: bool) -> str:
    """To the author: the round goes to the meeting (or it was sent already)."""
    line = sent_to_meeting_line(m, view)
    if changed:
        return line + " " + m._("It appears on the agenda with its open objections.")
    return m._("This round was sent to the meeting already.") + " " + line


def outcome_line(m: Messages, view: RoundView) -> str:
    """One line saying how the round ended."""
    decision = view.decision()
    if view.decided_at_meeting is not None:
        return m._(
            ":white_check_mark: *Decided at the governance meeting of {date}:* agreement "
            "#{number}, consented by the people present.",
            date=long_date(m, view.decided_at_meeting),
            number=view.agreement_number or "?",
        )
    if view.outcome is Outcome.CONSENTED and view.agreement_number is None:
        return m._(":white_check_mark: *Consented.*")  # a decision that is no agreement
    if view.outcome is Outcome.CONSENTED:
        return m._(
            ":white_check_mark: *Consented.* Agreement #{number}, to be reviewed on {date}.",
            number=view.agreement_number,
            date=long_date(m, view.review_date),
        )
    if view.outcome is Outcome.OBJECTIONS:
        return m.n_(
            ":raised_hand: *Not consented: {n} objection to resolve.*",
            ":raised_hand: *Not consented: {n} objections to resolve.*",
            len(decision.objections),
        )
    if view.outcome is Outcome.NO_QUORUM:
        return m._(
            ":hourglass: *No decision: {k} of {n} answered*, fewer than the quorum of {quorum}%.",
            k=len(decision.answered),
            n=decision.participants,
            quorum=view.quorum or 0,
        )
    return m._(":no_entry_sign: *Withdrawn* by its author.")


def _answer_lines(m: Messages, answers: list[Answer]) -> list[str]:
    return [
        f"{mention(a.user_id)}"
        + (f": {escape(truncate(a.reason, REASON_SHOWN))}" if a.reason else "")
        for a in answers
    ]


def _closed_part(m: Messages, view: RoundView) -> list[Block]:
    decision = view.decision()
    closed = view.closed_at or view.deadline
    blocks: list[Block] = [
        _md(outcome_line(m, view)),
        _ctx(
            m._(
                "Closed {when}. {k} of {n} answered.",
                when=slack_date(closed),
                k=len(decision.answered),
                n=decision.participants,
            )
        ),
    ]
    if tested := objection_reason_lines(m, view.objections, REASON_SHOWN):
        blocks.append(_md("*" + m._("Objections, as tested") + "*"))
        for line in tested[:15]:
            blocks.append(_md(line))
    elif decision.objections:
        blocks.append(_md("*" + m._("Objections") + "*"))
        for line in _answer_lines(m, decision.objections)[:15]:
            blocks.append(_md(line))
    if decision.concerns:
        blocks.append(_md("*" + m._("Concerns") + "*"))
        for line in _answer_lines(m, decision.concerns)[:10]:
            blocks.append(_md(line))
    if decision.consents:
        blocks.append(
            _md("*" + m._("Consent") + ":* " + names([a.user_id for a in decision.consents]))
        )
    if decision.silent:
        blocks.append(
            _md(
                "*"
                + m._("Did not answer (silence is not consent)")
                + ":* "
                + names(decision.silent)
            )
        )
    if decision.objections_without_reason:
        blocks.append(
            _ctx(
                m.n_(
                    "{n} objection was started by reaction but never given a reason, so it did not count.",
                    "{n} objections were started by reaction but never given a reason, so they did not count.",
                    decision.objections_without_reason,
                )
            )
        )
    return blocks


# ---------------------------------------------------------------- results and reminders


def result_thread(m: Messages, view: RoundView) -> Rendered:
    """The thread reply announcing a round's result to the channel (kept up to date with where
    each objection stands)."""
    text = outcome_line(m, view)
    blocks: list[Block] = [_md(text)]
    if lines := objection_lines(m, view.objections):
        blocks.append(_md("*" + m._("Objections, as tested") + "*\n" + "\n".join(lines[:15])))
        if view.outcome is Outcome.OBJECTIONS:
            blocks.append(
                _ctx(m._("Each objection has its own reply in this thread, where it is tested."))
            )
    return text, _dicts(blocks)


def author_result(m: Messages, view: RoundView, link: str | None) -> Rendered:
    """The result for the author, with what they can do next."""
    blocks: list[Block] = [_md(f"*{escape(truncate(view.title, 200))}*\n" + outcome_line(m, view))]
    if link:
        blocks.append(_ctx(m._("<{link}|Open the round>", link=link)))
    decision = view.decision()
    if view.outcome is Outcome.OBJECTIONS:
        blocks.append(
            _md(
                m._(
                    "Resolve each objection with the person who raised it, then amend the proposal. "
                    "The next version goes to a new round."
                )
            )
        )
        for line in _answer_lines(m, decision.objections)[:15]:
            blocks.append(_md(line))
        blocks.append(
            _ctx(
                m._(
                    "Each objection is tested in its own reply in the round's thread; there you "
                    "can mark one as not qualified, with your reason. If every objection becomes "
                    "a concern or is accepted as not qualified, the proposal is agreed as it is."
                )
            )
        )
    if view.outcome in (Outcome.OBJECTIONS, Outcome.NO_QUORUM):
        first = (
            ButtonElement(
                action_id=ids.ACT_AMEND,
                text=m._("Amend and start the next round"),
                value=RoundValue(round_id=view.id).dump(),
                style="primary",
            )
            if view.outcome is Outcome.OBJECTIONS
            else ButtonElement(
                action_id=ids.ACT_EXTEND,
                text=m._("Extend the deadline"),
                value=RoundValue(round_id=view.id).dump(),
                style="primary",
            )
        )
        blocks.append(
            ActionsBlock(
                block_id=ids.BLOCK_AUTHOR_ACTIONS,
                elements=[
                    first,
                    ButtonElement(
                        action_id=ids.ACT_WITHDRAW,
                        text=m._("Withdraw"),
                        value=RoundValue(round_id=view.id).dump(),
                        confirm=ConfirmObject(
                            title=m._("Withdraw the proposal?"),
                            text=m._("The round ends without a decision."),
                            confirm=m._("Withdraw"),
                            deny=m._("Cancel"),
                            style="danger",
                        ),
                    ),
                ],
            )
        )
    return outcome_line(m, view), _dicts(blocks)


def nudge(m: Messages, view: RoundView, link: str | None) -> Rendered:
    """A reminder to a participant who has not answered yet."""
    text = m._(
        "Your answer is still open on the proposal “{title}”. The round closes {deadline}.",
        title=escape(truncate(view.title, 200)),
        deadline=slack_date(view.deadline),
    )
    blocks: list[Block] = [_md(text), _ctx(legend(m))]
    if link:
        blocks.append(_ctx(m._("<{link}|Read the proposal and its thread>", link=link)))
    blocks.append(
        ActionsBlock(block_id=ids.BLOCK_NUDGE_ACTIONS, elements=answer_buttons(m, view.id))
    )
    return text, _dicts(blocks)


def nudge_answered(m: Messages, position: Position, view: RoundView | RoundBrief) -> Rendered:
    """The reminder once answered from it: what was answered, and no buttons left."""
    text = m._(
        "You answered “{position}” on the proposal “{title}”.",
        position=position_label(m, position),
        title=escape(truncate(view.title, 200)),
    )
    return text, _dicts([_md(":white_check_mark: " + text)])


def author_amended(m: Messages, title: str, version: int) -> Rendered:
    """The author's result DM once amended from it: the next version's round is open."""
    text = m._(
        "You amended “{title}”: version {version} is open in a new round.",
        title=escape(truncate(title, 200)),
        version=version,
    )
    return text, _dicts([_md(":white_check_mark: " + text)])


def author_withdrew(m: Messages, title: str) -> Rendered:
    """The author's result DM once the proposal was withdrawn from it."""
    text = m._("You withdrew the proposal “{title}”.", title=escape(truncate(title, 200)))
    return text, _dicts([_md(text)])


def ask_reason(m: Messages, view: RoundView | RoundBrief) -> Rendered:
    """After a raised-hand reaction: an objection counts only with its reason."""
    text = m._(
        "You reacted with :raised_hand: on “{title}”. An objection counts only with its reason: "
        "please give it before the round closes {deadline}.",
        title=escape(truncate(view.title, 200)),
        deadline=slack_date(view.deadline),
    )
    return text, _dicts(
        [
            _md(text),
            ActionsBlock(
                elements=[
                    ButtonElement(
                        action_id=ids.ACT_GIVE_REASON,
                        text=m._("Give my reason"),
                        value=RoundValue(round_id=view.id).dump(),
                        style="primary",
                    )
                ]
            ),
        ]
    )


def answers_open(m: Messages, view: RoundView, link: str | None) -> Rendered:
    """To a participant who asked: the questions phase is over, answers are open."""
    text = m._(
        "Answers are open on the proposal “{title}”. Answer before {deadline}.",
        title=escape(truncate(view.title, 200)),
        deadline=slack_date(view.deadline),
    )
    blocks: list[Block] = [_md(text), _ctx(legend(m))]
    if view.ask_response:
        blocks.append(
            _ctx(
                m._(
                    "Before you answer, reply in the round's thread with a brief response to "
                    "the proposal."
                )
            )
        )
    if link:
        blocks.append(_ctx(m._("<{link}|Read the proposal and its thread>", link=link)))
    blocks.append(ActionsBlock(elements=answer_buttons(m, view.id)))
    return text, _dicts(blocks)


def reaction_not_counted(m: Messages, view: RoundBrief, reaction: str) -> Rendered:
    """After a reaction on a round whose answers are hidden: it did not count; answer privately."""
    text = m._(
        "Your :{reaction}: on “{title}” is visible to everyone, and answers to this round stay "
        "hidden until it closes, so it did not count. Answer privately with the buttons below.",
        reaction=reaction,
        title=escape(truncate(view.title, 200)),
    )
    return text, _dicts([_md(text), ActionsBlock(elements=answer_buttons(m, view.id))])


def reaction_too_early(m: Messages, view: RoundBrief, reaction: str) -> Rendered:
    """After a reaction during the questions phase: it did not count; answers open later."""
    text = m._(
        "Your :{reaction}: on “{title}” did not count: answers open at {when}. Until then, ask "
        "your clarifying questions in the round's thread.",
        reaction=reaction,
        title=escape(truncate(view.title, 200)),
        when=slack_date(view.opens_at) if view.opens_at else "?",
    )
    return text, _dicts([_md(text), ActionsBlock(elements=[_tell_when_open_button(m, view.id)])])


def watching(m: Messages, view: RoundBrief) -> str:
    """Confirmation: the person is told by DM when answers open."""
    return m._(
        "I will tell you by DM when answers open on “{title}”, at {when}.",
        title=escape(truncate(view.title, 200)),
        when=slack_date(view.opens_at) if view.opens_at else "?",
    )


def answer_recorded(m: Messages, position: Position, view: RoundView | RoundBrief) -> str:
    """Ephemeral confirmation of an answer (the one that completes the round closes it: it
    can no longer be changed)."""
    if isinstance(view, RoundBrief) and view.complete:
        return m._(
            "Recorded your answer “{position}” on “{title}”. Everyone has answered, so the round closes now.",
            position=position_label(m, position),
            title=escape(truncate(view.title, 200)),
        )
    return m._(
        "Recorded your answer “{position}” on “{title}”. You can change it until the round closes {deadline}.",
        position=position_label(m, position),
        title=escape(truncate(view.title, 200)),
        deadline=slack_date(view.deadline),
    )


def default_deadline_for_modal(now: datetime) -> datetime:
    """A neutral initial deadline when the author's timezone is unknown."""
    return datetime.combine((now + timedelta(days=3)).date(), time(12, 0), tzinfo=now.tzinfo)


# ---------------------------------------------------------------- state carried through modals


class Resolving(BaseModel):
    """An open objection the amend form asks about (a hint, checked when the round opens)."""

    objection_id: int
    user_id: str


class ConsentMeta(BaseModel):
    """State carried through the /consent modal."""

    channel_id: str
    proposal_id: int | None = None
    version: int = 1
    evolves_agreement_id: int | None = None
    response_url: str | None = None  # a hint to reply through (replies.reply), never trusted
    resolving: list[Resolving] = []  # amending: the open objections, in the form's order (hints)
    dm: tuple[str, str] | None = None  # the author's result DM (channel, ts) it was opened from
    # A new proposal's form shows the essentials (title, proposal, driver, deadline) and the
    # rest behind "More options"; until then the review date is this default.
    essentials: bool = False
    review_default: date | None = None
    # Opened from a governance meeting's item ("Proposal formed: start a consent round"):
    # that meeting, a hint checked against the store when the round opens.
    meeting_id: int | None = None


class ReasonMeta(BaseModel):
    """State carried through the reason modal."""

    round_id: int
    position: Position
    channel_id: str | None = None
    dm: tuple[str, str] | None = None  # the reminder DM (channel, ts) it was opened from
    response_url: str | None = None  # a hint to reply through (replies.reply), never trusted
    home: bool = False  # opened on the Home tab: it is shown again after


class ExtendMeta(BaseModel):
    """State carried through the extend modal."""

    round_id: int
    channel_id: str | None = None
    response_url: str | None = None  # a hint to reply through (replies.reply), never trusted


# ---------------------------------------------------------------- what the person is told


def field_errors(m: Messages, problems: list[DomainError]) -> dict[str, str]:
    """Every refused field of the proposal form at once (the first problem per field)."""
    found: dict[str, str] = {}
    for exc in problems:
        entry = errors.entry_for(exc)
        if entry is not None and entry.fields:
            found.setdefault(entry.fields[0], errors.explain(m, exc))
    return found


def slow_form(m: Messages) -> str:
    """Slack took longer than its trigger allows to open a form."""
    return m._("That took Slack too long to open the form. Please try again.")


def round_delayed(m: Messages) -> str:
    """The round is stored; Slack refused its message for now, and it is retried."""
    return m._(
        "Your round is saved. Slack is not letting me post it in the channel right now; "
        "it will appear there as soon as Slack does."
    )


def round_not_posted(m: Messages) -> str:
    """The round message could not be posted, so the round was not started."""
    return m._(
        "I could not post the round in this channel, so it was not started. "
        "Invite me with `/invite @S3 Governance` and try again."
    )


def proposal_form(
    m: Messages,
    meta: ConsentMeta,
    backlog: list[ItemView],
    now_local: datetime,
    initial: dict[str, Any],
    objections: list[tuple[ObjectionView, str]] | None = None,
) -> dict:
    """The /consent form for this person (now in their zone) and channel, prefilled."""
    initial.setdefault("review_date", default_review_date(now_local.date()))
    if meta.essentials:
        meta = meta.model_copy(update={"review_default": initial["review_date"]})
    return consent_modal(
        m,
        essentials=meta.essentials,
        metadata=meta.model_dump_json(),
        backlog=backlog,
        today=now_local.date(),
        deadline=default_deadline(now_local, str(now_local.tzinfo)),
        initial=initial,
        objections=objections,
        version=meta.version,
    )
