"""Pure rules of a backlog item and of a meeting cadence, and what each refusal says."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.blocks import errors, ids
from bot.domain import backlog as rules
from bot.domain import rhythm
from bot.domain.errors import EmptyText, TextTooLong
from bot.i18n import messages

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
EN = messages("en")


def item(
    rank: int | None = 2, status: rules.ItemStatus = rules.ItemStatus.BACKLOG
) -> rules.ItemView:
    return rules.ItemView(
        id=1, team_id="T1", channel_id="C1", number=7, author_id="U1", text="Late releases",
        status=status, rank=rank, created_at=NOW,
    )  # fmt: skip


def test_only_members_change_the_backlog() -> None:
    rules.require_member(frozenset({"U1", "U2"}), "U1", "C1")
    with pytest.raises(rules.NotMember) as refused:
        rules.require_member(frozenset({"U2"}), "U1", "C1")
    assert refused.value.channel == "C1"
    with pytest.raises(rules.NotMember):
        rules.require_member(frozenset(), "U1", "C1")
    assert errors.explain(EN, refused.value) == "Only members of <#C1> can change its backlog."


def test_a_driver_needs_its_situation_and_its_effect_each_on_its_own_field() -> None:
    assert rules.driver_problems("It slips", "We wait") == []
    problems = rules.driver_problems("  ", "\n\t")
    assert [type(p) for p in problems] == [rules.SituationMissing, rules.EffectMissing]
    fields = [ids.IN_SITUATION[0], ids.IN_EFFECT[0]]
    assert errors.field_errors(EN, list(problems), fields) == {
        ids.IN_SITUATION[0]: "Fill this in; it cannot be blank.",
        ids.IN_EFFECT[0]: "Fill this in; it cannot be blank.",
    }
    with pytest.raises(rules.DriverIncomplete) as refused:
        rules.clean_driver(None, "x", None, None)
    assert refused.value.fields == ["situation"]


def test_driver_parts_and_tensions_have_their_own_length_refusals() -> None:
    long = "x" * (rules.MAX_TENSION_LENGTH + 1)
    with pytest.raises(rules.DriverPartTooLong) as part:
        rules.clean_driver("a", "b", long, None)
    assert isinstance(part.value, TextTooLong)
    assert (
        errors.field_for(part.value, [ids.IN_EFFECT[0], ids.IN_SITUATION[0]])
        == (ids.IN_SITUATION[0])
    )
    with pytest.raises(rules.TensionTooLong) as tension:
        rules.clean_tension_text(long)
    assert "the limit is 3000" in errors.explain(EN, tension.value)
    with pytest.raises(EmptyText):
        rules.clean_tension_text("   ")


def test_a_position_is_a_whole_number() -> None:
    assert rules.parse_position(" 4 ") == 4
    assert rules.parse_position("-1") == -1
    for raw in (None, "", "two", "1.5"):
        with pytest.raises(rules.NotAWholeNumber):
            rules.parse_position(raw)
    assert errors.field_for(rules.NotAWholeNumber(), [ids.IN_POSITION[0]]) == ids.IN_POSITION[0]


def test_passing_on_needs_a_channel() -> None:
    assert rules.require_target("C2") == "C2"
    with pytest.raises(rules.NoChannelChosen):
        rules.require_target(None)
    said = errors.explain(EN, rules.BotNotInChannel("C2"))
    assert said.startswith("I am not in <#C2>.")


def test_an_item_that_moved_meanwhile_is_refused() -> None:
    rules.require_unchanged(item(rank=2), 2)
    rules.require_unchanged(item(rank=2), None)
    with pytest.raises(rules.ItemChanged):
        rules.require_unchanged(item(rank=3), 2)
    rules.require_open_at(item(rank=2), 2)
    rules.require_open_at(item(rank=None, status=rules.ItemStatus.NEW), None)
    with pytest.raises(rules.ItemChanged):
        rules.require_open_at(item(rank=None, status=rules.ItemStatus.DISMISSED), None)
    with pytest.raises(rules.ItemChanged):
        rules.require_open_at(item(rank=2), None)
    fields = [ids.IN_PASS_TO[0]]
    assert errors.field_for(rules.ItemChanged(), fields) == ids.IN_PASS_TO[0]


def test_only_channel_members_set_the_cadence_and_unknown_members_are_said_so() -> None:
    rhythm.require_member(frozenset({"U1"}), "U1", "C1")
    with pytest.raises(rhythm.MembersUnknown) as unknown:
        rhythm.require_member(frozenset(), "U1", "C1")
    with pytest.raises(rhythm.NotAMember) as outsider:
        rhythm.require_member(frozenset({"U2"}), "U1", "C1")
    assert type(outsider.value) is rhythm.NotAMember
    assert errors.explain(EN, outsider.value) == (
        "Only members of <#C1> can set its governance meeting. Nothing was changed."
    )
    assert errors.explain(EN, unknown.value).startswith("I cannot see who is in <#C1>")


def test_every_refused_cadence_field_is_named() -> None:
    assert rhythm.cadence_problems(2, 3, "10:00", "Europe/Amsterdam") == []
    problems = rhythm.cadence_problems(6, 9, "25:61", "Mars/Olympus")
    assert [type(p) for p in problems] == [
        rhythm.InvalidEvery,
        rhythm.InvalidWeekday,
        rhythm.InvalidTime,
        rhythm.InvalidTimezone,
    ]
    fields = [ids.IN_MEETING_EVERY[0], ids.IN_MEETING_WEEKDAY[0], ids.IN_MEETING_TIME[0]]
    found = errors.field_errors(EN, problems, fields)
    assert found[ids.IN_MEETING_TIME[0]] == "Choose a time, such as 10:00."  # the first wins
    only_zone = errors.field_errors(
        EN, rhythm.cadence_problems(2, 3, "10:00", "Mars/Olympus"), fields
    )
    assert "Mars/Olympus" in only_zone[ids.IN_MEETING_TIME[0]]
