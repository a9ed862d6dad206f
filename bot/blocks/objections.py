"""Block Kit builders for testing an objection: its thread reply, the objector's DMs, the
reason forms, and the lines the round's messages show."""

from __future__ import annotations

from pydantic import BaseModel
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks import ids
from bot.blocks.text import escape, mention, one_line, slack_date, truncate
from bot.blocks.values import ObjectionValue
from bot.domain.backlog import MAX_TENSION_LENGTH
from bot.domain.consent import MAX_REASON_LENGTH
from bot.domain.objections import UNDER_TEST, Action, ObjectionStatus, Resolution
from bot.i18n import Messages
from bot.services.views import ObjectionStep, ObjectionView

Rendered = tuple[str, list[dict]]
REASON_SHOWN = 1500
STEPS_SHOWN = 8


class ObjectionMeta(BaseModel):
    """State carried through an objection's reason form (hints, re-checked at submit)."""

    round_id: int
    objection_id: int
    action: Action
    channel_id: str  # the round's channel when the form opened
    response_url: str | None = None  # a hint to reply through (replies.reply), never trusted


def _md(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def _ctx(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def status_label(m: Messages, status: ObjectionStatus) -> str:
    """Where an objection stands, in words."""
    return {
        ObjectionStatus.RAISED: m._("raised, to be tested"),
        ObjectionStatus.QUALIFIED: m._("qualified: kept as an objection"),
        ObjectionStatus.REFRAMED: m._("reframed by the objector"),
        ObjectionStatus.CONCERN: m._("became a concern"),
        ObjectionStatus.NOT_QUALIFIED: m._("not qualified, says the author; the objector answers"),
        ObjectionStatus.CONTESTED: m._("not qualified, contested: for the next governance meeting"),
        ObjectionStatus.ACCEPTED: m._("not qualified, accepted by the objector"),
        ObjectionStatus.RESOLVED: m._("resolved"),
        ObjectionStatus.DEFERRED: m._("deferred"),
        ObjectionStatus.WITHDRAWN: m._("withdrawn: the objector changed their answer"),
    }[status]


def kind_label(m: Messages, kind: Resolution) -> str:
    """How an amendment resolves an objection, in words."""
    return {
        Resolution.TEXT: m._("a change to the text"),
        Resolution.DEFERRAL: m._("a deferral (someone takes it on, by a date)"),
        Resolution.MONITORING: m._("monitoring (added to the evaluation criteria)"),
        Resolution.REVIEW: m._("an earlier review date"),
        Resolution.MEETING: m._("not resolved: take it to the meeting"),
    }[kind]


def how_line(m: Messages, view: ObjectionView) -> str:
    """How the amendment resolves the objection: the kind, and its details."""
    assert view.resolution is not None
    said = kind_label(m, view.resolution)
    if view.resolution_owner:
        said += " — " + m._("taken on by {who}", who=mention(view.resolution_owner))
    if view.resolution_date:
        said += " — " + m._("date: {day}", day=view.resolution_date.isoformat())
    if view.resolution_how:
        said += ": " + escape(one_line(view.resolution_how, 300))
    return said


def step_line(m: Messages, step: ObjectionStep) -> str:
    """One step of the history: who did what, when, and why."""
    who, when = mention(step.actor_id), slack_date(step.at)
    said = {
        Action.RAISED: m._("{who} raised it ({when})", who=who, when=when),
        Action.THINK_CONCERN: m._("{who} thinks it is a concern ({when})", who=who, when=when),
        Action.KEEP: m._("{who} keeps it as an objection ({when})", who=who, when=when),
        Action.REFINE: m._("{who} refined it ({when})", who=who, when=when),
        Action.TO_CONCERN: m._("{who} turned it into a concern ({when})", who=who, when=when),
        Action.NOT_QUALIFIED: m._("{who} marked it not qualified ({when})", who=who, when=when),
        Action.CONTEST: m._("{who} contested that ({when})", who=who, when=when),
        Action.ACCEPT: m._("{who} accepted that ({when})", who=who, when=when),
        Action.WITHDRAW: m._("{who} withdrew it ({when})", who=who, when=when),
        Action.DEFER: m._("{who} deferred it ({when})", who=who, when=when),
        Action.RESOLVE: m._(
            "{who} consented to the amended proposal: resolved ({when})", who=who, when=when
        ),
        Action.AMEND: m._("{who} amended the proposal to resolve it ({when})", who=who, when=when),
        Action.TO_MEETING: m._(
            "{who}: not resolved by the amendment, taken to the meeting ({when})",
            who=who,
            when=when,
        ),
        Action.CONFIRM: m._("{who}: yes, the amendment resolves it ({when})", who=who, when=when),
        Action.NOT_RESOLVED: m._(
            "{who}: no, the amendment does not resolve it ({when})", who=who, when=when
        ),
        Action.SETTLE: m._(
            "resolved in the governance meeting, recorded by {who} ({when})", who=who, when=when
        ),
    }[step.action]
    if step.reason and step.action is not Action.RAISED:
        said += ": " + escape(one_line(step.reason, 300))
    return said


def _button(
    action_id: str, text: str, view: ObjectionView, *, style: str | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:  # fmt: skip
    value = ObjectionValue(round_id=view.round_id, objection_id=view.id).dump()
    return ButtonElement(action_id=action_id, text=text, value=value, style=style, confirm=confirm)


def _to_concern_button(m: Messages, view: ObjectionView) -> ButtonElement:
    return _button(
        ids.ACT_OBJ_TO_CONCERN, m._("Turn into a concern (objector)"), view,
        confirm=ConfirmObject(
            title=m._("Turn it into a concern?"),
            text=m._("It will no longer block the proposal; it is recorded with the agreement."),
            confirm=m._("Turn into a concern"),
            deny=m._("Cancel"),
        ),
    )  # fmt: skip


def _contest_buttons(m: Messages, view: ObjectionView) -> list[ButtonElement]:
    return [
        _button(ids.ACT_OBJ_CONTEST, m._("Contest (objector)"), view, style="primary"),
        _button(ids.ACT_OBJ_ACCEPT, m._("Accept (objector)"), view),
    ]


def _buttons(m: Messages, view: ObjectionView) -> list[ButtonElement]:
    """What can still be done to it, each button saying who it is for."""
    if view.moved_on:
        return []
    if view.status in UNDER_TEST:
        return [
            _button(ids.ACT_OBJ_THINK_CONCERN, m._("I think this is a concern"), view),
            _button(ids.ACT_OBJ_KEEP, m._("Keep as objection (objector)"), view),
            _button(ids.ACT_OBJ_REFINE, m._("Refine (objector)"), view),
            _to_concern_button(m, view),
            _button(ids.ACT_OBJ_NOT_QUALIFIED, m._("Not qualified (author)"), view),
            _defer_button(m, view),
        ]
    if view.status is ObjectionStatus.NOT_QUALIFIED:
        return [*_contest_buttons(m, view), _to_concern_button(m, view)]
    if view.status is ObjectionStatus.CONTESTED:
        return [_defer_button(m, view)]
    return []


def _defer_button(m: Messages, view: ObjectionView) -> ButtonElement:
    return _button(ids.ACT_OBJ_DEFER, m._("Defer (author)"), view)


def objection_message(m: Messages, view: ObjectionView) -> Rendered:
    """The objection's own place in the round's thread: its reason, status, history, buttons."""
    text = m._(
        ":raised_hand: Objection by {who} on “{title}”",
        who=mention(view.user_id),
        title=escape(truncate(view.round_title, 150)),
    )
    blocks: list[Block] = [
        _md(text + "\n" + escape(truncate(view.reason, REASON_SHOWN))),
        _ctx(m._("Status: *{status}*", status=status_label(m, view.status))),
    ]
    if view.item_number is not None:
        blocks.append(_ctx(m._("On the backlog as #{number}.", number=view.item_number)))
    if view.resolution is not None:
        blocks.append(_ctx(m._("The amendment: {how}", how=how_line(m, view))))
    steps = [s for s in view.history if s.action is not Action.RAISED][-STEPS_SHOWN:]
    if steps:
        blocks.append(_ctx("\n".join(step_line(m, s) for s in steps)))
    buttons = _buttons(m, view)
    if view.moved_on and view.status is not ObjectionStatus.RESOLVED:
        blocks.append(_ctx(m._(
            "The proposal has moved on (withdrawn, or amended into a new version): this "
            "objection is no longer tested here."
        )))  # fmt: skip
    if buttons:
        blocks.append(_ctx(m._(
            "Testing an objection: does it show consequences worth avoiding, or a worthwhile "
            "improvement? Anyone can say why they think it is a concern; the objector keeps, "
            "refines or turns it into a concern; the author may say it does not qualify."
        )))  # fmt: skip
        blocks.append(ActionsBlock(block_id=ids.BLOCK_OBJECTION_ACTIONS, elements=buttons))
    return text, [b.to_dict() for b in blocks]


def _link_line(m: Messages, link: str | None) -> list[Block]:
    return [_ctx(m._("<{link}|Open the objection's thread>", link=link))] if link else []


def concern_view_dm(
    m: Messages, view: ObjectionView, step: ObjectionStep, link: str | None
) -> Rendered:
    """To the objector: someone thinks their objection is a concern, and why."""
    text = m._(
        "{who} thinks your objection on “{title}” is a concern.",
        who=mention(step.actor_id),
        title=escape(truncate(view.round_title, 150)),
    )
    blocks: list[Block] = [
        _md(text + "\n" + escape(truncate(step.reason or "", REASON_SHOWN))),
        *_link_line(m, link),
    ]
    if view.status in UNDER_TEST:
        blocks.append(
            ActionsBlock(
                block_id=ids.BLOCK_OBJECTION_ACTIONS,
                elements=[
                    _button(ids.ACT_OBJ_KEEP, m._("Keep as objection"), view),
                    _button(ids.ACT_OBJ_REFINE, m._("Refine"), view),
                    _to_concern_button(m, view),
                ],
            )
        )
    return text, [b.to_dict() for b in blocks]


def not_qualified_dm(
    m: Messages, view: ObjectionView, step: ObjectionStep, link: str | None
) -> Rendered:
    """To the objector: the author says their objection does not qualify; contest or accept."""
    text = m._(
        "{who} marked your objection on “{title}” as not qualified.",
        who=mention(step.actor_id),
        title=escape(truncate(view.round_title, 150)),
    )
    blocks: list[Block] = [
        _md(text + "\n" + escape(truncate(step.reason or "", REASON_SHOWN))),
        _ctx(
            m._(
                "Contest it and it goes on the governance backlog, for the next meeting to settle; "
                "accept it and it no longer blocks the proposal."
            )
        ),  # fmt: skip
        *_link_line(m, link),
    ]
    if view.status is ObjectionStatus.NOT_QUALIFIED:
        blocks.append(
            ActionsBlock(block_id=ids.BLOCK_OBJECTION_ACTIONS, elements=_contest_buttons(m, view))
        )
    return text, [b.to_dict() for b in blocks]


def reason_modal(m: Messages, view: ObjectionView, meta: ObjectionMeta) -> dict:
    """The form for a reason: why it is a concern, the refined objection, or why it does
    not qualify (each required)."""
    labels = {
        Action.THINK_CONCERN: (m._("A concern?"), m._("Why do you think it is a concern?")),
        Action.REFINE: (m._("Refine"), m._("Your objection, refined")),
        Action.NOT_QUALIFIED: (m._("Not qualified"), m._("Why does it not qualify?")),
        Action.DEFER: (m._("Defer"), m._("Who takes it on, and by when?")),
    }
    title, label = labels[meta.action]
    initial = view.reason if meta.action is Action.REFINE else None
    blocks: list[Block] = [
        _md(
            m._("Objection by {who}", who=mention(view.user_id))
            + "\n"
            + escape(truncate(view.reason, REASON_SHOWN))
        ),
        InputBlock(
            block_id=ids.IN_OBJ_REASON[0],
            label=label,
            element=PlainTextInputElement(
                action_id=ids.IN_OBJ_REASON[1],
                multiline=True,
                max_length=MAX_REASON_LENGTH,
                initial_value=truncate(initial, MAX_REASON_LENGTH) if initial else None,
                focus_on_load=True,
            ),  # fmt: skip
        ),
    ]
    return View(
        type="modal",
        callback_id=ids.CB_OBJ_REASON_MODAL,
        title=truncate(title, 24),
        submit=m._("Send"),
        close=m._("Cancel"),
        private_metadata=meta.model_dump_json(),
        blocks=blocks,
    ).to_dict()


def done(m: Messages, action: Action, view: ObjectionView, *, agreed: bool) -> str:
    """Confirmation, to the person who took the step."""
    said = {
        Action.THINK_CONCERN: m._("Sent: the objector is told that you think it is a concern."),
        Action.KEEP: m._("Kept as an objection."),
        Action.REFINE: m._("Your objection is refined."),
        Action.TO_CONCERN: m._("Your objection is now a concern: it no longer blocks."),
        Action.NOT_QUALIFIED: m._("Marked not qualified; the objector is told and answers."),
        Action.CONTEST: m._(
            "Contested: it is on the governance backlog as #{number}, for the next meeting.",
            number=view.item_number or "?",
        ),
        Action.ACCEPT: m._("Accepted: the objection no longer blocks."),
        Action.DEFER: m._(
            "Deferred, with who takes it on and by when. Amend the proposal for its next round."
        ),
    }[action]
    if agreed:
        said += " " + m._(
            "Every objection is settled, so the proposal is now an agreement, without a new round."
        )
    return said


def contested_item_text(m: Messages, view: ObjectionView) -> str:
    """The backlog item of a contested objection: which round, which objection, why not."""
    why = next((s.reason for s in reversed(view.history) if s.action is Action.NOT_QUALIFIED), "")
    text = m._(
        "Contested objection on the proposal “{title}”: is it qualified? The objection: "
        "“{reason}”. Marked not qualified because: “{why}”.",
        title=one_line(view.round_title, 150),
        reason=one_line(view.reason, 1200),
        why=one_line(why or "", 1200),
    )
    return truncate(text, MAX_TENSION_LENGTH)


def objection_lines(m: Messages, objections: list[ObjectionView]) -> list[str]:
    """One line per objection for the round's messages: who, where it stands."""
    return [
        m._("{who}: {status}", who=mention(o.user_id), status=status_label(m, o.status))
        for o in objections
        if o.status is not ObjectionStatus.WITHDRAWN
    ]


def objection_reason_lines(m: Messages, objections: list[ObjectionView], limit: int) -> list[str]:
    """One line per objection for the closed round's message: who, where it stands, why."""
    return [
        m._(
            "{who} ({status}): {reason}",
            who=mention(o.user_id),
            status=status_label(m, o.status),
            reason=escape(truncate(o.reason, limit)),
        )
        for o in objections
        if o.status is not ObjectionStatus.WITHDRAWN
    ]
