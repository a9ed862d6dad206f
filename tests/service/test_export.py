"""`s3bot export`: the logbook as Markdown, CSV and iCalendar, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from sqlalchemy import select

from bot import export
from bot.domain.consent import Position
from bot.services import agreements, backlog, consent
from bot.store import models
from bot.store.db import make_engine, make_session_factory

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
EXPORTED = NOW + timedelta(days=20, hours=3)  # the overdue agreement's date has passed by then
T1, T2 = "T0EXPORT", "T0OTHER"
C1, C2 = "C0CIRCLE", "C0OPS"
ALICE, BRAM, CHEN = "U0ALICE", "U0BRAM", "U0CHEN"

TRICKY_TITLE = "*bold* | pipe, semi; [link](x) <!channel>"
TRICKY_TEXT = (
    'Release notes go out a day early, always; "quoted", back\\slash and a literal \\n.\n'
    "Second line with <!channel> and <https://evil.example|a link> & &amp; entity.\n"
    "\n"
    "# not a heading\n"
    "1. not a list | not a cell\n"
    "Ünïcødé — 日本語のテキスト — emoji 🎉🎉🎉 placed so a fold could fall inside them 🎉🎉"
)
LONG_TEXT = "A long agreement text that goes well past seventy-five octets, " * 3 + "ending ✓."
CONCERN = 'Worried, honestly; "what if" the lead is away?\nSecond line of the concern.'
DROP_REASON = "Superseded by #1; nobody used it,\nreally."


@dataclass
class Data:
    """What the fixture stored, to compare exports against."""

    kept: agreements.AgreementView  # tricky text, kept once, then evolved by a consent round
    long: agreements.AgreementView  # long unicode text, nobody named responsible
    dropped: agreements.AgreementView
    overdue: agreements.AgreementView  # in force, review date past at export time
    other_channel: agreements.AgreementView
    other_team: agreements.AgreementView
    evolved_text: str


@pytest.fixture
def sessions(db_url: str):
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


def _record(sessions, team=T1, channel=C1, **fields) -> agreements.AgreementView:
    values = {
        "author_id": ALICE,
        "title": "An agreement",
        "text": "We do it this way.",
        "driver": None,
        "responsibilities": None,
        "evaluation": None,
        "responsible_ids": [],
        "review_date": TODAY + timedelta(days=90),
        **fields,
    }
    return agreements.record(
        sessions, team_id=team, channel_id=channel, now=NOW, today=TODAY, **values
    )


@pytest.fixture
def data(sessions) -> Data:
    backlog.raise_tension(
        sessions, team_id=T1, channel_id=C1, author_id=BRAM, text="Late *release* | notes", now=NOW
    )
    backlog.raise_tension(
        sessions,
        team_id=T1,
        channel_id=C1,
        author_id=CHEN,
        text="Two lines,\nsecond one with <!here>",
        now=NOW + timedelta(minutes=1),
    )
    backlog.raise_tension(
        sessions, team_id=T1, channel_id=C2, author_id=ALICE, text="Ops-only tension", now=NOW
    )
    backlog.raise_tension(
        sessions, team_id=T2, channel_id=C1, author_id=ALICE, text="OTHER-TEAM-TENSION", now=NOW
    )

    kept = _record(
        sessions,
        title=TRICKY_TITLE,
        text=TRICKY_TEXT,
        driver="Customers read about releases after the fact, and ask why; often.",
        responsibilities="Bram writes them;\nChen reviews them, by Thursday.",
        evaluation="No late notes for two months, measured; per release.",
        responsible_ids=[CHEN, BRAM],
        review_date=TODAY + timedelta(days=30),
    )
    long = _record(
        sessions,
        title="Ünïcødé title with a very long name that keeps going and going past the fold",
        text=LONG_TEXT,
        evaluation="Everyone can find it ✓",
        review_date=TODAY + timedelta(days=60),
    )
    dropped = _record(sessions, title="Old way", text="Do it the old way.")
    overdue = _record(
        sessions, title="Soon due", text="Check soon.", review_date=TODAY + timedelta(days=5)
    )
    other_channel = _record(sessions, channel=C2, title="Ops agreement", text="OPS-ONLY-TEXT")
    other_team = _record(sessions, team=T2, title="OTHER-TEAM-AGREEMENT", text="other")

    later = NOW + timedelta(days=1)
    agreements.keep(
        sessions,
        team_id=T1,
        agreement_id=kept.id,
        actor=BRAM,
        expected=kept.review_date,
        next_review=TODAY + timedelta(days=45),
        now=later,
        today=later.date(),
    )
    agreements.drop(
        sessions,
        team_id=T1,
        agreement_id=dropped.id,
        actor=CHEN,
        expected=dropped.review_date,
        reason=DROP_REASON,
        now=later,
    )

    # A consent round evolves the first agreement, with a concern recorded.
    evolved_text = TRICKY_TEXT + "\nVersion 2 adds: and a summary, in the channel."
    rnd = consent.open_round(
        sessions,
        team_id=T1,
        channel_id=C1,
        author_id=ALICE,
        draft=consent.Draft(
            title=TRICKY_TITLE,
            text=evolved_text,
            driver=None,
            item_id=None,
            responsibilities="Bram writes them;\nChen reviews them, by Thursday.",
            evaluation="No late notes for two months, measured; per release.",
            review_date=TODAY + timedelta(days=100),
            deadline=later + timedelta(days=2),
            hidden=True,
            quorum=None,
            participants=[BRAM, CHEN],
            responsible_ids=[BRAM, CHEN],
            evolves_agreement_id=kept.id,
        ),
        now=later,
        today=later.date(),
    )
    consent.answer(
        sessions, team_id=T1, round_id=rnd.id, user_id=BRAM, position=Position.CONSENT, now=later
    )
    consent.answer(
        sessions,
        team_id=T1,
        round_id=rnd.id,
        user_id=CHEN,
        position=Position.CONCERN,
        reason=CONCERN,
        now=later,
    )
    assert consent.close_due(sessions, now=later + timedelta(minutes=1)) == [rnd.id]

    def reload(a: agreements.AgreementView) -> agreements.AgreementView:
        return agreements.load(sessions, team_id=a.team_id, agreement_id=a.id)

    return Data(
        kept=reload(kept),
        long=reload(long),
        dropped=reload(dropped),
        overdue=reload(overdue),
        other_channel=reload(other_channel),
        other_team=reload(other_team),
        evolved_text=evolved_text,
    )


def _export(
    sessions, fmt: str, channel: str | None = None, now: datetime = EXPORTED, *, raw: bool = False
) -> str:
    return export.export(sessions, team_id=T1, channel_id=channel, fmt=fmt, now=now, raw=raw)


# ---------------------------------------------------------------- the data set itself


def test_the_fixture_made_what_the_exports_are_checked_against(data: Data) -> None:
    assert data.kept.version == 2 and data.kept.round_id is not None
    assert data.kept.text == data.evolved_text
    assert data.kept.concerns == [{"user": CHEN, "reason": CONCERN}]
    assert [e.action for e in data.kept.history][:3] == ["agreed", "recorded", "kept"]
    assert "evolved" in [e.action for e in data.kept.history]
    assert data.dropped.status.value == "dropped"
    assert len(LONG_TEXT.encode()) > 75


# ---------------------------------------------------------------- Markdown


def _unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_markdown_has_agreements_history_and_backlog_of_this_team_only(sessions, data) -> None:
    md = _export(sessions, "md")

    assert md.startswith(f"# Governance logbook of workspace {T1}\n")
    assert "Exported 2026-12-21 12:00 UTC." in md
    for heading in ("## Channel #C0CIRCLE", "## Channel #C0OPS"):
        assert heading in md
    assert md.count("### Agreements in force") == 2
    assert md.count("### Open governance backlog") == 2

    # The tricky title is escaped: it cannot start emphasis, a link, a table cell or a mention.
    assert r"#### #1 \*bold\* \| pipe, semi; \[link\](x) \<!channel\>" in md
    assert TRICKY_TITLE not in md
    assert re.findall(r"(?<!\\)<(?!br>)", md) == []  # no raw HTML, mention or link
    assert r"\&amp;" in md  # an entity in user text stays literal
    assert "\n\\# not a heading" in md and "\n1\\. not a list \\| not a cell" in md

    # Details of the agreement in force.
    assert f"- **Review date:** {TODAY + timedelta(days=100)}" in md
    assert "- **People responsible:** @U0BRAM, @U0CHEN" in md
    assert "- **Version:** 2" in md
    assert "Customers read about releases after the fact, and ask why; often." in md
    assert "Bram writes them;\\\nChen reviews them, by Thursday." in md
    assert "No late notes for two months, measured; per release." in md
    assert "Version 2 adds: and a summary, in the channel." in md
    assert '- @U0CHEN: Worried, honestly; "what if" the lead is away?\\\n  Second line' in md
    assert "nobody named; reminders go to the author, @U0ALICE" in md
    assert "ending ✓." in md
    assert f"- **Review date:** {data.overdue.review_date} (overdue by 15 days)" in md

    # History lines with dates and actions.
    assert f"- 2026-12-01 09:00 UTC: agreed, review date {TODAY + timedelta(days=30)}" in md
    assert "- 2026-12-01 09:00 UTC: recorded by @U0ALICE" in md
    assert (
        f"- 2026-12-02 09:00 UTC: kept by @U0BRAM; next review {TODAY + timedelta(days=45)} "
        f"(was {TODAY + timedelta(days=30)})"
    ) in md
    assert (
        "- 2026-12-02 09:01 UTC: evolved by consent (@U0ALICE): version 1 replaced in consent "
        f"round {data.kept.round_id}; it was titled “\\*bold\\*"
    ) in md
    assert ", and read:\n\n  Release notes go out a day early, always;" in md

    # Dropped agreements, briefly, with the reason.
    dropped = "- #3 Old way (version 1): dropped 2026-12-02 by @U0CHEN: Superseded by #1;"
    assert dropped in md
    assert "Do it the old way." not in md

    # The open backlog as a table whose rows keep their five cells.
    assert "| 1 | 1 | Late \\*release\\* \\| notes | @U0BRAM | 2026-12-01 |" in md
    assert "| 2 | 2 | Two lines,<br>second one with \\<!here\\> | @U0CHEN | 2026-12-01 |" in md
    for line in md.splitlines():
        if line.startswith("| "):
            assert _unescaped_pipes(line) == 6, line
    assert "Ops-only tension" in md and "OPS-ONLY-TEXT" in md

    # Nothing of the other workspace.
    assert "OTHER-TEAM" not in md


def test_markdown_for_one_channel(sessions, data) -> None:
    md = _export(sessions, "md", channel=C2)
    assert md.startswith(f"# Governance logbook of workspace {T1}, channel #C0OPS\n")
    assert "OPS-ONLY-TEXT" in md and "Ops-only tension" in md
    assert "## Channel #C0CIRCLE" not in md
    assert "not a heading" not in md and "Late" not in md and "OTHER-TEAM" not in md


def test_markdown_escaping_of_user_text() -> None:
    assert export.md_escape("*a* _b_ `c` [d](e) <f> g|h ~i~") == (
        r"\*a\* \_b\_ \`c\` \[d\](e) \<f\> g\|h \~i\~"
    )
    assert export.md_escape("# h") == r"\# h"
    assert export.md_escape("> q") == r"\> q"
    assert export.md_escape("- item") == r"\- item"
    assert export.md_escape("12) item") == r"12\) item"
    assert export.md_escape("Q&A &copy;") == r"Q&A \&copy;"
    assert export.md_escape("e.g. 1.5 - fine") == "e.g. 1.5 - fine"
    assert export.md_block("one\\\ntwo\n\nthree") == "one\\\\\\\ntwo\n\nthree"


# ---------------------------------------------------------------- CSV


def test_csv_round_trips_every_agreement_field_by_field(sessions, data) -> None:
    text = _export(sessions, "csv", raw=True)
    assert text.endswith("\r\n")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert tuple(rows[0].keys()) == export.CSV_COLUMNS

    with sessions() as s:
        stored = list(
            s.scalars(
                select(models.Agreement)
                .where(models.Agreement.team_id == T1)
                .order_by(models.Agreement.channel_id, models.Agreement.number)
            )
        )
    assert len(rows) == len(stored) == 5
    for row, a in zip(rows, stored, strict=True):
        assert row["team_id"] == a.team_id == T1
        assert row["channel_id"] == a.channel_id
        assert int(row["number"]) == a.number
        assert int(row["version"]) == a.version
        assert row["status"] == a.status
        assert row["title"] == a.title
        assert row["text"] == a.text
        assert (row["driver"] or None) == a.driver
        assert (row["responsibilities"] or None) == a.responsibilities
        assert (row["evaluation"] or None) == a.evaluation
        assert json.loads(row["concerns"]) == json.loads(a.concerns or "[]")
        assert row["people_responsible"].split() == json.loads(a.responsible_ids or "[]")
        assert date.fromisoformat(row["review_date"]) == a.review_date
        created = datetime.fromisoformat(row["created_at"])
        assert created.utcoffset() == timedelta(0) and created == a.created_at
        assert (int(row["round_id"]) if row["round_id"] else None) == a.round_id

    by_title = {r["title"]: r for r in rows}
    assert by_title[TRICKY_TITLE]["text"] == data.evolved_text  # multiline, quotes, commas
    assert json.loads(by_title[TRICKY_TITLE]["concerns"]) == [{"user": CHEN, "reason": CONCERN}]
    assert by_title["Old way"]["status"] == "dropped"
    assert by_title[TRICKY_TITLE]["people_responsible"] == "U0BRAM U0CHEN"
    assert "OTHER-TEAM" not in text


FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1+2", "-2+3", "@SUM(A1)"]


def test_a_cell_starting_a_formula_gets_a_leading_quote() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert export.spreadsheet_safe(start + "1") == "'" + start + "1"
    assert export.spreadsheet_safe("plain = fine") == "plain = fine"
    assert export.spreadsheet_safe("") == ""


@pytest.mark.parametrize("formula", FORMULAS)
def test_csv_cells_that_would_run_as_formulas_are_neutralised_unless_raw(
    sessions, formula: str
) -> None:
    agreements.record(
        sessions, team_id="T0SAFE", channel_id="C0SAFE", author_id=ALICE, title=formula,
        text=formula + " and more", driver=formula, responsibilities=None, evaluation=None,
        responsible_ids=[ALICE], review_date=date(2027, 6, 1), now=EXPORTED,
        today=EXPORTED.date(),
    )  # fmt: skip

    def row(raw: bool) -> dict[str, str]:
        text = export.export(sessions, team_id="T0SAFE", channel_id=None, fmt="csv",
                             now=EXPORTED, raw=raw)  # fmt: skip
        [only] = list(csv.DictReader(io.StringIO(text, newline="")))
        return only

    safe, raw = row(False), row(True)
    for column in ("title", "driver", "text"):
        assert safe[column] == "'" + raw[column]
        assert raw[column].startswith(formula)  # --raw: exactly as stored


def test_csv_leaves_ordinary_cells_alone(sessions, data) -> None:
    safe = list(csv.DictReader(io.StringIO(_export(sessions, "csv"), newline="")))
    raw = list(csv.DictReader(io.StringIO(_export(sessions, "csv", raw=True), newline="")))
    changed = [(k, r[k]) for s_, r in zip(safe, raw, strict=True) for k in r if s_[k] != r[k]]
    assert all(v.startswith(export.FORMULA_START) for _, v in changed)


def test_csv_for_one_channel(sessions, data) -> None:
    rows = list(csv.DictReader(io.StringIO(_export(sessions, "csv", channel=C2), newline="")))
    assert [(r["channel_id"], r["text"]) for r in rows] == [(C2, "OPS-ONLY-TEXT")]


# ---------------------------------------------------------------- iCalendar


def _events(ics: str) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids)), "UIDs must be unique"
    return dict(zip(uids, events, strict=True))


def test_ics_has_one_event_per_upcoming_review(sessions, data) -> None:
    ics = _export(sessions, "ics")

    # RFC 5545 framing: CRLF only, content lines folded to 75 octets.
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert ics.endswith("END:VCALENDAR\r\n")
    assert "\n" not in ics.replace("\r\n", "")
    lines = ics.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert any(line.startswith(" ") for line in lines), "long lines are folded"

    calendar = icalendar.Calendar.from_ical(ics)
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["PRODID"]) == export.PRODID

    events = _events(ics)
    upcoming = [data.kept, data.long, data.other_channel]  # not dropped, not overdue
    assert data.overdue.review_date < EXPORTED.date()
    assert sorted(events) == sorted(export.uid(a) for a in upcoming)
    assert export.uid(data.kept) == f"agreement-{T1}-{C1}-1@s3bot"

    for a in upcoming:
        event = events[export.uid(a)]
        start = event.decoded("DTSTART")
        assert type(start) is date and start == a.review_date
        assert event.decoded("DTEND") == a.review_date + timedelta(days=1)
        assert event.decoded("DTSTAMP") == EXPORTED
        assert str(event["SUMMARY"]) == f"Review agreement #{a.number}: {a.title}"
        expected = a.text + (f"\n\nEvaluation criteria:\n{a.evaluation}" if a.evaluation else "")
        assert str(event["DESCRIPTION"]) == expected

    kept = events[export.uid(data.kept)]
    assert str(kept["DESCRIPTION"]).startswith(data.evolved_text)
    assert int(kept["SEQUENCE"]) == 2  # kept once, evolved once


def test_ics_uids_are_stable_across_exports(sessions, data) -> None:
    first = _events(_export(sessions, "ics", now=EXPORTED))
    second = _events(_export(sessions, "ics", now=EXPORTED + timedelta(hours=5)))
    assert sorted(first) == sorted(second)
    only_ops = _events(_export(sessions, "ics", channel=C2))
    assert list(only_ops) == [export.uid(data.other_channel)]


def test_ics_escaping_and_folding() -> None:
    assert export.ics_text('a,b;c\\d\ne\r\nf"') == 'a\\,b\\;c\\\\d\\ne\\nf"'
    folded = export.ics_fold("DESCRIPTION:" + "é" * 100)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert "".join(p[1:] if n else p for n, p in enumerate(parts)) == "DESCRIPTION:" + "é" * 100


def test_unknown_team_and_channel(sessions, data) -> None:
    with pytest.raises(export.UnknownTeam):
        export.load_logbook(sessions, team_id="T0NOBODY")
    with pytest.raises(export.UnknownChannel):
        export.load_logbook(sessions, team_id=T1, channel_id="C0NONE")
    with pytest.raises(export.UnknownChannel):  # a channel of another workspace
        export.load_logbook(sessions, team_id=T2, channel_id=C2)


# ---------------------------------------------------------------- the command


def _run(db_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DATABASE_URL"] = db_url
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,  # no .env from the project directory
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow  # runs `s3bot export` as a process
def test_cli_exports_to_a_file_without_any_slack_token(db_url, sessions, data, tmp_path) -> None:
    out = tmp_path / "reviews.ics"
    done = _run(db_url, tmp_path, "export", "--team", T1, "--format", "ics", "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    raw = out.read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    events = _events(raw.decode("utf-8"))
    assert export.uid(data.kept) in events and export.uid(data.dropped) not in events

    csv_file = tmp_path / "agreements.csv"
    done = _run(db_url, tmp_path, "export", "--team", T1, "--format", "csv", "-o", str(csv_file))
    assert done.returncode == 0, done.stderr
    with csv_file.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["text"] for r in rows} >= {data.evolved_text, LONG_TEXT}

    done = _run(db_url, tmp_path, "export", "--team", T1, "--channel", C2, "--format", "md")
    assert done.returncode == 0, done.stderr
    assert "OPS-ONLY-TEXT" in done.stdout and "not a heading" not in done.stdout


@pytest.mark.slow  # runs `s3bot export` as a process
def test_cli_rejects_bad_arguments_and_unknown_teams(db_url, tmp_path) -> None:
    done = _run(db_url, tmp_path, "export", "--team", T1, "--format", "xml")
    assert done.returncode == 2
    assert "invalid choice: 'xml'" in done.stderr

    done = _run(db_url, tmp_path, "export", "--team", "T0NOBODY", "--format", "md")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == ["s3bot: no workspace T0NOBODY in this database"]

    done = _run(db_url, tmp_path, "export", "--help")
    assert done.returncode == 0 and "{md,csv,roles-csv,ics}" in done.stdout
