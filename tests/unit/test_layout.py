"""The layout holds: each layer imports only what it may, no cycles, short functions.

The checks read the import statements of every module under `bot/` (those under
`if TYPE_CHECKING:` and inside functions included) and fail naming the module and
the import that drifted. Each check is also run on a small made-up package, so a
check that could never fail would be noticed.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_FUNCTION_LINES = 80
READ_MODELS = "bot.services.views"


@dataclass(frozen=True)
class Module:
    name: str
    source: str
    is_package: bool = False

    @property
    def package(self) -> str:
        return self.name if self.is_package else self.name.rpartition(".")[0]


def _modules(folder: str) -> list[Module]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        rel = path.relative_to(ROOT)
        if "migrations" in rel.parts:
            continue
        parts = list(rel.with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found.append(Module(".".join(parts), path.read_text(encoding="utf-8"), is_package))
    return found


def imports_of(module: Module, known: set[str]) -> set[str]:
    """Every module this one imports, anywhere in its text (TYPE_CHECKING blocks too)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(module.source)):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.package.split(".")[: len(module.package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.add(target)
            out |= {f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known}
    return out


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _third_party(name: str) -> bool:
    top = name.partition(".")[0]
    return top != "bot" and top not in sys.stdlib_module_names and top != "__future__"


def layer_drifts(modules: list[Module]) -> list[str]:
    """What breaks the layering, as 'module imports target (rule)' lines."""
    known = {m.name for m in modules}
    drifts = []
    for module in modules:
        for target in sorted(imports_of(module, known)):
            rule = _broken_rule(module.name, target)
            if rule:
                drifts.append(f"{module.name} imports {target} ({rule})")
    return drifts


def _broken_rule(name: str, target: str) -> str | None:
    if _within(target, "tests"):
        return "nothing in the product or the benchmarks imports tests"
    outside_domain = _within(target, "bot") and not _within(target, "bot.domain")
    if _within(name, "bot.domain") and (outside_domain or _third_party(target)):
        return "the domain imports only itself and the standard library"
    if _within(name, "bot.blocks"):
        allowed = ("bot.blocks", "bot.domain", "bot.i18n", READ_MODELS)
        if _within(target, "bot") and not any(_within(target, a) for a in allowed):
            return "builders import only the domain, i18n and the read models"
    if _within(name, "bot.handlers"):
        if _within(target, "bot.store") or _within(target, "sqlalchemy"):
            return "handlers never reach the store"
        if _within(target, "bot.handlers") and not _within(name, target):
            return "a handler never imports another feature's handler"
    return None


def import_cycles(modules: list[Module]) -> list[list[str]]:
    """Groups of modules of `bot/` that import each other, directly or around a loop."""
    known = {m.name for m in modules}
    graph = {
        m.name: {
            t
            for t in imports_of(m, known)
            if t in known and t != m.name and not _within(m.name, t)  # a package's own __init__
        }
        for m in modules
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return cycles


def long_functions(modules: list[Module], limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """Functions longer than `limit` lines (decorators and docstrings counted)."""
    out = []
    for module in modules:
        for node in ast.walk(ast.parse(module.source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                length = (node.end_lineno or node.lineno) - start + 1
                if length > limit:
                    out.append(f"{module.name}.{node.name}: {length} lines")
    return out


# ---------------------------------------------------------------- the real tree


def test_each_layer_imports_only_what_it_may() -> None:
    assert layer_drifts(_modules("bot") + _modules("bench")) == []


def test_no_import_cycles_between_modules_of_the_bot() -> None:
    assert import_cycles(_modules("bot")) == []


def test_no_function_in_the_bot_is_longer_than_80_lines() -> None:
    assert long_functions(_modules("bot")) == []


# ---------------------------------------------------------------- the checks can fail


def _fake(**sources: str) -> list[Module]:
    return [Module(name.replace("__", "."), text) for name, text in sources.items()]


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("bot__domain__consent", "import sqlalchemy"),
        ("bot__domain__consent", "from slack_sdk import WebClient"),
        ("bot__domain__consent", "from bot.store import repo"),
        (
            "bot__domain__consent",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.services import x",
        ),
        ("bot__blocks__consent", "from bot.services.consent import RoundView"),
        ("bot__handlers__rounds", "from bot.store import consent"),
        ("bot__handlers__rounds", "def f():\n    from sqlalchemy.exc import SQLAlchemyError"),
        ("bot__handlers__rounds", "from bot.handlers import backlog"),
        ("bot__cli", "import tests.fakes"),
        ("bench__bare_app", "from tests.support import harness"),
    ],
)
def test_the_layering_check_names_each_drift(module: str, source: str) -> None:
    modules = _fake(**{module: source}) + _fake(bot__handlers__backlog="")
    drifts = layer_drifts(modules)
    assert len(drifts) == 1 and drifts[0].startswith(module.replace("__", "."))


def test_the_layering_check_lets_the_allowed_imports_through() -> None:
    modules = _fake(
        bot__domain__consent="from datetime import datetime\nfrom bot.domain import errors",
        bot__blocks__consent="from bot.domain import consent\nfrom bot.services.views import RoundView",
        bot__handlers__rounds="from bot.services import consent\nfrom bot.blocks import consent",
    )
    assert layer_drifts(modules) == []


def test_the_cycle_check_sees_a_loop_even_through_type_checking() -> None:
    modules = _fake(
        bot__a="from bot import b",
        bot__b="from bot.c import thing",
        bot__c="from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.a import x",
        bot__d="from bot import a",
    )
    assert import_cycles(modules) == [["bot.a", "bot.b", "bot.c"]]


def test_the_length_check_counts_lines() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(80))
    modules = _fake(bot__m=f"def long():\n{body}\n\ndef short():\n    return 1\n")
    assert long_functions(modules) == ["bot.m.long: 81 lines"]
