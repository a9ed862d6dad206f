"""Safe text for Slack: escape user input so it is shown literally, and keep within limits."""

from __future__ import annotations

import re
from collections.abc import Callable
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


_MARKUP = re.compile(r"<([^<>]*)>")
_BROADCASTS = {"channel", "here", "everyone"}


def readable(text: str, name_of: Callable[[str], str | None]) -> str:
    """A Slack message's text as a person reads it: `<@U…>` as "@Name" (`name_of` gives it),
    `<#C…|general>` as "#general", `<!channel>` as "@channel", `<https://x|label>` as
    "label (https://x)", Slack's &amp;/&lt;/&gt; undone. Plain text: echoed with `escape`
    it links and pings nobody."""

    def one(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        label = _unescape(label)
        if target.startswith("@"):
            return "@" + (name_of(target[1:]) or label.lstrip("@") or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            word = target[1:].split("^")[0]
            if word in _BROADCASTS:
                return "@" + word
            if word == "subteam":
                return label if label.startswith("@") else "@" + (label or "group")
            return label or ""  # a date's fallback text, or a special Slack cannot show
        url = _unescape(target)
        shown = url.removeprefix("mailto:")
        return shown if not label or label in (url, shown) else f"{label} ({shown})"

    out: list[str] = []
    last = 0
    for match in _MARKUP.finditer(text):
        out += [_unescape(text[last : match.start()]), one(match)]
        last = match.end()
    return "".join([*out, _unescape(text[last:])])


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
