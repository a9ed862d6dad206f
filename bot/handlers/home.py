"""The App Home tab: a person's own view of the governance they take part in, its
first-time welcome and its Help button.

The welcome's "Raise a tension" and "Start a consent round" open the existing forms; they
are wired by the features that own those forms (handlers.backlog, handlers.rounds).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.kwargs_injection import Args
from slack_sdk import WebClient

from bot.blocks import ids
from bot.blocks import usage as usage_views
from bot.blocks import welcome as welcome_views
from bot.blocks.values import HomeValue
from bot.delivery import home
from bot.deps import Deps
from bot.runtime.listeners import messages_for, on
from bot.runtime.payload import where
from bot.runtime.replies import open_modal
from bot.scheduler import kick
from bot.services import role_groups, welcome, workspace


def register(app: App) -> None:
    """Wire the app_home_opened event and the Home tab's own buttons."""
    on(app.event("app_home_opened"), lazy=(publish_home,))
    on(app.action(ids.ACT_HOME_HELP), lazy=(show_help,))
    on(app.action(ids.ACT_HOME_AGREEMENTS), ack=welcome_used, lazy=(show_agreements,))
    on(app.action(ids.ACT_HOME_DISMISS), ack=welcome_used, lazy=(republish,))
    on(app.action(ids.ACT_HOME_LANGUAGE), ack=choose_language, lazy=(language_chosen,))
    on(app.action(ids.ACT_HOME_ROLE_GROUPS), ack=choose_role_groups, lazy=(role_groups_chosen,))


def publish_home(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, deps: Deps
) -> None:
    """Publish the person's Home tab."""
    if event.get("tab", "home") != "home":
        return
    home.publish(deps, client, where(body).team_id, event["user"])


def welcome_used(ack: Ack, body: dict[str, Any], deps: Deps) -> None:
    """A welcome button was used: it is not shown again (stored before the ack)."""
    who = where(body)
    welcome.home_welcome_done(
        deps.sessions, team_id=who.team_id, user_id=who.user_id or "", now=deps.clock()
    )
    ack()


def show_help(body: dict[str, Any], client: WebClient, args: Args) -> None:
    """The one help, in a modal."""
    open_modal(client, body["trigger_id"], usage_views.help_modal(messages_for(args)))


def show_agreements(
    body: dict[str, Any], action: dict[str, Any], client: WebClient, deps: Deps, args: Args
) -> None:
    """How to see the circle's agreements; then the Home tab without the welcome."""
    value = HomeValue.parse(action.get("value") or "")
    modal = usage_views.agreements_modal(messages_for(args), value.channel_id)
    open_modal(client, body["trigger_id"], modal)
    republish(body, client, deps)


def republish(body: dict[str, Any], client: WebClient, deps: Deps) -> None:
    """The Home tab again, now without the welcome."""
    who = where(body)
    home.publish(deps, client, who.team_id, who.user_id or "")


LANGUAGE_CHOSEN = "s3bot_language_chosen"  # context: the choice still to check and store


def choose_language(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, deps: Deps
) -> None:
    """A workspace admin chose the workspace's language on their Home tab: stored before the
    ack when Slack's answer about them is cached (it is, having just shown them the tab);
    otherwise checked and stored right after it. Anyone else's choice changes nothing."""
    who = where(body)
    lang = (action.get("selected_option") or {}).get("value")
    if lang not in welcome_views.LANGUAGES or not who.user_id:
        ack()
        return
    info = deps.people.cached(who.team_id, who.user_id)
    if info is not None:
        if home.is_admin(info):
            _store_language(deps, who.team_id, lang)
        ack()
        return
    ack()
    context[LANGUAGE_CHOSEN] = lang


def language_chosen(
    body: dict[str, Any], client: WebClient, context: BoltContext, deps: Deps
) -> None:
    """Check a choice that could not be checked before the ack, then show the Home tab again."""
    who = where(body)
    lang = context.get(LANGUAGE_CHOSEN)
    info = deps.people.user_info(client, who.team_id, who.user_id or "")
    if lang and home.is_admin(info):
        _store_language(deps, who.team_id, lang)
    home.publish(deps, client, who.team_id, who.user_id or "")


def _store_language(deps: Deps, team_id: str, lang: str) -> None:
    workspace.set_workspace_locale(deps.sessions, team_id=team_id, locale=lang, now=deps.clock())
    deps.people.forget_workspace(team_id)


ROLE_GROUPS_CHOSEN = "s3bot_role_groups_chosen"  # context: the choice still to check and store


def choose_role_groups(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, deps: Deps
) -> None:
    """A workspace admin turned user groups per role on or off: stored before the ack when
    Slack's answer about them is cached, else checked and stored right after it. Anyone
    else's choice changes nothing."""
    who = where(body)
    choice = (action.get("selected_option") or {}).get("value")
    if choice not in ("on", "off") or not who.user_id:
        ack()
        return
    info = deps.people.cached(who.team_id, who.user_id)
    if info is not None:
        if home.is_admin(info):
            role_groups.choose(deps.sessions, team_id=who.team_id, on=choice == "on",
                               now=deps.clock())  # fmt: skip
        ack()
        context[ROLE_GROUPS_CHOSEN] = None
        return
    ack()
    context[ROLE_GROUPS_CHOSEN] = choice


def role_groups_chosen(
    body: dict[str, Any], client: WebClient, context: BoltContext, deps: Deps
) -> None:
    """Check a choice that could not be checked before the ack; sync the groups it queued,
    then show the Home tab again."""
    who = where(body)
    choice = context.get(ROLE_GROUPS_CHOSEN)
    if choice and home.is_admin(deps.people.user_info(client, who.team_id, who.user_id or "")):
        role_groups.choose(deps.sessions, team_id=who.team_id, on=choice == "on",
                           now=deps.clock())  # fmt: skip
    kick(deps)
    home.publish(deps, client, who.team_id, who.user_id or "")
