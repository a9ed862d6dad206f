"""Fill in a modal the way a person does: keep the initial values, change some fields.

Builds the `view.state.values` Slack sends with a `view_submission`, from the
view the app opened, so demos and tests submit exactly the form the app built.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

Inputs = dict[str, Any]


def _option(element: dict[str, Any], value: str | None) -> dict[str, Any] | None:
    if value is None:
        return None
    for option in element.get("options", []):
        if option.get("value") == value:
            return option
    raise KeyError(f"{element.get('action_id')}: no option {value!r}")


def _state(element: dict[str, Any], given: Any, changed: bool) -> dict[str, Any]:
    kind = element["type"]
    state: dict[str, Any] = {"type": kind}
    if kind in ("plain_text_input", "number_input", "email_text_input", "url_text_input"):
        value = given if changed else element.get("initial_value")
        state["value"] = None if value is None else str(value)
    elif kind == "datepicker":
        value = given if changed else element.get("initial_date")
        state["selected_date"] = value.isoformat() if isinstance(value, date) else value
    elif kind == "timepicker":
        state["selected_time"] = given if changed else element.get("initial_time")
    elif kind == "datetimepicker":
        value = given if changed else element.get("initial_date_time")
        state["selected_date_time"] = (
            int(value.timestamp()) if isinstance(value, datetime) else value
        )
    elif kind in ("radio_buttons", "static_select"):
        state["selected_option"] = (
            _option(element, given) if changed else element.get("initial_option")
        )
    elif kind in ("checkboxes", "multi_static_select"):
        state["selected_options"] = (
            [_option(element, v) for v in given]
            if changed
            else element.get("initial_options") or []
        )
    elif kind == "multi_users_select":
        state["selected_users"] = list(given) if changed else element.get("initial_users") or []
    elif kind == "users_select":
        state["selected_user"] = given if changed else element.get("initial_user")
    elif kind == "conversations_select":
        state["selected_conversation"] = given if changed else element.get("initial_conversation")
    elif kind == "channels_select":
        state["selected_channel"] = given if changed else element.get("initial_channel")
    else:
        raise ValueError(f"cannot fill a {kind} element")
    return state


def fill(
    view: dict[str, Any], inputs: Inputs | None = None
) -> dict[str, dict[str, dict[str, Any]]]:
    """State values for `view`'s input blocks; `inputs` maps action_id to the new value."""
    inputs = dict(inputs or {})
    values: dict[str, dict[str, dict[str, Any]]] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        action_id = element["action_id"]
        changed = action_id in inputs
        values.setdefault(block["block_id"], {})[action_id] = _state(
            element, inputs.pop(action_id, None), changed
        )
    if inputs:
        raise KeyError(f"the form has no fields {sorted(inputs)}")
    return values
