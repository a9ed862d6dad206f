"""Block Kit builders for the quick consent in a meeting: its message in the thread, its
result, the objection form, the form of a proposal decided now, its lines in the minutes, and
the replies to one person (pure)."""

from __future__ import annotations

from datetime import date, timedelta

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import ids
from bot.blocks.consent import long_date, names
from bot.blocks.inputs import text_input
from bot.blocks.text import escape, mention, one_line, truncate
from bot.blocks.values import QuickConsentValue
from bot.domain.backlog import ItemView
from bot.domain.consent import MAX_FIELD_LENGTH, MAX_PROPOSAL_LENGTH, MAX_TITLE_LENGTH
from bot.domain.quick_consent import CheckKind, CheckStatus, QuickAnswer
from bot.i18n import Messages
from bot.services.views import QuickAnswerView, QuickConsentView

Rendered = tuple[str, list[dict]]
LINE_CHARS = 200
FIELD_CHARS = 900  # each of the agreement's longer fields in the check's message


def _md(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, 2900)))


def _ctx(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, 2900))])


def subject(m: Messages, view: QuickConsentView) -> str:
    """What the check asks consent to."""
    if view.kind == CheckKind.MINUTES:
        if view.subject_date:
            return m._("the minutes of the meeting of {date}", date=long_date(m, view.subject_date))
        return m._("the last meeting's minutes")
    if view.kind == CheckKind.AGENDA:
        return m._("this meeting's agenda")
    if view.kind == CheckKind.ROUND:
        return m._(
            "proposal #{number} {title}, as the meeting amended it",
            number=view.item_number or "?",
            title=escape(one_line(view.item_text or "", LINE_CHARS).rstrip(".")),
        )
    return m._(
        "the proposal on #{number} {text}",
        number=view.item_number or "?",
        text=escape(one_line(view.item_text or "", LINE_CHARS).rstrip(".")),  # a sentence goes on
    )


def _answer_lines(m: Messages, view: QuickConsentView) -> list[str]:
    lines = []
    for a in view.answers:
        if a.answer == QuickAnswer.OBJECTION:
            lines.append(
                m._(
                    "{who}: objection — {reason}",
                    who=mention(a.user_id),
                    reason=escape(one_line(a.reason or "", LINE_CHARS)),
                )
            )
        else:
            lines.append(m._("{who}: consent", who=mention(a.user_id)))
    return lines


def check_message(m: Messages, view: QuickConsentView) -> Rendered:
    """The quick consent in the meeting's thread: what it asks, who answered, the buttons."""
    text = m._("*Quick consent* to {subject}.", subject=subject(m, view))
    body = [text]
    if view.title:
        body.append(_labelled(m._("Title"), escape(one_line(view.title, 150))))
    if view.proposal:
        body.append(escape(truncate(view.proposal, 2000)))
    blocks: list[Block] = [_md("\n".join(body))]
    if view.kind == CheckKind.ITEM:
        blocks.append(_md("\n".join(agreement_lines(m, view))))
    answered = m._(
        "{n} of {total} present answered.", n=len(view.answers), total=len(view.attendees)
    )
    if view.answers and not view.hidden:
        answered += "\n" + "\n".join(_answer_lines(m, view))
    blocks.append(_md(answered))
    if view.status == CheckStatus.OPEN:
        value = QuickConsentValue(consent_id=view.id).dump()
        buttons = [
            ButtonElement(
                action_id=ids.ACT_QC_CONSENT, text=m._("Consent"), value=value, style="primary"
            ),
            ButtonElement(action_id=ids.ACT_QC_OBJECT, text=m._("Objection…"), value=value),
            ButtonElement(action_id=ids.ACT_QC_CLOSE, text=m._("Close"), value=value),
        ]
        blocks.append(ActionsBlock(block_id=ids.BLOCK_QC_ANSWER, elements=buttons))
        hint = m._(
            "Only the people who checked in answer; an objection carries its reason. "
            "The facilitator, {who}, closes it.",
            who=mention(view.facilitator_id),
        )
        if view.hidden:
            hint += " " + m._("Answers stay hidden until it closes.")
        blocks.append(_ctx(hint))
    else:
        blocks.append(_ctx(result_text(m, view)))
    return m._("Quick consent to {subject}", subject=subject(m, view)), [
        b.to_dict() for b in blocks
    ]


def _labelled(label: str, value: str) -> str:
    return f"*{label}:* {value}"


def agreement_lines(m: Messages, view: QuickConsentView) -> list[str]:
    """The fields of the agreement a proposal decided now becomes (each shortened, so that
    together they fit one section)."""
    lines = []
    if view.responsibilities:
        what = escape(truncate(view.responsibilities, FIELD_CHARS))
        lines.append(_labelled(m._("Who is responsible for what"), what))
    if view.evaluation:
        what = escape(truncate(view.evaluation, FIELD_CHARS))
        lines.append(_labelled(m._("Evaluation criteria"), what))
    people = (
        names(view.responsible_ids, 600)
        if view.responsible_ids
        else m._("nobody chosen: the facilitator, {who}", who=mention(view.facilitator_id))
    )
    lines.append(_labelled(m._("People responsible"), people))
    if view.review_date:
        lines.append(m._("*Review date:* {date}", date=long_date(m, view.review_date)))
    return lines


