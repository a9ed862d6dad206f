"""Pure rules: no Slack, no database."""

from __future__ import annotations

import pytest

from bot.blocks.text import escape, quote_chunks, truncate
from bot.domain.backlog import MAX_TENSION_LENGTH, clean_tension_text
from bot.domain.errors import EmptyText, TextTooLong


def test_tension_text_is_trimmed_and_unescaped() -> None:
    assert clean_tension_text("  fix &lt;!channel&gt; &amp; more  ") == "fix <!channel> & more"


def test_blank_tension_is_refused() -> None:
    with pytest.raises(EmptyText):
        clean_tension_text("   \n\t ")


def test_tension_at_the_limit_is_accepted_and_over_it_refused() -> None:
    assert len(clean_tension_text("x" * MAX_TENSION_LENGTH)) == MAX_TENSION_LENGTH
    with pytest.raises(TextTooLong) as info:
        clean_tension_text("x" * (MAX_TENSION_LENGTH + 1))
    assert info.value.limit == 3000
    assert info.value.length == 3001


@pytest.mark.parametrize(
    "raw",
    ["<!channel>", "<!here>", "<!everyone>", "<@U123>", "<https://x|label>", "<#C123>", "a & b"],
)
def test_escape_leaves_no_control_sequence(raw: str) -> None:
    out = escape(raw)
    assert "<" not in out and ">" not in out
    assert out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == raw


def test_truncate_marks_the_cut() -> None:
    assert truncate("short", 10) == "short"
    cut = truncate("a" * 50, 10)
    assert len(cut) == 10 and cut.endswith("…")


def test_quote_chunks_fit_sections_and_keep_all_text() -> None:
    text = "<!channel> " * 900  # escapes to far more than one section
    chunks = quote_chunks(text.strip())
    assert len(chunks) > 1
    assert all(len(c) <= 3000 for c in chunks)
    joined = " ".join(c.removeprefix("&gt; ") for c in chunks)
    assert joined.count("&lt;!channel&gt;") == 900
    assert "<!channel>" not in joined
