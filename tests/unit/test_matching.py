"""Suggesting the circles a tension may be passed on to, by the words of their domains."""

from __future__ import annotations

from bot.domain.matching import MAX_SUGGESTIONS, rank_circles, words

PURPOSES = {
    "C0CIRCLE": "Release notes and the release calendar",
    "C0DOCS": "Write the release notes and the user guide for every team",
    "C0OPS": "Keep the servers running for every team",
    "C0PEOPLE": "Hiring and onboarding for every team",
}


def test_words_are_casefolded_three_letters_or_more_without_stop_words() -> None:
    assert words("The RELEASE-notes of v2 are in de map, ok?") == {"release", "notes", "map"}
    assert words("Straße STRASSE") == {"strasse"}
    assert words("") == set()


def test_the_circles_sharing_most_words_come_first_with_the_words_they_share() -> None:
    ranked = rank_circles(
        ["Our release notes are late", "the team waits"], PURPOSES, own_channel="C0OPS"
    )
    assert [c.channel_id for c in ranked] == ["C0DOCS", "C0CIRCLE", "C0PEOPLE"]
    # "team" is in three of four descriptions: it weighs less than "notes" or "release".
    assert ranked[0].words == ("notes", "release", "team")
    assert ranked[1].words == ("notes", "release")
    assert ranked[1].purpose == PURPOSES["C0CIRCLE"]


def test_rarer_words_weigh_more() -> None:
    ranked = rank_circles(["hiring for the team"], PURPOSES, own_channel="C0X")
    assert ranked[0].channel_id == "C0PEOPLE"
    assert ranked[0].score > ranked[1].score


def test_its_own_channel_and_circles_sharing_no_word_are_left_out() -> None:
    ranked = rank_circles(["release notes"], PURPOSES, own_channel="C0CIRCLE")
    assert [c.channel_id for c in ranked] == ["C0DOCS"]
    assert rank_circles(["the and of"], PURPOSES, own_channel="C0X") == []
    assert rank_circles([None, ""], PURPOSES, own_channel="C0X") == []
    assert rank_circles(["release"], {}, own_channel="C0X") == []


def test_ties_go_by_channel_id_and_at_most_five_are_suggested() -> None:
    purposes = {f"C{k:02d}": "budget" for k in range(9, 0, -1)}
    ranked = rank_circles(["the budget"], purposes, own_channel="C05")
    assert [c.channel_id for c in ranked] == ["C01", "C02", "C03", "C04", "C06"]
    assert len(ranked) == MAX_SUGGESTIONS
    assert len({c.score for c in ranked}) == 1


def test_driver_fields_count_as_much_as_the_text() -> None:
    ranked = rank_circles(["late again", "servers down"], PURPOSES, own_channel="C0CIRCLE")
    assert [c.channel_id for c in ranked] == ["C0OPS"]
    assert ranked[0].words == ("servers",)
