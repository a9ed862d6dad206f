"""The message catalogue: every string the code marks is in English and Dutch."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import messages, normalise_locale

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "n_": (1, 2), "N_": None}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _code_msgids() -> set[str]:
    found = set()
    for _file, _line, msg, _comments, _ctx in extract_from_dir(
        str(ROOT / "bot"), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.add(msg if isinstance(msg, str) else msg[0])
    return found


def _catalog(lang: str):
    with (ROOT / "bot" / "locale" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def test_code_marks_strings() -> None:
    assert len(_code_msgids()) > 20


def test_no_marked_string_hides_inside_an_f_string() -> None:
    """Babel skips f-strings, so a `m._()` inside one would never reach the catalogue."""
    import ast

    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.JoinedStr):
                for call in ast.walk(node):
                    if isinstance(call, ast.Call) and getattr(call.func, "attr", "") in ("_", "n_"):
                        raise AssertionError(f"{path.name}:{call.lineno}: m._() inside an f-string")


def test_every_marked_string_is_in_both_catalogues() -> None:
    ids = _code_msgids()
    for lang in ("en", "nl"):
        catalog = _catalog(lang)
        missing = sorted(i for i in ids if catalog.get(i) is None)
        assert not missing, f"{lang} lacks: {missing}"


def test_dutch_is_translated_with_the_same_placeholders() -> None:
    catalog = _catalog("nl")
    for msg in catalog:
        if not msg.id:
            continue
        ids = [msg.id] if isinstance(msg.id, str) else list(msg.id)
        strings = [msg.string] if isinstance(msg.string, str) else list(msg.string)
        assert all(strings), f"untranslated: {ids[0]!r}"
        assert "fuzzy" not in msg.flags, f"fuzzy: {ids[0]!r}"
        want = set(PLACEHOLDER.findall(ids[0])) | ({"n"} if len(ids) > 1 else set())
        for s in strings:
            assert set(PLACEHOLDER.findall(s)) <= want | {"n"}, f"placeholders differ: {ids[0]!r}"
            assert set(PLACEHOLDER.findall(s)) >= set(PLACEHOLDER.findall(ids[0])) - {"n"}


def test_slack_locale_picks_the_language() -> None:
    assert normalise_locale("nl-NL") == "nl"
    assert normalise_locale("en-GB") == "en"
    assert normalise_locale("fr-FR", default="nl") == "nl"
    assert normalise_locale(None, default="nl") == "nl"


def test_dutch_and_english_render_differently() -> None:
    en = messages("en-US")._("How to use the S3 bot")
    nl = messages("nl-NL")._("How to use the S3 bot")
    assert en == "How to use the S3 bot"
    assert nl == "Zo gebruik je de S3-bot"


def test_plural_forms() -> None:
    m = messages("nl")
    one = m.n_(
        "Governance backlog of <#{channel}>: {n} open item",
        "Governance backlog of <#{channel}>: {n} open items",
        1,
        channel="C1",
    )
    many = m.n_(
        "Governance backlog of <#{channel}>: {n} open item",
        "Governance backlog of <#{channel}>: {n} open items",
        4,
        channel="C1",
    )
    assert one.endswith("1 open punt") and many.endswith("4 open punten")
