"""Block Kit builders for resolving objections one at a time: the amend form's part per
objection, the objector's "Does this resolve your objection?" DM and its "no" form, and the
lines an agreement's record shows."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import ids
from bot.blocks.objections import ObjectionMeta, how_line, kind_label
from bot.blocks.text import escape, mention, one_line, truncate
from bot.blocks.values import ObjectionValue
from bot.domain import objections as rules
from bot.domain.backlog import MAX_TENSION_LENGTH
from bot.domain.consent import MAX_REASON_LENGTH
from bot.domain.objections import Action, ObjectionStatus, Resolution
from bot.i18n import Messages
from bot.services.views import ObjectionView

Rendered = tuple[str, list[dict]]
REASON_SHOWN = 600
HOW_LENGTH = 500


def _md(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def _ctx(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def _kind_input(m: Messages, slot: int, name: str) -> InputBlock:
    return InputBlock(
        block_id=ids.IN_RES_KIND[slot][0],
        optional=True,  # checked by the bot, so the error names the objection
        label=truncate(m._("How does this version resolve {name}'s objection?", name=name), 2000),
        element=StaticSelectElement(
            action_id=ids.IN_RES_KIND[slot][1],
            placeholder=m._("Choose"),
            options=[
                Option(value=k.value, text=truncate(kind_label(m, k), 75)) for k in Resolution
            ],
        ),
    )


def _slot_blocks(
    m: Messages, slot: int, view: ObjectionView, name: str, today: date
) -> list[Block]:
    """One objection's part of the amend form: its reason, how it is resolved, and the
    details a deferral or an earlier review needs."""
    said = m._("*Objection from {name}*", name=escape(name))
    return [
        _md(said + "\n" + escape(truncate(view.reason, REASON_SHOWN))),
        _kind_input(m, slot, name),
        InputBlock(
            block_id=ids.IN_RES_HOW[slot][0], optional=True,
            label=m._("How (the change, what is deferred, what is monitored)"),
            element=PlainTextInputElement(action_id=ids.IN_RES_HOW[slot][1], max_length=HOW_LENGTH),
        ),
        InputBlock(
            block_id=ids.IN_RES_OWNER[slot][0], optional=True,
            label=m._("Who takes it on (a deferral)"),
            element=UserSelectElement(action_id=ids.IN_RES_OWNER[slot][1]),
        ),
        InputBlock(
            block_id=ids.IN_RES_DATE[slot][0], optional=True,
            label=m._("By when (a deferral), or the earlier review date"),
            element=DatePickerElement(action_id=ids.IN_RES_DATE[slot][1]),
        ),
    ]  # fmt: skip


def amend_blocks(
    m: Messages, objections: list[tuple[ObjectionView, str]], today: date
) -> list[Block]:
    """The amend form's first part: each open objection (with its objector's name), and
    how this version resolves it."""
    blocks: list[Block] = [
        _md("*" + m._("Objections to resolve in this version") + "*"),
        _ctx(
            m._(
                "Say for each objection how this version resolves it. Its objector is asked whether "
                "it does when the new round opens."
            )
        ),  # fmt: skip
    ]
    for slot, (view, name) in enumerate(objections[: ids.RESOLUTION_SLOTS]):
        blocks += _slot_blocks(m, slot, view, name, today)
    beyond = objections[ids.RESOLUTION_SLOTS :]
    if beyond:
        names = ", ".join(escape(name) for _, name in beyond)
        blocks.append(
            _ctx(
                m.n_(
                    "This form has room for {room} objections; {n} more goes to the governance "
                    "meeting, not resolved: {names}.",
                    "This form has room for {room} objections; {n} more go to the governance "
                    "meeting, not resolved: {names}.",
                    len(beyond),
                    room=ids.RESOLUTION_SLOTS,
                    names=truncate(names, 1500),
                )  # fmt: skip
            )
        )
    blocks.append(DividerBlock())
    return blocks


def resolution_errors(m: Messages, problems: list[rules.ResolutionProblem], names: dict[str, str]) -> dict[str, str]:  # fmt: skip
    """The amend form's errors, each on the objection's own field and naming its objector."""
    found: dict[str, str] = {}
    for p in problems:
        name = names.get(p.objector_id) or p.objector_id
        if isinstance(p, rules.ResolutionChoiceMissing):
            field, say = ids.IN_RES_KIND, m._(
                "Say how this version resolves {name}'s objection, or choose “not resolved: "
                "take it to the meeting”.", name=name,
            )  # fmt: skip
        elif isinstance(p, rules.ResolutionHowMissing):
            field, say = (
                ids.IN_RES_HOW,
                m._("Say what changes (or what is monitored) for {name}'s objection.", name=name),
            )
        elif isinstance(p, rules.DeferralOwnerMissing):
            field, say = (
                ids.IN_RES_OWNER,
                m._("A deferral says who takes it on ({name}'s objection).", name=name),
            )
        elif isinstance(p, rules.ResolutionDatePast):
            field, say = (
                ids.IN_RES_DATE,
                m._("Choose a date that is not in the past ({name}'s objection).", name=name),
            )
        else:
            field, say = (
                ids.IN_RES_DATE,
                m._(
                    "Choose the date: by when, or the earlier review ({name}'s objection).",
                    name=name,
                ),
            )
        found.setdefault(field[p.slot][0], say)
    return found


def _button(action_id: str, text: str, view: ObjectionView, style: str | None = None) -> ButtonElement:  # fmt: skip
    value = ObjectionValue(round_id=view.round_id, objection_id=view.id).dump()
    return ButtonElement(action_id=action_id, text=text, value=value, style=style)


def check_dm(m: Messages, view: ObjectionView, link: str | None) -> Rendered:
    """To the objector: their objection, how the author says the amendment resolves it,
    and Yes / No."""
    text = m._(
        "Does this resolve your objection? The proposal “{title}” was amended.",
        title=escape(truncate(view.round_title, 150)),
    )
    blocks: list[Block] = [
        _md(text),
        _md("*" + m._("Your objection") + "*\n" + escape(truncate(view.reason, REASON_SHOWN))),
        _md("*" + m._("How the author resolves it") + "*\n" + how_line(m, view)),
    ]
    if link:
        blocks.append(_ctx(m._("<{link}|Open the objection's thread>", link=link)))
    if view.status in rules.NEEDS_RESOLUTION:
        blocks.append(ActionsBlock(block_id=ids.BLOCK_RESOLUTION_ACTIONS, elements=[
            _button(ids.ACT_RES_YES, m._("Yes, it is resolved"), view, style="primary"),
            _button(ids.ACT_RES_NO, m._("No"), view),
        ]))  # fmt: skip
    return text, [b.to_dict() for b in blocks]


def no_modal(m: Messages, view: ObjectionView, meta: ObjectionMeta) -> dict:
    """The objector's "no": why the amendment does not resolve it (required)."""
    return View(
        type="modal",
        callback_id=ids.CB_RES_NO_MODAL,
        title=truncate(m._("Not resolved"), 24),
        submit=m._("Send"),
        close=m._("Cancel"),
        private_metadata=meta.model_dump_json(),
        blocks=[
            _md(m._("How the author resolves it") + ": " + how_line(m, view)),
            InputBlock(
                block_id=ids.IN_RES_NO_REASON[0],
                label=m._("Why does it not resolve your objection?"),
                element=PlainTextInputElement(
                    action_id=ids.IN_RES_NO_REASON[1],
                    multiline=True,
                    max_length=MAX_REASON_LENGTH,
                    focus_on_load=True,
                ),  # fmt: skip
            ),
        ],
    ).to_dict()


