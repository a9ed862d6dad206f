"""The export's structure: domain descriptions, roles, circles and delegates (Markdown with a
Mermaid diagram, `roles-csv`, term ends in the iCalendar feed), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import icalendar
import pytest

from bot import export
from bot.store import models
from bot.store.db import make_engine, make_session_factory, transaction

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TEAM, OTHER = "T0STRUCT", "T0OTHER"
PARENT, CHILD, LONE = "C0PARENT", "C0CHILD", "C0LONE"
ALICE, BRAM = "U0ALICE", "U0BRAM"
TRICKY = 'Ship "it" | now `fast` #1 <!channel>'


@pytest.fixture
def sessions(db_url: str):
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


def _description(
    team: str, channel: str, role: models.Role | None, **fields
) -> models.DomainDescription:
    values = {"version": 1, "status": "current", "review_date": date(2027, 6, 1), **fields}
    return models.DomainDescription(
        team_id=team,
        channel_id=channel,
        role_id=role.id if role else None,
        author_id=ALICE,
        created_at=NOW,
        **values,
    )


def _role(team: str, channel: str, name: str, **fields) -> models.Role:
    values = {"status": "active", "term_months": 6, **fields}
    return models.Role(
        team_id=team,
        channel_id=channel,
        name=name,
        name_key=name.casefold(),
        created_by=ALICE,
        created_at=NOW,
        **values,
    )


@pytest.fixture
def stored(sessions) -> None:
    with transaction(sessions) as s:
        s.add(models.Workspace(team_id=TEAM, created_at=NOW))
        s.add(models.Workspace(team_id=OTHER, created_at=NOW))
        s.flush()
        s.add(models.Circle(team_id=TEAM, channel_id=PARENT, created_at=NOW))
        s.add(
            models.Circle(team_id=TEAM, channel_id=CHILD, parent_channel_id=PARENT, created_at=NOW)
        )
        s.add(models.Circle(team_id=TEAM, channel_id=LONE, created_at=NOW))
        s.add(_description(TEAM, CHILD, None, purpose="Old purpose", status="superseded"))
        s.add(
            _description(
                TEAM,
                CHILD,
                None,
                version=2,
                purpose="Release the product\nevery month",
                responsibilities="Release notes; *changelog*",
            )
        )
        lead = _role(
            TEAM,
            CHILD,
            "Release lead",
            holder_id=ALICE,
            term_start=date(2026, 12, 1),
            term_end=date(2027, 6, 1),
        )
        delegate = _role(
            TEAM,
            CHILD,
            TRICKY,
            term_months=None,
            term_until=date(2027, 3, 1),
            represents_channel_id=PARENT,
        )
        past = _role(
            TEAM,
            CHILD,
            "Past holder",
            holder_id=BRAM,
            term_start=date(2026, 1, 1),
            term_end=date(2026, 11, 1),
        )
        dropped = _role(TEAM, CHILD, "Old role", status="dropped")
        elsewhere = _role(
            OTHER, CHILD, "Other team's role", holder_id=BRAM, term_end=date(2027, 1, 1)
        )
        s.add_all([lead, delegate, past, dropped, elsewhere])
        s.flush()
        s.add(
            _description(
                TEAM, CHILD, lead, purpose="Get each release out", review_date=date(2027, 5, 1)
            )
        )
        s.add(_description(TEAM, CHILD, delegate, purpose="Represent #child in #parent"))


def _export(sessions, fmt: str, channel: str | None = None) -> str:
    return export.export(sessions, team_id=TEAM, channel_id=channel, fmt=fmt, now=NOW)


def _section(md: str, channel: str) -> str:
    start = md.index(f"## Channel #{channel}\n")
    end = md.find("\n## Channel #", start + 1)
    return md[start : end if end >= 0 else len(md)]


def test_markdown_has_the_domain_in_force_with_parent_and_sub_circles(sessions, stored) -> None:
    md = _export(sessions, "md")
    child = _section(md, CHILD)
    assert "- **Version:** 2" in child
    assert "- **Review date:** 2027-06-01" in child
    assert f"- **Parent circle:** #{PARENT}" in child
    assert "**Purpose**\n\nRelease the product\\\nevery month" in child
    assert "**Key responsibilities**\n\nRelease notes; \\*changelog\\*" in child
    assert "Old purpose" not in md  # superseded
    parent = _section(md, PARENT)
    assert f"- **Sub-circles:** #{CHILD}" in parent
    assert "No domain description in force." in parent
    lone = _section(md, LONE)
    assert "### Roles\n\nNone." in lone


def test_markdown_lists_roles_in_force_vacant_first_of_this_team_only(sessions, stored) -> None:
    md = _export(sessions, "md")
    rows = [line for line in md.splitlines() if line.startswith("| ") and "term" not in line]
    role_rows = [r for r in rows if "Release lead" in r or "Ship" in r or "Past holder" in r]
    assert "vacant" in role_rows[0] and "Ship" in role_rows[0]
    assert f"| #{PARENT} |" in role_rows[0]
    assert "\\|" in role_rows[0]  # the pipe in the name cannot break the table
    lead = next(r for r in role_rows if "Release lead" in r)
    assert f"@{ALICE}" in lead and "6 months" in lead and "2027-06-01" in lead
    assert "Old role" not in md and "Other team's role" not in md


def test_mermaid_diagram_links_circles_and_delegates(sessions, stored) -> None:
    md = _export(sessions, "md")
    block = md[md.index("```mermaid\n") + len("```mermaid\n") :]
    block = block[: block.index("\n```")]
    lines = block.splitlines()
    assert lines[0] == "graph TD"
    assert f'  c_{PARENT}["#35;{PARENT}"]' in lines
    assert f"  c_{PARENT} -->|delegates a domain| c_{CHILD}" in lines
    delegate = next(line for line in lines if "-." in line)
    assert delegate.startswith(f"  c_{CHILD} -. ")
    assert delegate.endswith(f" .-> c_{PARENT}")
    label = delegate.split('"')[1]
    assert "#quot;it#quot;" in label and "#96;fast#96;" in label and "(vacant)" in label
    assert "`" not in block  # a backtick in a role name cannot close the fence


def test_no_diagram_without_links(sessions, stored) -> None:
    assert "```mermaid" not in _export(sessions, "md", channel=LONE)


def test_roles_csv_has_one_row_per_role_in_force(sessions, stored) -> None:
    rows = list(csv.DictReader(io.StringIO(_export(sessions, "roles-csv"))))
    assert [r["role"] for r in rows] == ["Past holder", "Release lead", TRICKY]
    lead = rows[1]
    assert lead == {
        "team_id": TEAM,
        "channel_id": CHILD,
        "role": "Release lead",
        "purpose": "Get each release out",
        "holder": ALICE,
        "term_start": "2026-12-01",
        "term_end": "2027-06-01",
        "term": "6 months",
        "represents_channel_id": "",
        "review_date": "2027-05-01",
    }
    assert rows[2]["holder"] == "" and rows[2]["term"] == "until 2027-03-01"
    assert rows[2]["represents_channel_id"] == PARENT


def test_ics_has_the_upcoming_term_ends(sessions, stored) -> None:
    calendar = icalendar.Calendar.from_ical(_export(sessions, "ics"))
    terms = [e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]).startswith("Term ends")]
    assert [str(e["SUMMARY"]) for e in terms] == [f"Term ends: Release lead (held by @{ALICE})"]
    event = terms[0]
    assert event["DTSTART"].dt == date(2027, 6, 1)
    assert str(event["DESCRIPTION"]) == "Get each release out"
    again = icalendar.Calendar.from_ical(_export(sessions, "ics"))
    assert [str(e["UID"]) for e in again.walk("VEVENT")] == [
        str(e["UID"]) for e in calendar.walk("VEVENT")
    ]
