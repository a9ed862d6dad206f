"""Block Kit limit checks the tests' Slack fake applies to messages and views."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.demo.standin import BlocksFormatError, parse_blocks

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_BUTTON_VALUE = 2000
MAX_ID = 255
MAX_MODAL_TITLE = 24
MAX_MODAL_BUTTON = 24
MAX_PRIVATE_METADATA = 3000
MAX_INPUT_LENGTH = 3000
MAX_ACTIONS_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10


def _text_of(obj: Any) -> str:
    """Return the `text` string of a text object, or "" when absent."""
    if isinstance(obj, dict):
        text = obj.get("text")
        return text if isinstance(text, str) else ""
    return ""


def _elements_of(block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Yield the interactive elements carried by one block."""
    for key in ("accessory", "element"):
        element = block.get(key)
        if isinstance(element, dict):
            yield element
    if block.get("type") == "actions":
        for element in block.get("elements") or []:
            if isinstance(element, dict):
                yield element


def _check_element(element: dict[str, Any], where: str) -> list[str]:
    """Check the limits of one interactive element."""
    problems: list[str] = []
    action_id = element.get("action_id")
    if isinstance(action_id, str) and len(action_id) > MAX_ID:
        problems.append(f"{where}: action_id is {len(action_id)} characters (max {MAX_ID})")
    kind = element.get("type")
    if kind == "button":
        value = element.get("value")
        if isinstance(value, str) and len(value) > MAX_BUTTON_VALUE:
            problems.append(
                f"{where}: button value is {len(value)} characters (max {MAX_BUTTON_VALUE})"
            )
    if kind == "plain_text_input":
        max_length = element.get("max_length")
        if isinstance(max_length, int) and max_length > MAX_INPUT_LENGTH:
            problems.append(
                f"{where}: plain_text_input max_length is {max_length} (max {MAX_INPUT_LENGTH})"
            )
    return problems


def _check_block(block: dict[str, Any], where: str) -> list[str]:
    """Check the limits of one block and its elements."""
    problems: list[str] = []
    block_id = block.get("block_id")
    if isinstance(block_id, str) and len(block_id) > MAX_ID:
        problems.append(f"{where}: block_id is {len(block_id)} characters (max {MAX_ID})")
    kind = block.get("type")
    if not isinstance(kind, str):
        problems.append(f"{where}: block has no type")
    if kind == "section":
        text = _text_of(block.get("text"))
        if len(text) > MAX_SECTION_TEXT:
            problems.append(
                f"{where}: section text is {len(text)} characters (max {MAX_SECTION_TEXT})"
            )
        fields = block.get("fields") or []
        if len(fields) > MAX_SECTION_FIELDS:
            problems.append(f"{where}: section has {len(fields)} fields (max {MAX_SECTION_FIELDS})")
        for n, field in enumerate(fields):
            if len(_text_of(field)) > MAX_FIELD_TEXT:
                problems.append(f"{where}.fields[{n}]: text longer than {MAX_FIELD_TEXT}")
    elif kind == "header":
        text = _text_of(block.get("text"))
        if len(text) > MAX_HEADER_TEXT:
            problems.append(
                f"{where}: header text is {len(text)} characters (max {MAX_HEADER_TEXT})"
            )
    elif kind == "actions":
        count = len(block.get("elements") or [])
        if count > MAX_ACTIONS_ELEMENTS:
            problems.append(
                f"{where}: actions block has {count} elements (max {MAX_ACTIONS_ELEMENTS})"
            )
    elif kind == "context":
        count = len(block.get("elements") or [])
        if count > MAX_CONTEXT_ELEMENTS:
            problems.append(
                f"{where}: context block has {count} elements (max {MAX_CONTEXT_ELEMENTS})"
            )
    for n, element in enumerate(_elements_of(block)):
        problems.extend(_check_element(element, f"{where}.element[{n}]"))
    return problems


def check_blocks(blocks: list[dict[str, Any]], *, max_blocks: int) -> list[str]:
    """Return the Block Kit limit violations of a block list (empty when fine)."""
    problems: list[str] = []
    if len(blocks) > max_blocks:
        problems.append(f"{len(blocks)} blocks (max {max_blocks})")
    for n, block in enumerate(blocks):
        problems.extend(_check_block(block, f"blocks[{n}]"))
    return problems


def check_view(view: dict[str, Any]) -> list[str]:
    """Return the Block Kit limit violations of a modal or Home tab view."""
    problems: list[str] = []
    kind = view.get("type")
    if kind not in ("modal", "home"):
        problems.append(f"view type must be 'modal' or 'home', not {kind!r}")
    try:
        blocks = parse_blocks(view.get("blocks")) or []
    except BlocksFormatError as exc:
        return [*problems, str(exc)]
    problems.extend(check_blocks(blocks, max_blocks=MAX_VIEW_BLOCKS))
    if kind == "modal":
        title = _text_of(view.get("title"))
        if not title:
            problems.append("modal has no title")
        elif len(title) > MAX_MODAL_TITLE:
            problems.append(f"modal title is {len(title)} characters (max {MAX_MODAL_TITLE})")
        for key in ("submit", "close"):
            label = _text_of(view.get(key))
            if len(label) > MAX_MODAL_BUTTON:
                problems.append(f"modal {key} is {len(label)} characters (max {MAX_MODAL_BUTTON})")
    metadata = view.get("private_metadata")
    if isinstance(metadata, str) and len(metadata) > MAX_PRIVATE_METADATA:
        problems.append(
            f"private_metadata is {len(metadata)} characters (max {MAX_PRIVATE_METADATA})"
        )
    for key in ("callback_id", "external_id"):
        value = view.get(key)
        if isinstance(value, str) and len(value) > MAX_ID:
            problems.append(f"{key} is {len(value)} characters (max {MAX_ID})")
    return problems
