"""The install pages: what the admin reads, in their browser's language."""

from __future__ import annotations

import pytest

from bot.blocks import install as pages
from bot.i18n import messages
from bot.runtime.oauth import browser_language


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("nl-NL,nl;q=0.9,en;q=0.8", "nl"),
        ("en;q=0.5, nl-BE", "nl"),  # the higher q wins, not the first listed
        ("de-DE,fr;q=0.9", "en"),  # nothing supported: the default
        ("nl;q=0, en", "en"),  # q=0: not acceptable
        ("", "en"),
        ("nl;q=abc, en-GB", "en"),
    ],
)
def test_the_browser_language_follows_accept_language(header: str, expected: str) -> None:
    assert browser_language({"accept-language": [header]}) == expected
    assert browser_language({}, default="nl") == "nl"


def test_the_install_page_links_to_slack_with_the_url_escaped() -> None:
    page = pages.install_page(messages("en"), 'https://slack.com/oauth/v2/authorize?a=1&b="2"')
    assert 'href="https://slack.com/oauth/v2/authorize?a=1&amp;b=&quot;2&quot;"' in page
    assert '<html lang="en">' in page and "Add to Slack" in page


def test_the_installed_page_names_the_workspace_and_the_next_steps() -> None:
    page = pages.installed_page(
        messages("nl"), "<Cirkel & Co>", "https://slack.com/app_redirect?app=A1"
    )
    assert "S3 Governance is nu geïnstalleerd in &lt;Cirkel &amp; Co&gt;." in page
    assert "/invite @S3 Governance" in page and "/consent" in page and "Open Slack" in page
    assert "je werkruimte" in pages.installed_page(messages("nl"), None, None)


@pytest.mark.parametrize(
    ("reason", "says"),
    [
        ("access_denied", "was cancelled"),
        ("invalid_state", "expired or was already used"),
        ("invalid_browser", "expired or was already used"),
        ("storage_error", "could not be saved"),
        ("invalid_code", "Slack did not confirm"),
    ],
)
def test_the_failure_page_says_why_and_links_to_a_new_start(reason: str, says: str) -> None:
    page = pages.failed_page(messages("en"), reason, "/slack/install")
    assert says in page and "nothing was installed" in page
    assert '<a href="/slack/install">Start the installation again</a>' in page
