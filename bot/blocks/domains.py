"""Domain description pieces shared by the circle's and the roles' forms and views (pure)."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import DatePickerElement, InputBlock

from bot.blocks import ids
from bot.blocks.inputs import text_input
from bot.blocks.text import escape
from bot.domain.domains import DomainFields
from bot.i18n import Messages


def field_label(m: Messages, name: str) -> str:
    """A domain description field's name, as S3's template calls it."""
    labels = {
        "purpose": m._("Purpose"),
        "responsibilities": m._("Key responsibilities"),
        "deliverables": m._("Customers and deliverables"),
        "dependencies": m._("Dependencies"),
        "constraints": m._("External constraints"),
        "challenges": m._("Key challenges"),
        "resources": m._("Key resources"),
        "delegator_responsibilities": m._("Delegator responsibilities"),
        "competencies": m._("Competencies, qualities and skills"),
        "evaluation": m._("Key metrics and evaluation schedule"),
    }
    return labels[name]


def _hint(m: Messages, name: str) -> str | None:
    hints = {
        "purpose": m._("The primary driver of this domain, and what it does in response."),
        "delegator_responsibilities": m._("What this domain may expect from whoever delegated it."),
        "evaluation": m._("How and when you will know it is working."),
    }
    return hints.get(name)


def field_inputs(
    m: Messages,
    initial: DomainFields | None = None,
    *,
    only: tuple[str, ...] | None = None,
    review_date: date | None = None,
) -> list[InputBlock]:
    """The description's inputs, purpose first and required, then a required review date.

    `only` limits the optional fields shown (a role's short form); the purpose is always
    there. Its block ids are `ids.IN_DOMAIN_FIELDS`; read them with `Form.texts`.
    """
    blocks: list[InputBlock] = []
    for name in DomainFields.names():
        if only is not None and name != "purpose" and name not in only:
            continue
        blocks.append(
            text_input(
                ids.IN_DOMAIN_FIELDS[name],
                field_label(m, name),
                hint=_hint(m, name),
                optional=name != "purpose",
                initial=getattr(initial, name, None) if initial else None,
                max_length=3000,
            )
        )
    blocks.append(
        InputBlock(
            block_id=ids.IN_DOMAIN_REVIEW_DATE[0],
            label=m._("Review date"),
            element=DatePickerElement(
                action_id=ids.IN_DOMAIN_REVIEW_DATE[1],
                initial_date=review_date.isoformat() if review_date else None,
            ),
        )
    )
    return blocks


def fields_markdown(m: Messages, fields: DomainFields) -> str:
    """The filled fields as mrkdwn, one "*Label:* text" paragraph each (user text escaped)."""
    return "\n".join(f"*{field_label(m, name)}:* {escape(text)}" for name, text in fields.filled())
