"""The Home tab's roles and circles on SQLite and PostgreSQL: scoped by workspace and person."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.services import structure
from bot.store import models
from bot.store.db import make_engine, make_session_factory, transaction

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def sessions(db_url: str):
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


def _role(team: str, channel: str, name: str, **kw) -> models.Role:
    return models.Role(
        team_id=team, channel_id=channel, name=name, name_key=name.casefold(),
        status=kw.pop("status", "active"), created_by="U1", created_at=NOW, **kw,
    )  # fmt: skip


def _seed(sessions) -> None:
    with transaction(sessions) as s:
        for team in ("T1", "T2"):
            s.add(models.Workspace(team_id=team, created_at=NOW))
        s.flush()
        s.add_all(
            [
                models.Circle(team_id="T1", channel_id="CP", next_number=1, created_at=NOW),
                models.Circle(
                    team_id="T1", channel_id="CA", next_number=1, created_at=NOW,
                    parent_channel_id="CP",
                ),
                models.Circle(
                    team_id="T1", channel_id="CB", next_number=1, created_at=NOW,
                    parent_channel_id="CP",
                ),
                # Another workspace's circle naming the same parent id is not a sub-circle.
                models.Circle(
                    team_id="T2", channel_id="CX", next_number=1, created_at=NOW,
                    parent_channel_id="CP",
                ),
            ]
        )  # fmt: skip
        later = _role("T1", "CA", "Release lead", holder_id="U1", term_end=date(2027, 6, 1))
        sooner = _role("T1", "CP", "Facilitator", holder_id="U1", term_end=date(2027, 1, 1))
        dropped = _role("T1", "CA", "Old", holder_id="U1", status="dropped")
        theirs = _role("T2", "CX", "Elsewhere", holder_id="U1")
        open_ = _role("T1", "CA", "Secretary")
        s.add_all([later, sooner, dropped, theirs, open_])
        s.flush()
        for role, status in ((open_, "nominating"), (later, "changing"), (sooner, "done")):
            sel = models.Selection(
                team_id="T1", channel_id=role.channel_id, role_id=role.id, started_by="U2",
                status=status, nominate_until=NOW + timedelta(days=1),
                change_until=NOW + timedelta(days=2), step=0, created_at=NOW,
            )  # fmt: skip
            s.add(sel)
            s.flush()
            for user in ("U1", "U2"):
                s.add(models.SelectionParticipant(selection_id=sel.id, user_id=user, team_id="T1"))
            if status == "changing":
                s.add(
                    models.Nomination(
                        selection_id=sel.id, user_id="U1", team_id="T1", nominee_id="U2",
                        reason="steady", created_at=NOW, updated_at=NOW,
                    )
                )  # fmt: skip


def test_home_shows_the_roles_held_soonest_term_end_first_in_this_workspace_only(sessions):
    _seed(sessions)
    got = structure.for_home(sessions, team_id="T1", user_id="U1", channels=[])
    assert [(r.name, r.term_end) for r in got.roles] == [
        ("Facilitator", date(2027, 1, 1)),
        ("Release lead", date(2027, 6, 1)),
    ]
    assert structure.for_home(sessions, team_id="T1", user_id="U9", channels=[]).roles == []


def test_home_shows_open_selections_the_person_takes_part_in(sessions):
    _seed(sessions)
    got = structure.for_home(sessions, team_id="T1", user_id="U1", channels=[])
    # Same nomination deadline: the selection started first comes first; a done one is gone.
    assert [(s.role_name, s.status, s.nominated) for s in got.selections] == [
        ("Secretary", "nominating", False),
        ("Release lead", "changing", True),
    ]
    changing = next(s for s in got.selections if s.status == "changing")
    assert changing.until == NOW + timedelta(days=2)  # the change round's end
    outsider = structure.for_home(sessions, team_id="T1", user_id="U9", channels=[])
    assert outsider.selections == [] and not outsider


def test_home_links_circles_to_their_parent_and_sub_circles(sessions):
    _seed(sessions)
    got = structure.for_home(sessions, team_id="T1", user_id="U9", channels=["CP", "CA"])
    links = {c.channel_id: (c.parent_channel_id, c.children) for c in got.circles}
    assert links == {"CP": (None, ("CA", "CB")), "CA": ("CP", ())}
    assert got  # something to show
