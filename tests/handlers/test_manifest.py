"""manifest.yml is a valid Slack manifest and matches what the code registers."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from bot.config import BOT_SCOPES, Settings
from bot.deps import build_deps

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """Commands and events the code registers, recorded by a spy App."""
    import slack_bolt

    import bot.app as app_module

    seen: dict[str, set[str]] = {
        "commands": set(), "events": set(), "shortcuts": set(), "functions": set(),
    }  # fmt: skip

    class SpyApp(slack_bolt.App):
        def command(self, command, *args, **kwargs):  # type: ignore[no-untyped-def]
            seen["commands"].add(command)
            return super().command(command, *args, **kwargs)

        def shortcut(self, constraints, *args, **kwargs):  # type: ignore[no-untyped-def]
            seen["shortcuts"].add(constraints)
            return super().shortcut(constraints, *args, **kwargs)

        def function(self, callback_id, *args, **kwargs):  # type: ignore[no-untyped-def]
            seen["functions"].add(callback_id)
            return super().function(callback_id, *args, **kwargs)

        def event(self, event, *args, **kwargs):  # type: ignore[no-untyped-def]
            seen["events"].add(event if isinstance(event, str) else event["type"])
            return super().event(event, *args, **kwargs)

    db = tmp_path_factory.mktemp("m") / "m.db"
    url = f"sqlite:///{db}"
    # The manifest serves both modes: one workspace's token, and installs by any workspace
    # (which also listen for app_uninstalled and tokens_revoked).
    single = Settings(slack_bot_token="xoxb-test", slack_signing_secret="s", database_url=url)
    multi = Settings(
        slack_client_id="1.2", slack_client_secret="c", slack_signing_secret="s", database_url=url
    )
    mp = pytest.MonkeyPatch()
    mp.setattr(app_module, "App", SpyApp)
    try:
        app_module.build_app(build_deps(single))
        single_events = set(seen["events"])
        app_module.build_app(build_deps(multi))
    finally:
        mp.undo()
    assert seen["events"] - single_events == {"app_uninstalled", "tokens_revoked"}
    return seen


def test_the_default_install_scopes_are_the_manifests(manifest: dict) -> None:
    assert list(BOT_SCOPES) == manifest["oauth_config"]["scopes"]["bot"]
    assert Settings().slack_scopes == manifest["oauth_config"]["scopes"]["bot"]


def test_the_redirect_url_is_declared(manifest: dict) -> None:
    urls = manifest["oauth_config"]["redirect_urls"]
    assert [urlsplit(u).path for u in urls] == ["/slack/oauth_redirect"]


def test_manifest_is_valid_against_slacks_schema(manifest: dict, shared_slack_dir: Path) -> None:
    schema = json.loads((shared_slack_dir / "manifest.schema.1.0.0.json").read_text())
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(manifest)]
    assert errors == []


def test_socket_mode_and_interactivity_are_on(manifest: dict) -> None:
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_commands_match_the_code(manifest: dict, registered: dict[str, set[str]]) -> None:
    declared = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert declared == {"/tension", "/consent", "/agreements", "/meeting", "/role", "/domain"}
    assert registered["commands"] == declared


def test_shortcuts_match_the_code(manifest: dict, registered: dict[str, set[str]]) -> None:
    declared = {s["callback_id"] for s in manifest["features"]["shortcuts"]}
    assert declared == {"raise_as_tension"}
    assert registered["shortcuts"] == declared
    assert all(s["type"] == "message" for s in manifest["features"]["shortcuts"])


def test_events_match_the_code(manifest: dict, registered: dict[str, set[str]]) -> None:
    declared = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert declared == {
        "reaction_added",
        "reaction_removed",
        "app_home_opened",
        "app_uninstalled",
        "tokens_revoked",
        "message.channels",  # replies in a meeting's thread check people in
        "message.groups",
        "member_joined_channel",  # the bot's welcome when it is invited to a channel
        "function_executed",  # the Workflow Builder step "Start a consent round"
    }
    # Slack names message events by the conversation they come from; Bolt hears "message";
    # function_executed reaches the step's function listener (app.function), not app.event.
    assert registered["events"] == {e.split(".")[0] for e in declared} - {"function_executed"}


def test_functions_match_the_code(manifest: dict, registered: dict[str, set[str]]) -> None:
    from bot.domain import workflow_step as step

    assert set(manifest["functions"]) == registered["functions"] == {"start_consent_round"}
    declared = manifest["functions"]["start_consent_round"]
    assert set(declared["input_parameters"]) == {
        step.IN_CHANNEL, step.IN_TITLE, step.IN_PROPOSAL, step.IN_DEADLINE,
        step.IN_REVIEW_DATE, step.IN_AUTHOR,
    }  # fmt: skip
    assert set(declared["output_parameters"]) == {step.OUT_ROUND_LINK}
    assert manifest["settings"]["function_runtime"] == "remote"


# Events whose scopes are alternatives, one per kind of conversation: the kinds the bot uses.
EVENTS_BY_CONVERSATION = {"member_joined_channel": {"channels:read", "groups:read"}}

# Methods the reference data lacks; Slack's docs list no scope for them.
NO_SCOPE_METHODS = {"chat.getPermalink"}


@pytest.fixture(scope="module")
def called_methods() -> set[str]:
    """Web API methods the bot calls while playing the demo story (every feature), as Slack saw them."""
    import io

    from bot.demo import story

    seen: list[story.StandinSlack] = []

    class Recording(story.StandinSlack):
        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            super().__init__(*args, **kwargs)
            seen.append(self)

    mp = pytest.MonkeyPatch()
    mp.setattr(story, "StandinSlack", Recording)
    try:
        assert story.run_demo(io.StringIO()) == 0
    finally:
        mp.undo()
    return {call.method for fake in seen for call in fake.calls}


def test_bot_scopes_are_exactly_what_the_code_needs(
    manifest: dict, shared_slack_dir: Path, called_methods: set[str]
) -> None:
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    needed: set[str] = {"commands"}  # slash commands
    assert {"chat.postMessage", "conversations.members", "users.info"} <= called_methods
    for method in sorted(called_methods):
        path = shared_slack_dir / "methods" / f"{method}.json"
        if not path.exists():
            assert method in NO_SCOPE_METHODS, f"{method}: no reference data to check its scope"
            continue
        spec = json.loads(path.read_text())
        options = spec.get("scope", {}).get("bot", [])
        if options:
            granted = scopes.intersection(options)
            assert granted, f"{method} needs one of {options}"
            needed |= granted
    # A message event comes from one kind of conversation, and needs that kind's history scope.
    message_scopes = {"message.channels": "channels:history", "message.groups": "groups:history"}
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        if event in message_scopes:
            spec = json.loads((shared_slack_dir / "events" / "message.json").read_text())
            assert message_scopes[event] in spec.get("scopes", [])
            assert message_scopes[event] in scopes, f"{event} needs {message_scopes[event]}"
            needed.add(message_scopes[event])
            continue
        spec = json.loads((shared_slack_dir / "events" / f"{event}.json").read_text())
        if event in EVENTS_BY_CONVERSATION:
            # Each scope brings the event from one kind of conversation: the bot needs some,
            # each of which the reference lists (no group DMs: no circle lives in one).
            wanted = EVENTS_BY_CONVERSATION[event]
            assert wanted <= set(spec.get("scopes", [])) and wanted <= scopes, event
            needed |= wanted
            continue
        for scope in spec.get("scopes", []):
            assert scope in scopes, f"{event} needs {scope}"
            needed.add(scope)
    # chat:write.public lets the bot announce tensions in public channels it has not joined.
    needed.add("chat:write.public")
    # channels:join: "Add the bot to this channel" (conversations.join), offered where /consent
    # or the driver form is used in a public channel without the bot; the demo never needs it.
    assert "conversations.join" not in called_methods
    needed.add("channels:join")
    # A message retried after a lost answer is looked for first (bot.runtime.posting), in the
    # channel or DM it went to: conversations.history / .replies, which the demo never needs.
    reconcile = {"channels:history", "groups:history", "im:history"}
    assert "conversations.history" not in called_methods
    needed |= reconcile
    # A role's user group made on a try whose answer was lost is found again by its handle
    # (bot.delivery.role_groups): usergroups.list, which the demo never needs.
    assert "usergroups.create" in called_methods and "usergroups.list" not in called_methods
    needed.add("usergroups:read")
    # The channel's logbook as its canvas (`/agreements canvas`, bot.delivery.canvas):
    # conversations.canvases.create, canvases.create and canvases.edit, which the demo never
    # plays (tests/handlers/test_canvas.py does); each needs canvases:write.
    for method in ("conversations.canvases.create", "canvases.create", "canvases.edit"):
        assert method not in called_methods
        spec = json.loads((shared_slack_dir / "methods" / f"{method}.json").read_text())
        assert spec["scope"]["bot"] == ["canvases:write"]
    needed.add("canvases:write")
    # A channel canvas made on a try whose answer was lost is found again by its heading
    # (canvases.sections.lookup), rather than a second canvas made beside it.
    assert "canvases.sections.lookup" not in called_methods
    needed.add("canvases:read")
    assert scopes == needed, f"unneeded scopes: {scopes - needed}"
