"""Safe text for Slack: escape user input so it is shown literally, and keep within limits."""

from __future__ import annotations

from datetime import datetime

SECTION_LIMIT = 3000


def escape(text: str) -> str:
    """Escape &, < and > so `<!channel>`, mentions and `<url|label>` links stay literal text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """Shorten to at most `limit` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def one_line(text: str, limit: int) -> str:
    """Whitespace and line breaks folded to single spaces, then shortened (for list lines)."""
    return truncate(" ".join(text.split()), limit)


def quote_chunks(text: str, limit: int = SECTION_LIMIT - 100) -> list[str]:
    """Escape and blockquote `text`, split into pieces that each fit one section."""
    chunks: list[str] = []
    current = ""
    for line in text.splitlines() or [""]:
        quoted = "&gt; " + escape(line) if line else "&gt;"
        while len(quoted) > limit:  # a single huge line: cut at a safe place (not inside "&..;")
            cut = quoted.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else _safe_cut(quoted, limit)
            piece, quoted = quoted[:cut], "&gt; " + quoted[cut:].lstrip()
            if current:
                chunks.append(current)
                current = ""
            chunks.append(piece)
        candidate = f"{current}\n{quoted}" if current else quoted
        if len(candidate) > limit:
            chunks.append(current)
            current = quoted
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


def _safe_cut(text: str, limit: int) -> int:
    amp = text.rfind("&", limit - 5, limit)
    return amp if amp != -1 and ";" not in text[amp:limit] else limit


def mention(user_id: str) -> str:
    """A user mention (ids come from Slack, never from free text)."""
    return "<@" + user_id + ">"


def slack_date(moment: datetime, fallback_fmt: str = "%Y-%m-%d %H:%M UTC") -> str:
    """A date and time every reader sees in their own timezone."""
    epoch = int(moment.timestamp())
    return f"<!date^{epoch}^{{date_short_pretty}} {{time}}|{moment.strftime(fallback_fmt)}>"
