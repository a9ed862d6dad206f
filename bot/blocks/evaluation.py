"""How a meeting's evaluation reads: in its minutes and on the next agenda (pure)."""

from __future__ import annotations

from bot.blocks.text import escape, one_line
from bot.domain.meeting import EvaluationSummary
from bot.i18n import Messages

LINE_CHARS = 200


def average_text(m: Messages, average: float) -> str:
    """An average rating with one decimal, in the reader's language (4.5, or 4,5 in Dutch)."""
    text = f"{average:.1f}"
    return text.replace(".", ",") if m.locale == "nl" else text


def evaluation_lines(m: Messages, summary: EvaluationSummary) -> list[str]:
    """An evaluation summary: how many, the average rating, each line given (escaped)."""
    lines = [
        m.n_(
            "*Evaluation:* {n} person rated the meeting, {average} of 5 on average.",
            "*Evaluation:* {n} people rated the meeting, {average} of 5 on average.",
            summary.count,
            average=average_text(m, summary.average),
        )
    ]
    for label, given in (
        (m._("More of"), summary.more_of),
        (m._("Less of"), summary.less_of),
        (m._("Keep"), summary.keep),
    ):
        lines += [f"• _{label}:_ {escape(one_line(text, LINE_CHARS))}" for text in given]
    return lines
