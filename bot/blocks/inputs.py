"""Modal input builders shared by the forms (pure)."""

from __future__ import annotations

from slack_sdk.models.blocks import InputBlock, PlainTextInputElement


def text_input(
    key: tuple[str, str],
    label: str,
    *,
    hint: str | None = None,
    optional: bool = True,
    multiline: bool = True,
    max_length: int = 3000,
    initial: str | None = None,
    focus: bool | None = None,
) -> InputBlock:
    """A plain-text field; `key` is (block_id, action_id) from blocks.ids."""
    return InputBlock(
        block_id=key[0],
        optional=optional,
        label=label,
        hint=hint,
        element=PlainTextInputElement(
            action_id=key[1],
            multiline=multiline,
            max_length=max_length,
            initial_value=initial or None,
            focus_on_load=focus,
        ),
    )