def result_text(m: Messages, view: QuickConsentView) -> str:
    """One line: how the check ended."""
    if view.status == CheckStatus.CONSENTED:
        if view.agreement_number and view.agreement_title:
            return m._(
                "Consented: {subject} is agreement #{number} “{title}”.",
                subject=subject(m, view),
                number=view.agreement_number,
                title=escape(one_line(view.agreement_title, LINE_CHARS)),
            )
        if view.agreement_number:
            return m._(
                "Consented: {subject} is agreement #{number}.",
                subject=subject(m, view),
                number=view.agreement_number,
            )
        return m._("Consented: {subject}.", subject=subject(m, view))
    if view.status == CheckStatus.OBJECTED:
        return m._("Objections to {subject}; they are noted.", subject=subject(m, view))
    return m._("Open: {subject}.", subject=subject(m, view))


def result_message(m: Messages, view: QuickConsentView) -> Rendered:
    """The closed check's result in the thread, with every answer and objection's reason."""
    text = result_text(m, view)
    lines = _answer_lines(m, view) or [m._("Nobody answered.")]
    silent = [u for u in view.attendees if u not in {a.user_id for a in view.answers}]
    blocks: list[Block] = [_md("*" + text + "*\n" + "\n".join(lines))]
    if silent:
        blocks.append(_ctx(m._("Present without an answer: {people}", people=names(silent))))
    if view.kind == CheckKind.ITEM and view.status == CheckStatus.OBJECTED:
        blocks.append(
            _ctx(
                m._(
                    "The item stays: amend the proposal and ask again, record another outcome, "
                    "or move on."
                )
            )
        )
    if view.kind == CheckKind.ROUND and view.status == CheckStatus.OBJECTED:
        blocks.append(
            _ctx(
                m._(
                    "The round stays as it is, sent to the meeting: amend and ask again, or move on."
                )
            )
        )
    return text, [b.to_dict() for b in blocks]


def minutes_lines(m: Messages, checks: list[QuickConsentView]) -> list[str]:
    """What the minutes say of the meeting's quick consents."""
    lines = []
    for check in checks:
        line = "• " + result_text(m, check)
        objections = [a for a in check.answers if a.answer == QuickAnswer.OBJECTION]
        if check.status == CheckStatus.OBJECTED and objections:
            line += " " + "; ".join(
                m._(
                    "{who}: {reason}",
                    who=mention(a.user_id),
                    reason=escape(one_line(a.reason or "", LINE_CHARS)),
                )
                for a in objections
            )
        lines.append(line)
    return lines


def objection_lines(m: Messages, objections: list[QuickAnswerView]) -> list[str]:
    """Objections with their reasons, one a line."""
    return [
        m._(
            "{who}: {reason}",
            who=mention(o.user_id),
            reason=escape(one_line(o.reason or "", LINE_CHARS)),
        )
        for o in objections
    ]


# ---------------------------------------------------------------- forms


def agenda_objection_modal(m: Messages, metadata: str) -> dict:
    """An objection to the agenda of the next meeting, with its reason (checked at submit)."""
    return View(
        type="modal",
        callback_id=ids.CB_AGENDA_OBJECTION,
        title=PlainTextObject(text=truncate(m._("Object to the agenda"), 24)),
        submit=PlainTextObject(text=truncate(m._("Object"), 24)),
        close=PlainTextObject(text=truncate(m._("Cancel"), 24)),
        private_metadata=metadata,
        blocks=[
            _md(
                m._(
                    "What on this agenda would go wrong, or could be better (an item missing, "
                    "the order, the time)? The facilitator sees your objection at the meeting."
                )
            ),
            InputBlock(
                block_id=ids.IN_REASON[0],
                optional=True,  # a missing reason is a field error from the rules, in our words
                label=m._("Reason"),
                element=PlainTextInputElement(
                    action_id=ids.IN_REASON[1], multiline=True, max_length=3000
                ),
            ),
        ],
    ).to_dict()


def objection_modal(m: Messages, view: QuickConsentView, metadata: str) -> dict:
    """An objection to the quick consent, with its reason (checked at submit)."""
    return View(
        type="modal",
        callback_id=ids.CB_QC_OBJECTION,
        title=PlainTextObject(text=truncate(m._("Objection"), 24)),
        submit=PlainTextObject(text=truncate(m._("Object"), 24)),
        close=PlainTextObject(text=truncate(m._("Cancel"), 24)),
        private_metadata=metadata,
        blocks=[
            _md(m._("Your objection to {subject}.", subject=subject(m, view))),
            InputBlock(
                block_id=ids.IN_REASON[0],
                optional=True,  # a missing reason is a field error from the rules, in our words
                label=m._("Reason"),
                hint=m._("What would go wrong, or what could be better?"),
                element=PlainTextInputElement(
                    action_id=ids.IN_REASON[1], multiline=True, max_length=3000
                ),
            ),
        ],
    ).to_dict()


