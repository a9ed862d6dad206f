"""Block Kit builders for drivers and the ranked backlog list with its actions (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    ConversationSelectElement,
    DatePickerElement,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import ids
from bot.blocks.backlog import next_step_label
from bot.blocks.inputs import text_input
from bot.blocks.text import SECTION_LIMIT, escape, mention, one_line, truncate
from bot.blocks.values import ItemMenuValue, PageValue
from bot.domain.backlog import (
    MAX_INTENDED_OUTCOME,
    MAX_TENSION_LENGTH,
    ItemView,
    Nature,
    NextStep,
)
from bot.domain.matching import MAX_SUGGESTIONS, CircleMatch
from bot.i18n import Messages

PAGE_SIZE = 20
Rendered = tuple[str, list[dict]]


def _md(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def driver_modal(
    m: Messages,
    metadata: str,
    initial: dict[str, str | None] | None = None,
    *,
    delegate_of: list[str] | None = None,
) -> dict:
    """S3's driver template: current situation, effect, relevance; problem or opportunity.

    A delegate (`delegate_of`: the circles they represent in this channel) also chooses whom
    they raise it for: themselves, or one of those circles.
    """
    initial = initial or {}

    def area(key: tuple[str, str], label: str, hint: str, optional: bool) -> InputBlock:
        return text_input(
            key,
            label,
            hint=hint,
            optional=optional,
            max_length=MAX_TENSION_LENGTH,
            initial=initial.get(key[1]),
        )

    problem = Option(value=Nature.PROBLEM.value, text=m._("A problem"))
    opportunity = Option(value=Nature.OPPORTUNITY.value, text=m._("An opportunity"))
    chosen = {"problem": problem, "opportunity": opportunity}.get(initial.get("nature") or "")
    blocks: list[Block] = []
    if initial.get("source_link"):
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=m._("From <{link}|this message>.", link=initial["source_link"])
                    )
                ]
            )
        )
    blocks += [
        area(
            ids.IN_SITUATION,
            m._("Current situation"),
            m._("What is happening? Stick to what can be observed."),
            optional=False,
        ),
        area(
            ids.IN_EFFECT,
            m._("Effect"),
            m._("What is the effect of it, now or expected?"),
            optional=False,
        ),
        area(
            ids.IN_RELEVANCE,
            m._("Relevance"),
            m._("Why does it matter to the circle? Optional when obvious."),
            optional=True,
        ),
        InputBlock(
            block_id=ids.IN_NATURE[0],
            optional=True,
            label=m._("This is"),
            element=RadioButtonsElement(
                action_id=ids.IN_NATURE[1], options=[problem, opportunity], initial_option=chosen
            ),
        ),
    ]
    if delegate_of:
        blocks.append(_on_behalf_input(m, delegate_of))
    return View(
        type="modal",
        callback_id=ids.CB_DRIVER_MODAL,
        title=truncate(m._("Describe the driver"), 24),
        submit=m._("Save"),
        close=m._("Cancel"),
        private_metadata=metadata,
        blocks=blocks,
    ).to_dict()


def _on_behalf_input(m: Messages, circles: list[str]) -> InputBlock:
    yourself = Option(value=ids.ON_BEHALF_SELF, text=m._("Yourself"))
    options = [yourself] + [
        Option(
            value=circle,
            text=MarkdownTextObject(text=m._("<#{channel}>, as its delegate", channel=circle)),
        )
        for circle in circles[:9]
    ]
    return InputBlock(
        block_id=ids.IN_ON_BEHALF[0],
        optional=True,
        label=m._("Raise it for"),
        hint=m._("As a delegate you can bring a tension of the circle you represent."),
        element=RadioButtonsElement(
            action_id=ids.IN_ON_BEHALF[1], options=options, initial_option=yourself
        ),
    )


def step_options(m: Messages) -> list[Option]:
    """The next steps, as select options."""
    return [Option(value=step.value, text=next_step_label(m, step)) for step in NextStep]


def next_step_modal(m: Messages, item: ItemView, metadata: str) -> dict:
    """Accept an item onto the backlog with its next step and an optional due date."""
    options = step_options(m)
    initial = next((o for o in options if item.next_step and o.value == item.next_step.value), None)
    return View(
        type="modal",
        callback_id=ids.CB_NEXT_STEP_MODAL,
        title=truncate(m._("Next step"), 24),
        submit=m._("Save"),
        close=m._("Cancel"),
        private_metadata=metadata,
        blocks=[
            _md(f"*#{item.number}* {escape(one_line(item.text, 300))}"),
            InputBlock(
                block_id=ids.IN_NEXT_STEP[0],
                label=m._("Next step"),
                element=StaticSelectElement(
                    action_id=ids.IN_NEXT_STEP[1], options=options, initial_option=initial
                ),
            ),
            InputBlock(
                block_id=ids.IN_DUE[0],
                optional=True,
                label=m._("Due date"),
                element=DatePickerElement(
                    action_id=ids.IN_DUE[1],
                    initial_date=item.due_date.isoformat() if item.due_date else None,
                ),
            ),
            *plan_inputs(m, item),
        ],
    ).to_dict()


def plan_inputs(m: Messages, item: ItemView) -> list[InputBlock]:
    """The item's intended outcome and time estimate (minutes), both optional."""
    estimate = str(item.estimate_minutes) if item.estimate_minutes else None
    return [
        InputBlock(
            block_id=ids.IN_INTENDED_OUTCOME[0],
            optional=True,
            label=m._("Intended outcome"),
            hint=m._("What the meeting means to reach with this item, such as “a proposal”."),
            element=PlainTextInputElement(
                action_id=ids.IN_INTENDED_OUTCOME[1],
                initial_value=item.intended_outcome or None,
                max_length=MAX_INTENDED_OUTCOME,
            ),
        ),
        InputBlock(
            block_id=ids.IN_ESTIMATE[0],
            optional=True,
            label=m._("Time estimate (minutes)"),
            hint=m._("How long the meeting may spend on it: a whole number of minutes."),
            element=PlainTextInputElement(
                action_id=ids.IN_ESTIMATE[1], initial_value=estimate, max_length=5
            ),
        ),
    ]


