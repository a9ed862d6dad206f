"""The Home tab's pointer to a governance meeting running in one of the person's channels."""

from __future__ import annotations

import json

from bot.blocks import home, ids
from bot.i18n import messages
from bot.services.views import RunningMeeting

EN, NL = messages("en"), messages("nl")


def _line(view: dict) -> str:
    found = [b for b in view["blocks"] if b.get("block_id") == ids.BLOCK_HOME_MEETINGS]
    return found[0]["text"]["text"] if found else ""


def test_a_running_meeting_links_to_its_thread() -> None:
    link = "https://team.slack.com/archives/C0OPS/p1700000000000100"
    view = home.home_view(EN, [], meetings=[RunningMeeting("C0OPS", "U0ALICE", "1.1", link)])
    assert _line(view) == (
        ":large_green_circle: A governance meeting is running in <#C0OPS>, facilitated by "
        f"<@U0ALICE>. <{link}|Join it in its thread>"
    )


def test_without_a_link_it_says_where_the_thread_is_in_dutch() -> None:
    view = home.home_view(NL, [], meetings=[RunningMeeting("C0OPS", "U0BRAM", None)])
    assert _line(view) == (
        ":large_green_circle: Er loopt een governance-overleg in <#C0OPS>, met <@U0BRAM> als "
        "facilitator. Doe mee in de thread onder het bericht in het kanaal."
    )


def test_no_meeting_no_line() -> None:
    view = home.home_view(EN, [])
    assert _line(view) == ""
    assert "governance meeting is running" not in json.dumps(view)
