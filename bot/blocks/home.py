"""The App Home tab (pure): what needs the person now, each with its action (answer a round,
nominate, review an agreement), then their tensions and roles, then their circles' backlogs."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks import agreements as agreement_views
from bot.blocks import consent as consent_views
from bot.blocks import ids
from bot.blocks import structure as structure_views
from bot.blocks import welcome as welcome_views
from bot.blocks.backlog import ITEMS_PER_SECTION, LIST_LINE_CHARS, next_step_label
from bot.blocks.text import escape, mention, one_line, slack_date, truncate
from bot.domain.backlog import ItemView
from bot.i18n import Messages
from bot.services.views import RunningMeeting, Structure

HOME_CIRCLES = 10
HOME_ITEMS = 5
HOME_REVIEWS = 15
HOME_ANSWERABLE = 5  # rounds answered right on the Home tab (two blocks each)
HOME_REVIEWABLE = 5  # reviews done right on the Home tab
HOME_REVIEW_DUE_DAYS = 7
HOME_MEETINGS = 5


def _bold(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text="*" + text + "*"))


def _home_waiting(m: Messages, waiting: list[Any]) -> list[Block]:
    """Consent rounds waiting for the person's answer: the soonest with their buttons (the
    answer is given right here), the rest as lines."""
    blocks: list[Block] = [_bold(m._("Consent rounds waiting for your answer"))]
    lines = []
    for n, w in enumerate(waiting[:20]):
        line = m._(
            "{title} in <#{channel}>, before {deadline}",
            title=escape(one_line(w.title, 120)),
            channel=w.channel_id,
            deadline=slack_date(w.deadline),
        )
        if n >= HOME_ANSWERABLE:
            lines.append(line)
            continue
        blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate(line, 2900))))
        blocks.append(
            ActionsBlock(
                block_id=f"{ids.BLOCK_HOME_ROUND}_{w.round_id}",
                elements=consent_views.answer_buttons(m, w.round_id),
            )
        )
    if lines:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate("\n".join(lines), 2900))))
    return blocks


def _home_meetings(m: Messages, meetings: list[RunningMeeting]) -> list[Block]:
    """Governance meetings running now in the person's channels, each with its thread."""
    lines = []
    for r in meetings[:HOME_MEETINGS]:
        line = m._(
            ":large_green_circle: A governance meeting is running in <#{channel}>, facilitated "
            "by {who}.",
            channel=r.channel_id,
            who=mention(r.facilitator_id),
        )
        if r.link:
            line += " " + m._("<{link}|Join it in its thread>", link=r.link)
        else:
            line += " " + m._("Join it in the thread of its message in the channel.")
        lines.append(line)
    text = truncate("\n".join(lines), 2900)
    return [SectionBlock(block_id=ids.BLOCK_HOME_MEETINGS, text=MarkdownTextObject(text=text))]


def _home_tensions(m: Messages, tensions: list[ItemView]) -> list[Block]:
    """The person's open tensions, a few per section."""
    blocks: list[Block] = [_bold(m._("Your open tensions"))]
    if not tensions:
        none = m._(
            "You have no open tensions. Raise one in a channel with `/tension [what you notice]`."
        )
        return [*blocks, SectionBlock(text=MarkdownTextObject(text=none))]
    for start in range(0, len(tensions), ITEMS_PER_SECTION):
        lines = [
            m._(
                "#{number} in <#{channel}> (place {rank}): {text}",
                number=t.number,
                channel=t.channel_id,
                rank=t.rank,
                text=escape(one_line(t.text, LIST_LINE_CHARS)),
            )
            for t in tensions[start : start + ITEMS_PER_SECTION]
        ]
        blocks.append(
            SectionBlock(
                block_id=f"{ids.BLOCK_HOME_TENSIONS}_{start}",
                text=MarkdownTextObject(text="\n".join(lines)),
            )
        )
    return blocks