def position_modal(m: Messages, item: ItemView, total: int, metadata: str) -> dict:
    """Move an item to a given place."""
    return View(
        type="modal",
        callback_id=ids.CB_POSITION_MODAL,
        title=truncate(m._("Move to a place"), 24),
        submit=m._("Move"),
        close=m._("Cancel"),
        private_metadata=metadata,
        blocks=[
            _md(f"*#{item.number}* {escape(one_line(item.text, 300))}"),
            InputBlock(
                block_id=ids.IN_POSITION[0],
                label=m._("New place (1 to {total})", total=total),
                element=NumberInputElement(
                    action_id=ids.IN_POSITION[1],
                    is_decimal_allowed=False,
                    min_value=1,
                    max_value=max(total, 1),
                    initial_value=item.rank,
                ),
            ),
        ],
    ).to_dict()


def dismiss_modal(m: Messages, item: ItemView, metadata: str) -> dict:
    """Dismiss an item, with the reason (required)."""
    return View(
        type="modal",
        callback_id=ids.CB_DISMISS_MODAL,
        title=truncate(m._("Dismiss"), 24),
        submit=m._("Dismiss"),
        close=m._("Cancel"),
        private_metadata=metadata,
        blocks=[
            _md(f"*#{item.number}* {escape(one_line(item.text, 300))}"),
            InputBlock(
                block_id=ids.IN_DISMISS_REASON[0],
                label=m._("Why is it dismissed?"),
                element=PlainTextInputElement(
                    action_id=ids.IN_DISMISS_REASON[1], multiline=True, max_length=3000
                ),
            ),
        ],
    ).to_dict()


def pass_on_modal(
    m: Messages, item: ItemView, metadata: str, suggestions: Sequence[CircleMatch] = ()
) -> dict:
    """Pass an item on to the channel whose domain it belongs to; the circles whose domain
    matches its words are listed, the best one preselected."""
    picker = ConversationSelectElement(
        action_id=ids.IN_PASS_TO[1],
        filter={"include": ["public", "private"], "exclude_bot_users": True},
        initial_conversation=suggestions[0].channel_id if suggestions else None,
    )
    blocks: list[Block] = [_md(f"*#{item.number}* {escape(one_line(item.text, 300))}")]
    if suggestions:
        blocks.append(_suggested(m, suggestions))
    blocks.append(
        InputBlock(
            block_id=ids.IN_PASS_TO[0],
            label=m._("To the channel"),
            hint=m._("Its members are told; the item keeps its history."),
            element=picker,
        )
    )
    return View(
        type="modal",
        callback_id=ids.CB_PASS_ON_MODAL,
        title=truncate(m._("Pass it on"), 24),
        submit=m._("Pass on"),
        close=m._("Cancel"),
        private_metadata=metadata,
        blocks=blocks,
    ).to_dict()


