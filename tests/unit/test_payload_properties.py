"""Property tests of the payload readers: any JSON a signed request may carry is read without
a crash, and what Slack's shapes say is what is read."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.runtime.payload import Form, Where, request_key, where

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
keys = st.sampled_from(
    ["team", "team_id", "user", "user_id", "channel", "channel_id", "container", "event",
     "enterprise", "enterprise_id", "view", "type", "trigger_id", "state"]
)  # fmt: skip
payloads = st.dictionaries(keys, json_values, max_size=8) | json_values
slack_ids = st.from_regex(r"\A[TUCEGD][A-Z0-9]{2,10}\Z", fullmatch=True)
workspace_ids = st.from_regex(r"\AT[A-Z0-9]{2,10}\Z", fullmatch=True)


@given(payloads)
def test_where_reads_any_json_without_a_crash(body: object) -> None:
    found = where(body)
    assert isinstance(found, Where) and isinstance(found.team_id, str)
    for value in (found.user_id, found.channel_id, found.enterprise_id):
        assert value is None or (isinstance(value, str) and value)


@given(workspace_ids, workspace_ids, slack_ids, slack_ids, slack_ids)
def test_the_workspace_is_the_payloads_team_not_the_users_home_team(
    team: str, home: str, user: str, channel: str, org: str
) -> None:
    body = {
        "type": "block_actions",
        "team": {"id": team},
        "user": {"id": user, "team_id": home},
        "channel": {"id": channel},
        "enterprise": {"id": org},
    }
    assert where(body) == Where(
        team_id=team, user_id=user, channel_id=channel, enterprise_id=org, user_team_id=home
    )
    del body["team"]  # no workspace named: the user's own team is all there is
    assert where(body).team_id == home


@given(workspace_ids, workspace_ids, slack_ids, slack_ids)
def test_a_guests_modal_acts_in_the_workspace_the_app_is_installed_in(
    host: str, guest: str, user: str, org: str
) -> None:
    # Slack Connect: a modal a guest submits names their own workspace (and org) as `team`.
    body = {
        "type": "view_submission",
        "team": {"id": guest, "enterprise_id": org},
        "user": {"id": user, "team_id": guest},
        "view": {"id": "V1", "team_id": guest, "app_installed_team_id": host},
    }
    found = where(body)
    assert (found.team_id, found.user_team_id) == (host, guest)
    assert found.enterprise_id == (org if host == guest else None)


@given(workspace_ids, workspace_ids, workspace_ids, slack_ids)
def test_an_event_acts_in_the_authorized_workspace_not_the_channels_origin(
    host: str, origin: str, guest: str, user: str
) -> None:
    body = {
        "type": "event_callback",
        "team_id": origin,
        "is_ext_shared_channel": True,
        "context_team_id": host,
        "event": {"type": "message", "user": user, "user_team": guest, "channel": "C1"},
        "authorizations": [{"team_id": host, "enterprise_id": None, "is_bot": True}],
    }
    assert (where(body).team_id, where(body).user_team_id) == (host, guest)
    body["authorizations"][0]["team_id"] = None  # an org-wide install names no workspace
    assert where(body).team_id == host


@given(slack_ids, slack_ids, slack_ids)
def test_a_command_is_read_from_its_flat_fields(team: str, user: str, channel: str) -> None:
    body = {"team_id": team, "user_id": user, "channel_id": channel, "command": "/tension"}
    assert where(body) == Where(team_id=team, user_id=user, channel_id=channel, user_team_id=team)


@given(payloads)
def test_request_keys_are_stable_and_never_crash(body: object) -> None:
    assert request_key(body) == request_key(body)


@given(st.text(min_size=1, max_size=20), json_values, json_values)
def test_a_submission_key_changes_with_what_was_typed(
    view_id: str, one: object, two: object
) -> None:
    def submission(typed: object) -> dict:
        state = {"values": {"b": {"a": {"type": "plain_text_input", "value": typed}}}}
        return {"type": "view_submission", "view": {"id": view_id, "state": state}}

    assert request_key(submission(one)) == request_key(submission(one))
    if one != two:
        assert request_key(submission(one)) != request_key(submission(two))


@given(json_values)
def test_a_form_reads_any_state_without_a_crash(state: object) -> None:
    form = Form({"state": state})
    key = ("b", "a")
    assert form.text(key) is None or isinstance(form.text(key), str)
    assert isinstance(form.selected_all(key), list) and isinstance(form.users(key), list)
    assert form.date(key) is None or isinstance(form.date(key), date)
    assert form.moment(key) is None or isinstance(form.moment(key), datetime)
    assert isinstance(form.block_ids(), list)


@given(json_values)
def test_any_element_value_is_read_without_a_crash(value: object) -> None:
    element = {
        "value": value, "selected_option": value, "selected_options": value,
        "selected_users": value, "selected_user": value, "selected_date": value,
        "selected_date_time": value, "selected_conversation": value, "selected_time": value,
    }  # fmt: skip
    form = Form({"state": {"values": {"b": {"a": element}}}})
    key = ("b", "a")
    for read in (form.text, form.selected, form.user, form.conversation, form.time):
        assert read(key) is None or isinstance(read(key), str)
    assert form.date(key) is None or isinstance(form.date(key), date)
    assert form.moment(key) is None or isinstance(form.moment(key), datetime)


@given(st.dates(min_value=date(1970, 1, 2), max_value=date(9999, 12, 30)))
def test_dates_and_moments_read_what_slack_sends(day: date) -> None:
    stamp = int(datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp())
    element = {"selected_date": day.isoformat(), "selected_date_time": stamp}
    form = Form({"state": {"values": {"b": {"a": element}}}})
    assert form.date(("b", "a")) == day
    assert form.moment(("b", "a")) == datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