def done(m: Messages, action: Action, changed: bool) -> str:
    """Confirmation, to the objector."""
    if action is Action.CONFIRM:
        if not changed:
            return m._("Your objection is already marked resolved. Nothing more was recorded.")
        return m._("Thank you: your objection is marked resolved.")
    return m._("Recorded: the amendment does not resolve your objection, and why.")


def meeting_item_text(m: Messages, title: str, reason: str, how: str | None) -> str:
    """The backlog item of an objection the author takes to the meeting."""
    text = m._(
        "Objection on the proposal “{title}”, not resolved by its amendment: for the meeting. "
        "The objection: “{reason}”.",
        title=one_line(title, 150),
        reason=one_line(reason, 1200),
    )
    if how:
        text += " " + m._("The author: “{how}”.", how=one_line(how, 600))
    return truncate(text, MAX_TENSION_LENGTH)


def answer_of(view: ObjectionView) -> tuple[Action, str | None] | None:
    """The objector's latest answer to "Does this resolve it?", if any."""
    asked = (Action.CONFIRM, Action.NOT_RESOLVED)
    step = next((s for s in reversed(view.history) if s.action in asked), None)
    return (step.action, step.reason) if step else None


def record_lines(m: Messages, resolutions: list[ObjectionView]) -> list[str]:
    """An agreement's record: each objection to an earlier version, and how it was resolved."""
    lines = []
    for view in resolutions:
        if view.resolution is None:
            said = m._("resolved: the objector consented to the amended proposal")
        else:
            said = how_line(m, view)
        answer = answer_of(view)
        if answer is not None and answer[0] is Action.CONFIRM:
            said += " " + m._("(the objector: resolved)")
        elif answer is not None:
            said += " " + m._(
                "(the objector: not resolved: {why})", why=escape(one_line(answer[1] or "", 200))
            )
        elif view.status is ObjectionStatus.RESOLVED:
            said += " " + m._("(the objector consented)")
        lines.append(m._(
            "{who}: “{reason}” — {how}", who=mention(view.user_id),
            reason=escape(one_line(view.reason, 200)), how=said,
        ))  # fmt: skip
    return lines
