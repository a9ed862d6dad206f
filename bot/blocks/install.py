"""The install pages a workspace admin sees in the browser: "Add to Slack", then what next."""

from __future__ import annotations

from html import escape

from bot.i18n import Messages

# Why an install did not complete (Bolt's failure reasons and Slack's `error` parameter).
_CANCELLED = {"access_denied"}
_START_AGAIN = {"invalid_browser", "invalid_state", "missing_code"}


def _page(m: Messages, title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{m.locale}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<style>body{font-family:sans-serif;max-width:40em;margin:3em auto;padding:0 1em;"
        "line-height:1.5}</style>\n</head>\n"
        f"<body>\n<h1>{escape(title)}</h1>\n{body}</body>\n</html>\n"
    )


def install_page(m: Messages, authorize_url: str) -> str:
    """The page at /slack/install: what the bot does, and the "Add to Slack" button."""
    url = escape(authorize_url, quote=True)
    add = escape(m._("Add to Slack"))
    body = (
        "<p>"
        + escape(
            m._(
                "S3 Governance lets your team raise tensions, decide by consent and keep "
                "its agreements reviewed, in Slack."
            )
        )
        + "</p>\n"
        f'<p><a href="{url}"><img alt="{add}" height="40" width="139" '
        'src="https://platform.slack-edge.com/img/add_to_slack.png" '
        'srcset="https://platform.slack-edge.com/img/add_to_slack.png 1x, '
        'https://platform.slack-edge.com/img/add_to_slack@2x.png 2x"></a></p>\n'
        f'<p><a href="{url}">{add}</a></p>\n'
    )
    return _page(m, m._("Add S3 Governance to your workspace"), body)


def installed_page(m: Messages, team_name: str | None, app_url: str | None) -> str:
    """The page after a completed install: it worked, and what to do next in Slack."""
    team = team_name or m._("your workspace")
    steps = [
        m._("Invite it to a circle's channel: type /invite @S3 Governance there."),
        m._("Raise a tension with /tension, start a consent round with /consent."),
        m._("See the channel's agreements with /agreements."),
    ]
    body = (
        "<p>" + escape(m._("S3 Governance is now installed in {team}.", team=team)) + "</p>\n"
        "<ol>\n" + "".join(f"<li>{escape(s)}</li>\n" for s in steps) + "</ol>\n"
    )
    if app_url:
        label = escape(m._("Open Slack"))
        body += f'<p><a href="{escape(app_url, quote=True)}">{label}</a></p>\n'
    return _page(m, m._("Installed"), body)


def failed_page(m: Messages, reason: str, install_path: str) -> str:
    """The page after an install that did not complete: why, and how to start again."""
    if reason in _CANCELLED:
        why = m._("The installation was cancelled; nothing was installed.")
    elif reason in _START_AGAIN:
        why = m._("This installation link has expired or was already used; nothing was installed.")
    elif reason == "storage_error":
        why = m._("The installation could not be saved; nothing was installed.")
    else:
        why = m._("Slack did not confirm the installation; nothing was installed.")
    again = escape(m._("Start the installation again"))
    body = (
        f'<p>{escape(why)}</p>\n<p><a href="{escape(install_path, quote=True)}">{again}</a></p>\n'
    )
    return _page(m, m._("Not installed"), body)


def not_installed(m: Messages) -> str:
    """A request from a workspace the bot has no installation for (uninstalled, revoked)."""
    return m._(
        "S3 Governance is not installed in this workspace (any more). "
        "Ask your Slack admin to add it again; nothing was saved."
    )
