"""The message catalogue: gettext catalogues (Babel .po files) in English and Dutch.

Strings are marked with `m._("...")` / `m.n_("one", "many", n)` on a `Messages`
object and extracted with Babel (see README, "Translations"). Placeholders use
`str.format` names; values are passed as keyword arguments, never formatted into
the msgid.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.config import SUPPORTED_LOCALES

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "messages"


def normalise_locale(value: str | None, default: str = "en") -> str:
    """Map a Slack locale such as 'nl-NL' to a supported language, else the default."""
    if value:
        lang = value.replace("_", "-").split("-")[0].lower()
        if lang in SUPPORTED_LOCALES:
            return lang
    return default


@cache
def translations(locale: str) -> Translations:
    """Compile the locale's .po catalogue in memory (no build step needed)."""
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf, domain=DOMAIN)


class Messages:
    """Translated, formatted strings for one language."""

    def __init__(self, locale: str) -> None:
        self.locale = normalise_locale(locale)
        self._t = translations(self.locale)

    def _(self, msgid: str, /, **values: object) -> str:
        text = self._t.gettext(msgid)
        return text.format(**values) if values else text

    def n_(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        text = self._t.ngettext(singular, plural, n)
        return text.format(n=n, **values)


def N_(msgid: str) -> str:  # noqa: N802 - gettext convention
    """Mark a string for extraction without translating it yet."""
    return msgid


def messages(locale: str | None) -> Messages:
    """Messages for `locale` (any Slack locale string; falls back to English)."""
    return _messages(normalise_locale(locale))


@cache
def _messages(lang: str) -> Messages:
    return Messages(lang)
