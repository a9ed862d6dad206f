"""`/domain`: a circle's domain description, its form, and its links to other circles (pure)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DateTimePickerElement,
    InputBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks import ids
from bot.blocks.domains import field_inputs, field_label, fields_markdown
from bot.blocks.text import truncate
from bot.domain.consent import MAX_PROPOSAL_LENGTH
from bot.domain.domains import DomainFields
from bot.i18n import Messages
from bot.services.views import DomainView

Rendered = tuple[str, list[dict]]


class DomainMeta(BaseModel):
    """State carried through the domain form (a hint: checked again at submit)."""

    channel_id: str
    response_url: str | None = None


def _md(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, 3000)))


def links_line(m: Messages, view: DomainView) -> str:
    """The circle's parent and sub-circles, or how to name its parent."""
    parts = []
    if view.parent_channel_id:
        parts.append(m._("Delegated by <#{parent}>", parent=view.parent_channel_id))
    if view.children:
        parts.append(
            m._("Sub-circles: {channels}", channels=", ".join(f"<#{c}>" for c in view.children))
        )
    if not parts:
        return m._(
            "No parent circle or sub-circles. `/domain parent #channel` names the circle that "
            "delegated this domain."
        )
    return " · ".join(parts)


def domain_view(m: Messages, view: DomainView) -> Rendered:
    """The circle's domain description in force (or that there is none), with its links."""
    blocks: list[Block] = []
    if view.fields is None:
        title = m._(
            "<#{channel}> has no domain description yet. Draft one: the circle decides on it "
            "by consent.",
            channel=view.channel_id,
        )
        blocks.append(_md(title))
        button = m._("Draft the domain description")
    else:
        title = m._("Domain of <#{channel}>", channel=view.channel_id)
        blocks.append(_md(f"*{title}*\n" + fields_markdown(m, view.fields)))
        facts = [m._("Version {n}", n=view.version or 1)]
        if view.review_date is not None:
            facts.append(m._("Review date: {date}", date=view.review_date.isoformat()))
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=" · ".join(facts))]))
        button = m._("Evolve the description")
    if view.pending:
        blocks.append(_md(m._("A new description is in a consent round in this channel.")))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=links_line(m, view))]))
    if not view.pending:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(text=button, action_id=ids.ACT_DOMAIN_EDIT, value=view.channel_id)
                ]
            )
        )
    return title, [b.to_dict() for b in blocks]


def domain_modal(
    m: Messages, meta: DomainMeta, *, initial: DomainFields | None, review_date: date,
    deadline: datetime,
) -> dict:  # fmt: skip
    """S3's domain description fields, a review date, and how long the round runs."""
    blocks: list[Block] = [*field_inputs(m, initial, review_date=review_date)]
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
    return View(
        type="modal", callback_id=ids.CB_DOMAIN_MODAL,
        title=truncate(m._("Domain description"), 24),
        submit=truncate(m._("Start the round"), 24), close=m._("Cancel"),
        private_metadata=meta.model_dump_json(), blocks=blocks,
    ).to_dict()  # fmt: skip


def round_text(m: Messages, fields: DomainFields) -> tuple[str, str]:
    """The consent round on the description: its title and its text (plain)."""
    text = "\n\n".join(f"{field_label(m, n)}: {v}" for n, v in fields.filled())
    if len(text) > MAX_PROPOSAL_LENGTH:
        text = text[: MAX_PROPOSAL_LENGTH - 1] + "…"
    return m._("Domain description"), text


def parent_set(m: Messages, channel_id: str, parent: str | None) -> str:
    """The confirmation of `/domain parent`."""
    if parent is None:
        return m._("<#{channel}> has no parent circle now.", channel=channel_id)
    return m._(
        "<#{parent}> is the parent circle of <#{channel}> now: it delegated this domain.",
        parent=parent, channel=channel_id,
    )  # fmt: skip


def domain_usage(m: Messages) -> str:
    """How to use `/domain`."""
    return "\n".join(
        [
            m._("*The circle's domain*"),
            m._("`/domain`: this circle's domain description, its parent and sub-circles."),
            m._("`/domain edit`: draft or evolve the description; the circle decides by consent."),
            m._(
                "`/domain parent #channel`: the circle that delegated this domain "
                "(`/domain parent none`: no parent)."
            ),
            m._("`/domain help`: this help."),
        ]
    )