def _agreement_inputs(m: Messages) -> list[Block]:
    """The agreement's fields besides the proposal, as the /consent form has them (optional)."""
    return [
        text_input(
            ids.IN_RESPONSIBILITIES,
            m._("Who is responsible for what"),
            max_length=MAX_FIELD_LENGTH,
        ),
        InputBlock(
            block_id=ids.IN_RESPONSIBLE_PEOPLE[0],
            optional=True,
            label=m._("People responsible"),
            hint=m._(
                "They get the reminders when the agreement comes up for review; nobody "
                "chosen, you do."
            ),
            element=UserMultiSelectElement(action_id=ids.IN_RESPONSIBLE_PEOPLE[1]),
        ),
        text_input(
            ids.IN_EVALUATION,
            m._("Evaluation criteria"),
            hint=m._("How will you know at the review whether it worked?"),
            max_length=MAX_FIELD_LENGTH,
        ),
    ]


def decide_modal(m: Messages, item: ItemView, metadata: str, today: date) -> dict:
    """A proposal formed on the item, decided now by a quick consent of the people present,
    with the fields of the agreement it becomes."""
    hide = Option(value="hidden", text=m._("Hide answers until I close it"))
    return View(
        type="modal",
        callback_id=ids.CB_MEETING_DECIDE,
        title=PlainTextObject(text=truncate(m._("Decide now"), 24)),
        submit=PlainTextObject(text=truncate(m._("Ask for consent"), 24)),
        close=PlainTextObject(text=truncate(m._("Cancel"), 24)),
        private_metadata=metadata,
        blocks=[
            _md(f"*#{item.number}* {escape(one_line(item.text, 300))}"),
            text_input(
                ids.IN_TITLE,
                m._("Title"),
                hint=m._("Optional: the proposal's first line otherwise."),
                multiline=False,
                max_length=MAX_TITLE_LENGTH,
            ),
            InputBlock(
                block_id=ids.IN_PROPOSAL[0],
                optional=True,  # a blank proposal is a field error from the rules
                label=m._("Proposal"),
                element=PlainTextInputElement(
                    action_id=ids.IN_PROPOSAL[1], multiline=True, max_length=MAX_PROPOSAL_LENGTH
                ),
            ),
            *_agreement_inputs(m),
            InputBlock(
                block_id=ids.IN_REVIEW_DATE[0],
                label=m._("Review date"),
                element=DatePickerElement(
                    action_id=ids.IN_REVIEW_DATE[1],
                    initial_date=(today + timedelta(days=91)).isoformat(),
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


# ---------------------------------------------------------------- to one person


def answered(m: Messages, answer: str) -> str:
    """To someone who answered the quick consent."""
    if answer == QuickAnswer.OBJECTION:
        return m._("Your objection is recorded. Answer again to change it.")
    return m._("Your consent is recorded. Answer again to change it.")


def opened(m: Messages, created: bool) -> str:
    """To the facilitator who opened a quick consent."""
    if created:
        return m._("The quick consent is in the thread. Close it when everyone has answered.")
    return m._("This quick consent is open already, in the thread.")


def agenda_objected(m: Messages) -> str:
    """To someone who objected to the agenda."""
    return m._(
        "Your objection to the agenda is recorded; the facilitator sees it at the meeting. "
        "Object again to change it."
    )


def closed(m: Messages) -> str:
    """To the facilitator who closed a quick consent."""
    return m._("The quick consent is closed; its result is in the thread.")


def correction_modal(m: Messages, current: str | None, metadata: str) -> dict:
    """The secretary corrects the minutes: what was recorded wrongly or left out."""
    return View(
        type="modal",
        callback_id=ids.CB_MINUTES_CORRECT,
        title=PlainTextObject(text=truncate(m._("Correct the minutes"), 24)),
        submit=PlainTextObject(text=truncate(m._("Save"), 24)),
        close=PlainTextObject(text=truncate(m._("Cancel"), 24)),
        private_metadata=metadata,
        blocks=[
            InputBlock(
                block_id=ids.IN_MINUTES_CORRECTION[0],
                optional=True,
                label=m._("Correction"),
                hint=m._(
                    "What the minutes recorded wrongly or left out. It shows with the minutes; "
                    "the next meeting consents to them as corrected."
                ),
                element=PlainTextInputElement(
                    action_id=ids.IN_MINUTES_CORRECTION[1],
                    multiline=True,
                    max_length=3000,
                    initial_value=current or None,
                ),
            ),
        ],
    ).to_dict()


def corrected(m: Messages) -> str:
    """To the secretary who corrected the minutes."""
    return m._("The minutes are corrected.")
