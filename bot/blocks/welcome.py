"""The first minutes: the bot's welcome in a channel it joins, the Home tab's welcome."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)

from bot.blocks import ids
from bot.blocks.values import HomeValue
from bot.i18n import Messages

Rendered = tuple[str, list[dict]]


def channel_welcome(m: Messages) -> Rendered:
    """Posted once when the bot is invited to a channel: what the circle can do now."""
    intro = m._(
        ":wave: Hello! I help this channel's circle run its governance the Sociocracy 3.0 way, "
        "right here in Slack."
    )
    can = "\n".join(
        [
            m._("*What this circle can do now*"),
            m._(
                "`/tension [what you notice]`: raise a tension onto this channel's governance "
                "backlog (a bare `/tension` opens the driver form)."
            ),
            m._(
                "`/consent [proposal]`: start a consent round; everyone answers consent, "
                "concern or objection."
            ),
            m._("`/agreements`: the agreements in force here, and when each is reviewed."),
            m._("`/meeting`: the governance meeting's rhythm; `/meeting start` runs it here."),
        ]
    )
    start = m._(
        "*How to start*: raise the first tension with `/tension`, or start a consent round "
        "with `/consent`. `/tension help` shows everything."
    )
    blocks: list[Block] = [
        SectionBlock(block_id=ids.BLOCK_CHANNEL_WELCOME, text=MarkdownTextObject(text=intro)),
        SectionBlock(text=MarkdownTextObject(text=can)),
        ContextBlock(elements=[MarkdownTextObject(text=start)]),
    ]
    fallback = m._("Hello! I help this channel's circle run its governance. Try `/tension help`.")
    return fallback, [b.to_dict() for b in blocks]


def home_welcome(m: Messages, channel_id: str | None) -> list[Block]:
    """The welcome at the top of the Home tab, until the person used it or said "Got it".

    `channel_id`: the circle the forms are for; none: the person is in no circle with the bot.
    """
    lines = [m._("*Welcome!* Here is how to get going with your circle's governance.")]
    if channel_id:
        lines.append(m._("Your circle: <#{channel}>.", channel=channel_id))
    else:
        lines.append(
            m._(
                "First invite me to your circle's channel (`/invite @S3 Governance`); then you "
                "can raise tensions and start consent rounds there."
            )
        )
    value = HomeValue(channel_id=channel_id).dump()
    buttons: list[ButtonElement] = []
    if channel_id:
        buttons += [
            ButtonElement(
                action_id=ids.ACT_HOME_RAISE,
                text=m._("Raise a tension"),
                value=value,
                style="primary",
            ),
            ButtonElement(
                action_id=ids.ACT_HOME_PROPOSE, text=m._("Start a consent round"), value=value
            ),
        ]
    buttons += [
        ButtonElement(
            action_id=ids.ACT_HOME_AGREEMENTS, text=m._("See the agreements"), value=value
        ),
        ButtonElement(action_id=ids.ACT_HOME_DISMISS, text=m._("Got it"), value=value),
    ]
    return [
        SectionBlock(
            block_id=ids.BLOCK_HOME_WELCOME, text=MarkdownTextObject(text="\n".join(lines))
        ),
        ActionsBlock(block_id=ids.BLOCK_HOME_WELCOME_ACTIONS, elements=buttons),
        DividerBlock(),
    ]


def help_button(m: Messages) -> ActionsBlock:
    """The Home tab's Help button (the one help, in a modal)."""
    return ActionsBlock(
        block_id=ids.BLOCK_HOME_HELP,
        elements=[ButtonElement(action_id=ids.ACT_HOME_HELP, text=m._("Help"))],
    )


LANGUAGES = {"en": "English", "nl": "Nederlands"}  # each in its own language


def language_setting(m: Messages, current: str) -> SectionBlock:
    """The Home tab's workspace language choice, shown to workspace admins only."""
    options = [Option(value=code, text=name) for code, name in LANGUAGES.items()]
    return SectionBlock(
        block_id=ids.BLOCK_HOME_LANGUAGE,
        text=MarkdownTextObject(
            text=m._(
                "*Workspace language* (you are an admin): the language of the bot's channel "
                "messages, and of people whose own Slack language it does not speak."
            )
        ),
        accessory=StaticSelectElement(
            action_id=ids.ACT_HOME_LANGUAGE,
            options=options,
            initial_option=next((o for o in options if o.value == current), options[0]),
        ),
    )


def role_groups_setting(m: Messages, on: bool) -> SectionBlock:
    """The Home tab's choice to keep a Slack user group per role, for workspace admins."""
    options = [
        Option(value="on", text=m._("On: @role-name reaches its holder")),
        Option(value="off", text=m._("Off")),
    ]
    return SectionBlock(
        block_id=ids.BLOCK_HOME_ROLE_GROUPS,
        text=MarkdownTextObject(
            text=m._(
                "*A user group per role* (you are an admin): the bot keeps a Slack user group "
                "for each role (`@release-lead`) with its holder in it, and disables it while "
                "the role is vacant. Needs a paid Slack plan and the `usergroups:write` scope."
            )
        ),
        accessory=StaticSelectElement(
            action_id=ids.ACT_HOME_ROLE_GROUPS, options=options,
            initial_option=options[0] if on else options[1],
        ),
    )  # fmt: skip