def _home_reviews(m: Messages, reviews: list[Any], today: date | None) -> list[Block]:
    """Agreements the person reviews soon; those due within a week (or overdue) with Keep,
    Evolve, Drop and Snooze right here."""
    blocks: list[Block] = [_bold(m._("Agreements you review soon"))]
    lines = []
    shown = 0
    for a in reviews[:HOME_REVIEWS]:
        line = m._(
            "#{number} {title} in <#{channel}>: review on {date}",
            number=a.number,
            title=escape(one_line(a.title, 100)),
            channel=a.channel_id,
            date=a.review_date.isoformat(),
        )
        due = today is not None and (a.review_date - today).days <= HOME_REVIEW_DUE_DAYS
        if not due or shown >= HOME_REVIEWABLE:
            lines.append(line)
            continue
        shown += 1
        buttons = agreement_views.review_buttons(m, a)
        blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate(line, 2900))))
        blocks.append(
            ActionsBlock(block_id=f"{ids.BLOCK_HOME_REVIEW}_{a.id}", elements=buttons.elements)
        )
    if lines:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=truncate("\n".join(lines), 2900))))
    return blocks


def _home_circle(m: Messages, channel: str, items: list[ItemView], total: int) -> list[Block]:
    """The top of one channel's backlog, with a pointer to the rest."""
    head = m.n_(
        "*Backlog of <#{channel}>*: {n} open item",
        "*Backlog of <#{channel}>*: {n} open items",
        total,
        channel=channel,
    )
    lines = [
        m._(
            "{rank}. #{number} {text} _({step})_",
            rank=i.rank,
            number=i.number,
            text=escape(one_line(i.text, 120)),
            step=next_step_label(m, i.next_step),
        )
        for i in items[:HOME_ITEMS]
    ]
    if total > len(items[:HOME_ITEMS]):
        lines.append(m._("…the rest with `/tension list` in <#{channel}>.", channel=channel))
    text = truncate(head + "\n" + "\n".join(lines), 2900)
    return [DividerBlock(), SectionBlock(text=MarkdownTextObject(text=text))]


def home_view(
    m: Messages,
    tensions: list[ItemView],
    waiting: list[Any] | None = None,
    circles: list[tuple[str, list[ItemView], int]] | None = None,
    reviews: list[Any] | None = None,
    *,
    welcome: bool = False,
    circle: str | None = None,
    structure: Structure | None = None,
    admin_language: str | None = None,
    admin_role_groups: bool | None = None,
    today: date | None = None,
    notice: str | None = None,
    meetings: list[RunningMeeting] | None = None,
) -> dict:
    """The App Home tab: rounds waiting for the person's answer, agreements they review,
    their open tensions, and the top of the backlogs of their channels (within 100 blocks:
    at most 10 channels and 5 items each, with a link to the rest). With `welcome`, the
    first-time welcome on top (its forms for the circle `circle`); the meetings running in
    their channels (`meetings`) first of what needs them; for a workspace admin
    (`admin_language`: the workspace's language now) its language choice; always a Help
    button."""
    blocks: list[Block] = [HeaderBlock(text=m._("Your governance"))]
    if notice:  # what the person's last action here did
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=truncate(notice, 2900))]))
    if welcome:
        blocks += welcome_views.home_welcome(m, circle)
    # what needs you now, each with its action
    if meetings:
        blocks += _home_meetings(m, meetings)
    if waiting:
        blocks += _home_waiting(m, waiting)
    if structure:
        blocks += structure_views.home_selections(m, structure)
    if reviews:
        blocks += _home_reviews(m, reviews, today)
    # then your tensions and roles, then your circles' backlogs
    blocks += _home_tensions(m, tensions)
    if structure:
        blocks += structure_views.home_structure(m, structure)
    for channel, items, total in (circles or [])[:HOME_CIRCLES]:
        blocks += _home_circle(m, channel, items, total)
    help_text = m._("Type `/tension help` in any channel to see what the bot can do.")
    tail: list[Block] = [
        DividerBlock(),
        ContextBlock(elements=[MarkdownTextObject(text=help_text)]),
        welcome_views.help_button(m),
    ]
    if admin_role_groups is not None:
        tail.insert(1, welcome_views.role_groups_setting(m, admin_role_groups))
    if admin_language is not None:
        tail.insert(1, welcome_views.language_setting(m, admin_language))
    return View(type="home", blocks=blocks[: 100 - len(tail)] + tail).to_dict()
