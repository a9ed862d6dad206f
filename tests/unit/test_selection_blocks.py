"""The selection notices (pure builder): user text escaped, passes and changes shown."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.blocks import selection as views
from bot.domain.selection import Nominated, Overview, Phase
from bot.i18n import messages

EN, NL = messages("en"), messages("nl")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _overview(**kw) -> Overview:
    values = dict(
        id=1, channel_id="C1", role_id=2, role_name="Lead <!channel>", purpose=None,
        term_months=6, term_until=None, phase=Phase.CHANGING, started_by="U1",
        nominate_until=NOW, change_until=NOW + timedelta(days=1), revealed_at=NOW,
        participants=("U1", "U2"), nominated_count=2,
    )  # fmt: skip
    values.update(kw)
    return Overview(**values)  # type: ignore[arg-type]


def test_the_reveal_lists_every_nomination_with_its_reason_escaped() -> None:
    ov = _overview(
        nominations=(
            Nominated("U1", "U3", "calm <@U9> & kind"),
            Nominated("U2", None, "not sure", None, None, True),
        )
    )
    text = views.notice_text(EN, ov, "revealed")
    assert "Lead &lt;!channel&gt;" in text and "<!channel>" not in text
    assert "<@U1> nominates <@U3>: calm &lt;@U9&gt; &amp; kind" in text
    assert "<@U2> passes: not sure (changed)" in text
    assert views.notice_text(NL, ov, "revealed") != text


def test_each_event_has_its_text() -> None:
    ov = _overview()
    texts = {
        event: views.notice_text(
            EN, ov, event, nominee_id="U3", actor="U1", term_end=date(2027, 6, 1)
        )  # fmt: skip
        for event in ("started", "proposing", "proposed", "selected", "not_selected")
    }
    assert "<@U1>, <@U2>" in texts["started"]
    assert "2027-06-01" in texts["selected"] and "<@U3>" in texts["selected"]
    assert "<@U3>" in texts["not_selected"] and "<@U1>" in texts["not_selected"]
    assert len(set(texts.values())) == 5