def _suggested(m: Messages, suggestions: Sequence[CircleMatch]) -> SectionBlock:
    """The circles whose domain matches the item, best first, each with why."""
    text = m._("*Circles whose domain matches it*, best first:")
    for circle in suggestions[:MAX_SUGGESTIONS]:
        reason = m._("matches: {words}", words=", ".join(circle.words[:4]))
        purpose = escape(one_line(circle.purpose, 120))
        line = f"\n• <#{circle.channel_id}> {purpose} _({escape(one_line(reason, 120))})_"
        if len(text) + len(line) > SECTION_LIMIT:  # whole lines only: no cut inside "&amp;"
            break
        text += line
    return SectionBlock(block_id=ids.BLOCK_PASS_SUGGESTIONS, text=MarkdownTextObject(text=text))


ACTIONS = ("describe", "step", "up", "down", "top", "position", "dismiss", "pass")


def _menu(m: Messages, item: ItemView) -> StaticSelectElement:
    labels = {
        "describe": m._("Describe as a driver…"),
        "step": m._("Set the next step…"),
        "up": m._("Move up"),
        "down": m._("Move down"),
        "top": m._("Move to the top"),
        "position": m._("Move to a place…"),
        "dismiss": m._("Dismiss…"),
        "pass": m._("Pass on to another channel…"),
    }
    return StaticSelectElement(
        action_id=ids.ACT_ITEM_MENU,
        placeholder=m._("Act on it"),
        options=[
            Option(
                value=ItemMenuValue(action=a, item_id=item.id, rank=item.rank).dump(),
                text=labels[a],
            )
            for a in ACTIONS
        ],
    )


def item_line(m: Messages, item: ItemView) -> str:
    """One backlog line: place, number, text, next step, due date, who raised it."""
    parts = [f"*{item.rank}.* #{item.number} {escape(one_line(item.text, 160))}"]
    if item.next_step is None and item.situation:
        details = [m._("new: choose a next step")]
    else:
        details = [next_step_label(m, item.next_step)]
    if item.due_date:
        details.append(m._("due {date}", date=item.due_date.isoformat()))
    if item.status.value == "in_progress":
        details.append(m._("consent round open"))
    if item.passed_from:
        details.append(m._("passed on from <#{channel}>", channel=item.passed_from))
    if item.on_behalf_of:
        details.append(m._("for <#{channel}>, by its delegate", channel=item.on_behalf_of))
    parts.append(f"_{' · '.join(details)} · {mention(item.author_id)}_")
    return "\n".join(parts)


def backlog_page(
    m: Messages, channel_id: str, items: list[ItemView], total: int, offset: int
) -> Rendered:
    """One page of the ranked backlog, each item with its actions, and paging buttons."""
    if not items:
        text = m._(
            "The governance backlog of <#{channel}> is empty. Raise a tension with "
            "`/tension [what you notice]`.",
            channel=channel_id,
        )
        return text, [_md(text).to_dict()]
    title = m.n_(
        "Governance backlog of <#{channel}>: {n} open item",
        "Governance backlog of <#{channel}>: {n} open items",
        total,
        channel=channel_id,
    )
    blocks: list[Block] = [_md(f"*{title}*"), DividerBlock()]
    for item in items:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=truncate(item_line(m, item), 2900)),
                accessory=_menu(m, item),
            )
        )
    nav = []
    if offset > 0:
        nav.append(
            ButtonElement(
                action_id=ids.ACT_PAGE_PREV,
                text=m._("Previous"),
                value=PageValue(channel_id=channel_id, offset=max(offset - PAGE_SIZE, 0)).dump(),
            )
        )
    if offset + len(items) < total:
        nav.append(
            ButtonElement(
                action_id=ids.ACT_PAGE_NEXT,
                text=m._("Next"),
                value=PageValue(channel_id=channel_id, offset=offset + PAGE_SIZE).dump(),
            )
        )
    if nav:
        blocks.append(ActionsBlock(elements=nav))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=m._(
                        "Places {first} to {last} of {total}.",
                        first=offset + 1,
                        last=offset + len(items),
                        total=total,
                    )
                )
            ]
        )
    )
    return title, [b.to_dict() for b in blocks]


def due_label(day: date | None) -> str | None:
    """ISO date or nothing."""
    return day.isoformat() if day else None


def with_note(blocks: list[dict], note: str | None) -> list[dict]:
    """A list with a short note above it (why it is shown again), within Slack's 50 blocks."""
    if not note:
        return blocks
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}, *blocks][:50]


def passed_on_notice(m: Messages, user_id: str, source: str, item: ItemView) -> str:
    """What the receiving channel is told about an item passed on to it."""
    return m._(
        "{who} passed on a tension from <#{source}>; it is #{number} in this channel's inbox: {text}",
        who=mention(user_id),
        source=source,
        number=item.number,
        text=escape(one_line(item.text, 500)),
    )
