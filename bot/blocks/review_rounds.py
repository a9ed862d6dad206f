"""Block Kit builders for the circle's review of an agreement (pure): the review round's
message and its forms, the buttons of an agreement shown in full, and what people are told."""

from __future__ import annotations

from pydantic import BaseModel
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks import ids
from bot.blocks.agreements import agreement_body
from bot.blocks.consent import long_date, names
from bot.blocks.text import escape, mention, slack_date, truncate
from bot.blocks.values import ReviewRoundValue
from bot.domain.review import REASON_LIMIT, ReviewOutcome, RoundStatus
from bot.i18n import Messages
from bot.services.views import AgreementView, ReviewRoundView

Rendered = tuple[str, list[dict]]


class RoundObjectMeta(BaseModel):
    """State carried through the form that objects to keeping an agreement."""

    review_round_id: int
    response_url: str | None = None  # a hint to reply through, never trusted


class AgreementObjectMeta(BaseModel):
    """State carried through the form that objects to an agreement in force."""

    agreement_id: int
    channel_id: str | None = None
    response_url: str | None = None


def _md(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def _ctx(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def _title(a: AgreementView) -> str:
    return escape(truncate(a.title, 150))


# ---------------------------------------------------------------- the review round's message


def questions(m: Messages) -> list[str]:
    """S3's three questions of a review."""
    return [
        m._("How has this agreement helped us?"),
        m._("Is there any reason to drop it?"),
        m._("How could it be improved?"),
    ]


def _answer_label(m: Messages, answer: str) -> str:
    return {
        "keep": m._("Keep"),
        "change": m._("Keep with a change"),
        "object": m._("Object to keeping"),
    }.get(answer, answer)


def _tally(m: Messages, rv: ReviewRoundView) -> list[str]:
    lines = [
        m._("{who}: {answer}", who=mention(a.user_id), answer=_answer_label(m, a.answer))
        + (f" — {escape(truncate(a.reason, 300))}" if a.reason else "")
        for a in rv.answers[:30]
    ]
    waiting = [p for p in rv.participants if p not in {a.user_id for a in rv.answers}]
    if waiting and rv.status == RoundStatus.OPEN:
        lines.append(m._("Not answered yet: {people}", people=names(waiting, 600)))
    return lines


def round_buttons(m: Messages, rv: ReviewRoundView) -> ActionsBlock:
    """Keep, Keep with a change, Object to keeping."""
    value = ReviewRoundValue(review_round_id=rv.id).dump()
    return ActionsBlock(
        block_id=ids.BLOCK_RR_ACTIONS,
        elements=[
            ButtonElement(
                action_id=ids.ACT_RR_KEEP, text=m._("Keep"), value=value, style="primary"
            ),
            ButtonElement(action_id=ids.ACT_RR_CHANGE, text=m._("Keep with a change"), value=value),
            ButtonElement(
                action_id=ids.ACT_RR_OBJECT, text=m._("Object to keeping"), value=value,
                style="danger",
            ),
        ],
    )  # fmt: skip


def _state(m: Messages, rv: ReviewRoundView) -> str:
    if rv.status == RoundStatus.OPEN:
        return m._("Answer by {when}.", when=slack_date(rv.closes_at))
    if rv.status == RoundStatus.KEPT:
        return m._(
            "Closed: no objection, the agreement is kept. Next review: {date}.",
            date=long_date(m, rv.next_review or rv.agreement.review_date),
        )
    if rv.status == RoundStatus.OBJECTED:
        return m._(
            "Closed: objections to keeping it; they are item #{number} on the backlog.",
            number=rv.item_number or "?",
        )
    return superseded_text(m, rv)


def superseded_text(m: Messages, rv: ReviewRoundView) -> str:
    """The review was decided from a reminder while the round was open: by whom, how, when."""
    labels = {
        ReviewOutcome.KEPT: m._("Keep"),
        ReviewOutcome.EVOLVED: m._("Evolve"),
        ReviewOutcome.DROPPED: m._("Drop"),
    }
    return m._(
        "Closed: {who} chose “{action}” from the review reminder at {when}; this review round "
        "decides nothing more.",
        who=mention(rv.decided_by) if rv.decided_by else m._("someone"),
        action=labels.get(rv.decided_action or "", rv.decided_action or "?"),
        when=slack_date(rv.closed_at) if rv.closed_at else "?",
    )


def round_message(m: Messages, rv: ReviewRoundView) -> Rendered:
    """The review round in the channel: the three questions, the agreement (its criteria and
    concerns), the answers so far, and the buttons while it is open."""
    a = rv.agreement
    head = m._(
        "Review of agreement #{number} “{title}”, started by {who}",
        number=a.number, title=_title(a), who=mention(rv.started_by),
    )  # fmt: skip
    blocks: list[Block] = [_md(f"*{head}*")]
    blocks.append(_md("\n".join(f"{n}. {q}" for n, q in enumerate(questions(m), 1))))
    blocks += agreement_body(m, a)
    blocks.append(
        _ctx(
            m._(
                "Keep it, keep it with a change (you propose the new version), or object to "
                "keeping it (say why). No objection by the deadline: it is kept."
            )
        )
    )
    tally = _tally(m, rv)
    if tally:
        blocks.append(_md(truncate("\n".join(tally), 2900)))
    blocks.append(_ctx(_state(m, rv)))
    if rv.status == RoundStatus.OPEN:
        blocks.append(round_buttons(m, rv))
    return head, [b.to_dict() for b in blocks[:50]]


def closed_notice(m: Messages, rv: ReviewRoundView, event: str) -> str:
    """What the round's thread (and the channel) is told when it closes."""
    a = rv.agreement
    if event == RoundStatus.KEPT:
        return m._(
            "The review of agreement #{number} “{title}” closed with no objection: it is kept. "
            "Next review: {date}.",
            number=a.number, title=_title(a),
            date=long_date(m, rv.next_review or a.review_date),
        )  # fmt: skip
    if event == RoundStatus.OBJECTED:
        return m.n_(
            "The review of agreement #{number} “{title}” closed with {n} objection to keeping "
            "it: it is item #{item} on the backlog, with the objection as its driver.",
            "The review of agreement #{number} “{title}” closed with {n} objections to keeping "
            "it: they are item #{item} on the backlog, with the objections as its driver.",
            len(rv.objections), number=a.number, title=_title(a), item=rv.item_number or "?",
        )  # fmt: skip
    return superseded_text(m, rv)


def round_object_modal(m: Messages, rv: ReviewRoundView, metadata: str) -> dict:
    """Object to keeping the agreement: why (required)."""
    return View(
        type="modal",
        callback_id=ids.CB_RR_OBJECT,
        title=truncate(m._("Object to keeping"), 24),
        submit=truncate(m._("Object"), 24),
        close=m._("Cancel"),
        private_metadata=metadata,
        blocks=[
            _md(f"*#{rv.agreement.number} {_title(rv.agreement)}*"),
            InputBlock(
                block_id=ids.IN_RR_REASON[0],
                label=m._("Why should the circle not keep it as it is?"),
                element=PlainTextInputElement(
                    action_id=ids.IN_RR_REASON[1], multiline=True, max_length=REASON_LIMIT
                ),
            ),
        ],
    ).to_dict()


def round_started(m: Messages, rv: ReviewRoundView) -> str:
    """To the person who started it."""
    return m._(
        "The review round on agreement #{number} is posted in <#{channel}>; it closes {when}.",
        number=rv.agreement.number, channel=rv.channel_id, when=slack_date(rv.closes_at),
    )  # fmt: skip


def answered(m: Messages, rv: ReviewRoundView, answer: str) -> str:
    """To the person who answered (the last to answer is not offered a change: the round
    closes now)."""
    answered_by = {a.user_id for a in rv.answers}
    if set(rv.participants) <= answered_by:
        return m._(
            "Your answer on agreement #{number}: {answer}. Everyone has answered, so the round "
            "closes now.",
            number=rv.agreement.number, answer=_answer_label(m, answer),
        )  # fmt: skip
    return m._(
        "Your answer on agreement #{number}: {answer}. You can change it until the round closes.",
        number=rv.agreement.number, answer=_answer_label(m, answer),
    )  # fmt: skip


# ---------------------------------------------------------------- an agreement shown in full


def agreement_object_modal(m: Messages, a: AgreementView, metadata: str) -> dict:
    """Object to an agreement in force: why (required); it becomes a driver on the backlog."""
    return View(
        type="modal",
        callback_id=ids.CB_AGREEMENT_OBJECT,
        title=truncate(m._("Object to the agreement"), 24),
        submit=truncate(m._("Object"), 24),
        close=m._("Cancel"),
        private_metadata=metadata,
        blocks=[
            _md(f"*#{a.number} {_title(a)}*"),
            InputBlock(
                block_id=ids.IN_AGREEMENT_OBJECTION[0],
                label=m._("What is your objection to this agreement?"),
                hint=m._("It goes on the circle's backlog as a driver."),
                element=PlainTextInputElement(
                    action_id=ids.IN_AGREEMENT_OBJECTION[1], multiline=True,
                    max_length=REASON_LIMIT,
                ),
            ),
        ],
    ).to_dict()  # fmt: skip


def early_review_item(m: Messages, number: int, title: str) -> str:
    """The backlog item an early review is asked with (stored as typed, escaped when shown)."""
    return m._("Review agreement #{number} “{title}” early", number=number, title=title)


def agreement_objection_item(m: Messages, number: int, title: str) -> str:
    """The first line of the backlog item an objection to an agreement in force becomes."""
    return m._("Objection to agreement #{number} “{title}” (in force):", number=number, title=title)


def round_objections_item(m: Messages, number: int, title: str) -> str:
    """The first line of the backlog item a review round's objections become."""
    return m._(
        "Objections to keeping agreement #{number} “{title}” (review round):",
        number=number, title=title,
    )  # fmt: skip


def early_review_asked(m: Messages, a: AgreementView, item_number: int) -> str:
    """To the person who asked."""
    return m._(
        "Asked: an early review of agreement #{number} is item #{item} on the backlog of "
        "<#{channel}>, and the people responsible are told.",
        number=a.number, item=item_number, channel=a.channel_id,
    )  # fmt: skip


def early_review_dm(m: Messages, a: AgreementView, item_number: int, actor: str) -> Rendered:
    """To a person responsible: someone asked for an early review."""
    text = m._(
        "{who} asked for an early review of agreement #{number} “{title}” in <#{channel}> "
        "(review planned for {date}). It is item #{item} on the backlog.",
        who=mention(actor), number=a.number, title=_title(a), channel=a.channel_id,
        date=long_date(m, a.review_date), item=item_number,
    )  # fmt: skip
    return text, [_md(text).to_dict()]


def objected(m: Messages, a: AgreementView, item_number: int) -> str:
    """To the person who objected."""
    return m._(
        "Your objection to agreement #{number} is item #{item} on the backlog of <#{channel}>, "
        "with your objection as its driver.",
        number=a.number, item=item_number, channel=a.channel_id,
    )  # fmt: skip
