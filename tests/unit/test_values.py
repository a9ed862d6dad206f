"""Button and menu values: what is built is parsed back; anything else is refused, never a crash."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.blocks.values import HomeValue, ItemMenuValue, PageValue, ReviewValue, RoundValue
from bot.domain.errors import StaleRequest

ids = st.integers(min_value=1, max_value=2**31 - 1)
ranks = st.none() | st.integers(min_value=0, max_value=10_000)
channels = st.from_regex(r"^[A-Z0-9]{1,30}\Z", fullmatch=True)


@given(ids)
def test_round_values_round_trip(round_id: int) -> None:
    assert RoundValue.parse(RoundValue(round_id=round_id).dump()).round_id == round_id


@given(ids, st.dates(min_value=date(2000, 1, 1), max_value=date(2200, 1, 1)))
def test_review_values_round_trip(agreement_id: int, day: date) -> None:
    value = ReviewValue(agreement_id=agreement_id, review_date=day)
    assert ReviewValue.parse(value.dump()) == value


@given(channels, st.integers(min_value=0, max_value=10**6))
def test_page_values_round_trip(channel: str, offset: int) -> None:
    value = PageValue(channel_id=channel, offset=offset)
    assert PageValue.parse(value.dump()) == value


@given(st.sampled_from(["describe", "step", "up", "pass"]), ids, ranks)
def test_item_menu_values_round_trip(action: str, item_id: int, rank: int | None) -> None:
    value = ItemMenuValue(action=action, item_id=item_id, rank=rank)
    assert ItemMenuValue.parse(value.dump()) == value


def test_values_posted_before_this_module_still_parse() -> None:
    assert ItemMenuValue.parse("up:12:None") == ItemMenuValue(action="up", item_id=12, rank=None)
    assert ItemMenuValue.parse("dismiss:12:3").rank == 3
    assert ReviewValue.parse("5:2027-01-31").review_date == date(2027, 1, 31)
    assert PageValue.parse("C123:10").offset == 10


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        (RoundValue, "abc"),
        (RoundValue, "99999999999999999999"),  # overflows the integer column
        (RoundValue, "-1"),
        (RoundValue, ""),
        (RoundValue, None),
        (RoundValue, 7),
        (ReviewValue, "5"),
        (ReviewValue, "5:not-a-date"),
        (PageValue, "C1:-10"),
        (PageValue, "c<!channel>:0"),
        (ItemMenuValue, "up:x:1"),
        (ItemMenuValue, "up"),
        (ItemMenuValue, "x" * 5000),
    ],
)
def test_unreadable_values_are_refused_as_stale(kind: type, raw: object) -> None:
    with pytest.raises(StaleRequest):
        kind.parse(raw)


@given(st.one_of(st.text(max_size=80), st.integers(), st.none(), st.lists(st.integers())))
def test_any_input_parses_or_is_refused_as_stale(raw: object) -> None:
    for kind in (RoundValue, ReviewValue, PageValue, ItemMenuValue):
        try:
            parsed = kind.parse(raw)
        except StaleRequest:
            continue  # refused: the only other outcome allowed
        assert kind.parse(parsed.dump()) == parsed  # what was read is exactly what it names


@given(st.none() | st.from_regex(r"^[CG][A-Z0-9]{2,30}\Z", fullmatch=True))
def test_home_values_round_trip(channel: str | None) -> None:
    value = HomeValue(channel_id=channel)
    assert HomeValue.parse(value.dump()) == value


@pytest.mark.parametrize("raw", ["<!channel>", "C1:extra", "D0ABC", 7])
def test_home_values_refuse_what_is_no_channel(raw: object) -> None:
    with pytest.raises(StaleRequest):
        HomeValue.parse(raw)
