"""A Slack message's markup turned into what a person reads (the "Raise as tension" quote)."""

from __future__ import annotations

from bot.blocks.text import escape, readable

NAMES = {"U0BRAM": "bram"}.get


def test_mentions_become_names_and_unknown_ones_keep_their_label() -> None:
    assert readable("<@U0BRAM> and <@U0GONE|dana> and <@U0NONE>", NAMES) == (
        "@bram and @dana and @U0NONE"
    )


def test_links_show_their_label_and_address() -> None:
    text = "<https://x.org/a?b=1&amp;c=2|the plan> <https://x.org> <mailto:a@b.org|a@b.org>"
    assert readable(text, NAMES) == "the plan (https://x.org/a?b=1&c=2) https://x.org a@b.org"


def test_broadcasts_groups_channels_and_dates_become_plain_words() -> None:
    text = "<!channel> <!here> <!everyone> <!subteam^S1|@devs> <#C1|ops> <!date^1^{date}|1 Dec>"
    assert readable(text, NAMES) == "@channel @here @everyone @devs #ops 1 Dec"


def test_escaped_text_comes_back_as_typed_and_escapes_again_harmlessly() -> None:
    shown = readable("a &lt;!channel&gt; &amp; <!channel>", NAMES)
    assert shown == "a <!channel> & @channel"
    assert escape(shown) == "a &lt;!channel&gt; &amp; @channel"  # echoed: pings nobody
