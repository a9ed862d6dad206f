"""Web API argument contracts: method JSON schemas plus a small built-in table."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Methods the fake implements that have no schema file in the reference data.
BUILTIN_CONTRACTS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "apps.connections.open": (frozenset({"token"}), frozenset({"token"})),
    "chat.getPermalink": (
        frozenset({"token", "channel", "message_ts"}),
        frozenset({"token", "channel", "message_ts"}),
    ),
    "reactions.get": (
        frozenset({"token"}),
        frozenset({"token", "channel", "timestamp", "file", "file_comment", "full"}),
    ),
}

# Arguments Slack accepts and its SDKs send, but the scraped reference omits:
# slack_sdk adds the workspace's team_id to every call of a client Bolt made for a
# request (it matters for org-wide apps), including auth.test at authorization.
UNDOCUMENTED_ACCEPTED = frozenset({"team_id"})

_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


@dataclass(frozen=True)
class Contract:
    """The argument contract of one Web API method."""

    method: str
    required: frozenset[str]
    properties: frozenset[str]
    types: dict[str, str]
    json_input_supported: bool

    def check(self, args: dict[str, Any], *, has_token: bool, is_json: bool) -> list[str]:
        """Return the contract violations of one call's arguments (empty when fine)."""
        problems: list[str] = []
        if is_json and args and not self.json_input_supported:
            problems.append(f"{self.method} does not accept JSON bodies; send form parameters")
        present = set(args) | ({"token"} if has_token else set())
        for name in sorted(self.required - present):
            problems.append(f"{self.method}: missing required argument {name!r}")
        if self.properties:
            allowed = self.properties | UNDOCUMENTED_ACCEPTED
            for name in sorted(set(args) - allowed):
                problems.append(f"{self.method}: unknown argument {name!r}")
        for name, value in args.items():
            expected = self.types.get(name)
            if expected and not _parses_as(value, expected):
                problems.append(f"{self.method}: argument {name!r}={value!r} is not {expected}")
        return problems


def _parses_as(value: Any, expected: str) -> bool:
    """Tell whether a form or JSON value parses as the schema's scalar type."""
    if value is None:
        return True
    if expected == "boolean":
        if isinstance(value, bool):
            return True
        return isinstance(value, str) and value.lower() in _TRUE | _FALSE
    if isinstance(value, bool):
        return False
    if expected == "integer":
        if isinstance(value, int):
            return True
        return isinstance(value, str) and value.strip().lstrip("-").isdigit()
    if expected == "number":
        if isinstance(value, int | float):
            return True
        try:
            float(str(value))
        except ValueError:
            return False
        return True
    return True


def _scalar_type(prop: dict[str, Any]) -> str | None:
    """Return the property's type when it is a single boolean/integer/number type."""
    kind = prop.get("type")
    return kind if kind in ("boolean", "integer", "number") else None


class ContractBook:
    """Loads and caches method contracts from a schema directory and the built-in table."""

    def __init__(self, schema_dir: Path | None) -> None:
        """Remember the schema directory; nothing is read until a method is looked up."""
        self.schema_dir = schema_dir
        self._cache: dict[str, Contract | None] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Tell whether contract checks are active (a schema directory that exists)."""
        return self.schema_dir is not None and self.schema_dir.is_dir()

    def get(self, method: str) -> Contract | None:
        """Return the contract of `method`, or None when none is known or checks are off."""
        if not self.enabled:
            return None
        with self._lock:
            if method not in self._cache:
                self._cache[method] = self._load(method)
            return self._cache[method]

    def _load(self, method: str) -> Contract | None:
        """Build a contract from `<schema_dir>/<method>.json`, else from the built-in table."""
        assert self.schema_dir is not None
        path = self.schema_dir / f"{method}.json"
        if path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            args = data.get("args") or {}
            props: dict[str, Any] = args.get("properties") or {}
            return Contract(
                method=method,
                required=frozenset(args.get("required") or ()),
                properties=frozenset(props),
                types={k: t for k, v in props.items() if (t := _scalar_type(v))},
                json_input_supported=bool(data.get("json_input_supported")),
            )
        if method in BUILTIN_CONTRACTS:
            required, properties = BUILTIN_CONTRACTS[method]
            return Contract(method, required, properties, {}, json_input_supported=False)
        return None
