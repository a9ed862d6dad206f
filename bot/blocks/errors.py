"""One table: each named rule failure, and what the person is told (and in which form field).

Listeners never phrase a refusal themselves: `bot.runtime.listeners` looks the error up
here, for a modal submission (`response_action: errors` on the field named first that the
form has), an ephemeral reply, or work that failed after the ack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from babel.dates import get_day_names

from bot.blocks import common, ids
from bot.blocks.backlog import next_step_label, usage_text
from bot.blocks.objections import status_label
from bot.blocks.text import escape, mention, slack_date
from bot.domain import backlog, consent, domains, meeting, objections, rhythm
from bot.domain import quick_consent as quick
from bot.domain import review as reviews
from bot.domain import roles as role_rules
from bot.domain import selection as selection_rules
from bot.domain.errors import DomainError, StaleRequest
from bot.i18n import Messages

Say = Callable[[Messages, Any], str]


@dataclass(frozen=True)
class Entry:
    """What to say, and the modal fields (block ids) the message belongs to, best first."""

    say: Say
    fields: tuple[str, ...] = ()


def _not_on_weekday(m: Messages, e: rhythm.FirstMeetingNotOnWeekday) -> str:
    return m._(
        "The first meeting falls on the rhythm's day: pick a {weekday}, or leave the date "
        "empty for the next one.",
        weekday=str(get_day_names("wide", locale=m.locale)[e.weekday]),
    )


_ITEM_FORMS = (
    ids.IN_SITUATION[0],
    ids.IN_NEXT_STEP[0],
    ids.IN_POSITION[0],
    ids.IN_DISMISS_REASON[0],
    ids.IN_PASS_TO[0],
)


def _already_reviewed(m: Messages, exc: reviews.AlreadyReviewed) -> str:
    if not exc.by:
        return m._(
            "This reminder is out of date: the agreement was reviewed meanwhile. Nothing more was recorded."
        )
    if exc.via_round and exc.at:
        return m._(
            "This agreement was already reviewed: the circle's review round started by {who} "
            "kept it at {when}. Nothing more was recorded.",
            who=mention(exc.by),
            when=slack_date(exc.at),
        )
    labels = {
        reviews.ReviewOutcome.KEPT: m._("Keep"),
        reviews.ReviewOutcome.EVOLVED: m._("Evolve"),
        reviews.ReviewOutcome.DROPPED: m._("Drop"),
        reviews.ReviewOutcome.SNOOZED: m._("Snooze"),
    }
    if exc.at:
        return m._(
            "This agreement was already reviewed: {who} chose “{action}” at {when}. Nothing "
            "more was recorded.",
            who=mention(exc.by),
            action=labels.get(exc.action or "", exc.action or "?"),
            when=slack_date(exc.at),
        )
    return m._(
        "This agreement was already reviewed: {who} chose “{action}”. Nothing more was recorded.",
        who=mention(exc.by),
        action=labels.get(exc.action or "", exc.action or "?"),
    )


# Where a refusal about an agreement or its review belongs, in whichever of these forms.
_REVIEW_FIELDS = (ids.IN_NEXT_REVIEW[0], ids.IN_SNOOZE_UNTIL[0], ids.IN_DROP_REASON[0])
_AGREEMENT_FIELDS = (*_REVIEW_FIELDS, ids.IN_PROPOSAL[0])


def _review_round_closed(m: Messages, exc: reviews.ReviewRoundClosed) -> str:
    when = slack_date(exc.at) if exc.at else "?"
    if exc.status == reviews.RoundStatus.KEPT:
        return m._(
            "This review round closed at {when} with no objection: the agreement was kept. "
            "Nothing was recorded.",
            when=when,
        )
    if exc.status == reviews.RoundStatus.OBJECTED:
        return m._(
            "This review round closed at {when} with objections, which are on the backlog. "
            "Nothing was recorded.",
            when=when,
        )
    labels = {
        reviews.ReviewOutcome.KEPT: m._("Keep"),
        reviews.ReviewOutcome.EVOLVED: m._("Evolve"),
        reviews.ReviewOutcome.DROPPED: m._("Drop"),
    }
    return m._(
        "This review round closed at {when}: {who} chose “{action}” from the review reminder. "
        "Nothing was recorded.",
        when=when,
        who=mention(exc.by) if exc.by else "?",
        action=labels.get(exc.action or "", exc.action or "?"),
    )


def _round_closed(m: Messages, exc: consent.RoundClosed) -> str:
    when = slack_date(exc.closed_at) if exc.closed_at else "?"
    return m._("This round closed at {when}; answers are no longer taken.", when=when)


def _answers_not_open(m: Messages, exc: consent.AnswersNotOpenYet) -> str:
    return m._(
        "Answers open at {when}. Until then, ask your clarifying questions in the round's thread.",
        when=slack_date(exc.opens_at),
    )


def _item_now(m: Messages, exc: meeting.ItemChangedMeanwhile) -> str:
    item = exc.item
    if item.status not in backlog.OPEN_STATUSES:
        state = {
            backlog.ItemStatus.DONE: m._("an agreement came of it"),
            backlog.ItemStatus.DISMISSED: m._("it was dismissed"),
            backlog.ItemStatus.PASSED_ON: m._("it was passed on to another channel"),
        }.get(item.status, item.status.value)
    else:
        state = m._(
            "it is at place {place}, next step: {step}",
            place=item.rank or "–",
            step=next_step_label(m, item.next_step),
        )
        if item.due_date:
            state += " " + m._("(due {date})", date=item.due_date.isoformat())
    return m._(
        "#{number} changed meanwhile: {state}. Nothing was recorded; the meeting stays at this item.",
        number=item.number,
        state=state,
    )


def _round_moved_on(m: Messages, exc: meeting.RoundMovedOn) -> str:
    why = {
        "decided": m._("it was decided already"),
        "amended": m._("its author amended it into a new version"),
        "withdrawn": m._("its author withdrew it"),
        "closed": m._("it closed without objections to settle"),
        "subject": m._("it is about a domain, a role or a nominee, decided through its round"),
    }.get(exc.why, exc.why)
    return m._(
        "This round can't be decided now: {why}. Nothing was recorded.",
        why=why,
    )


def _meeting_running(m: Messages, exc: meeting.MeetingRunning) -> str:
    return m._(
        "A meeting is already running in this channel, facilitated by {who} since {when}. "
        "Follow it in its thread; its facilitator ends it with `/meeting end`.",
        who=mention(exc.facilitator_id),
        when=slack_date(exc.started_at),
    )


def _no_minutes(m: Messages, exc: meeting.NoMinutes) -> str:
    if exc.day is None:
        return m._("This channel has no minutes yet: no meeting has ended here.")
    return m._("No meeting of this channel ended with minutes on {date}.", date=exc.day.isoformat())


def _role_not_found(
    m: Messages, exc: role_rules.RoleNotFound | selection_rules.RoleNotFound
) -> str:
    if not exc.names:
        return m._("This circle has no roles yet. Propose one with `/role new`.")
    return m._(
        "This circle has no role “{name}”. Its roles: {names}.",
        name=escape(exc.name), names=", ".join(escape(n) for n in exc.names),
    )  # fmt: skip


def _objection_settled(m: Messages, exc: objections.ObjectionSettled) -> str:
    return m._(
        "This objection is no longer open to that (where it stands: {status}). Nothing was changed.",
        status=status_label(m, exc.status),
    )


TABLE: dict[type[DomainError], Entry] = {
    # ---------------------------------------------------------------- consent rounds
    consent.RoundClosed: Entry(_round_closed, (ids.IN_REASON[0], ids.IN_DEADLINE[0])),
    consent.NotAParticipant: Entry(
        lambda m, e: m._(
            "Only the participants of this round can answer it. Ask its author if you should take part."
        ),
        (ids.IN_REASON[0], ids.IN_OBJ_REASON[0]),
    ),
    consent.NotTheAuthor: Entry(
        lambda m, e: m._("Only the author of this proposal can do that."),
        (ids.IN_REASON[0], ids.IN_DEADLINE[0], ids.IN_OBJ_REASON[0]),
    ),
    consent.AnswersNotOpenYet: Entry(_answers_not_open, (ids.IN_REASON[0],)),
    consent.HearingNotFound: Entry(
        lambda m, e: m._("I cannot find that concern any more. Nothing was changed.")
    ),
    consent.NotYourConcern: Entry(
        lambda m, e: m._("Only the person who recorded this concern can answer that."),
        (ids.IN_CONCERN_FOLLOW_UP[0],),
    ),
    consent.ConcernAnswered: Entry(
        lambda m, e: m._("You answered this already. Nothing was changed."),
        (ids.IN_CONCERN_FOLLOW_UP[0],),
    ),
    consent.AnswersAlreadyOpen: Entry(
        lambda m, e: m._("Answers are open now: answer with the buttons on the round.")
    ),
    consent.QuestionsUntilInPast: Entry(
        lambda m, e: m._("This moment has passed; pick a time in the future, or leave it empty."),
        (ids.IN_QUESTIONS_UNTIL[0],),
    ),
    consent.QuestionsUntilAfterDeadline: Entry(
        lambda m, e: m._("Questions must end before the deadline, so there is time to answer."),
        (ids.IN_QUESTIONS_UNTIL[0], ids.IN_DEADLINE[0]),
    ),
    consent.RoundStillOpen: Entry(
        lambda m, e: m._("The current round is still open; close or withdraw it first.")
    ),
    consent.RoundNotFound: Entry(
        lambda m, e: m._("I cannot find that consent round any more."), (ids.IN_REASON[0],)
    ),
    consent.ProposalEmpty: Entry(
        lambda m, e: m._("Write the proposal; it cannot be blank."), (ids.IN_PROPOSAL[0],)
    ),
    consent.ProposalTooLong: Entry(
        lambda m, e: m._(
            "The proposal is {length} characters; the limit is {limit}.",
            length=e.length,
            limit=e.limit,
        ),
        (ids.IN_PROPOSAL[0],),
    ),
    consent.DeadlineMissing: Entry(lambda m, e: m._("Pick a deadline."), (ids.IN_DEADLINE[0],)),
    consent.ReviewDateMissing: Entry(
        lambda m, e: m._("Pick a review date."), (ids.IN_REVIEW_DATE[0],)
    ),
    consent.DeadlineInPast: Entry(
        lambda m, e: m._("This moment has passed; pick a deadline in the future."),
        (ids.IN_DEADLINE[0],),
    ),
    consent.DeadlineTooSoon: Entry(
        lambda m, e: m._("Give people at least an hour to answer."), (ids.IN_DEADLINE[0],)
    ),
    consent.DeadlineTooFar: Entry(
        lambda m, e: m._("A round can run for at most 60 days."), (ids.IN_DEADLINE[0],)
    ),
    domains.PurposeRequired: Entry(
        lambda m, e: m._("Say what the purpose is: the driver, and what is done in response."),
        (ids.IN_DOMAIN_FIELDS["purpose"][0],),
    ),
    domains.DomainReviewDateInPast: Entry(
        lambda m, e: m._("Pick a review date of today or later."), (ids.IN_DOMAIN_REVIEW_DATE[0],)
    ),
    consent.ReviewDateInPast: Entry(
        lambda m, e: m._("Pick a review date after today."), (ids.IN_REVIEW_DATE[0],)
    ),
    consent.QuorumOutOfRange: Entry(
        lambda m, e: m._("The quorum is a percentage from 1 to 100."), (ids.IN_QUORUM[0],)
    ),
    consent.NoParticipants: Entry(
        lambda m, e: m._("Choose at least one person, or let everyone in the channel answer."),
        (ids.IN_PEOPLE[0],),
    ),
    consent.ObjectionNeedsReason: Entry(
        lambda m, e: m._(
            "An objection needs its reason: what would go wrong, or what could be better?"
        ),
        (ids.IN_REASON[0],),
    ),
    consent.ReasonTooLong: Entry(
        lambda m, e: m._("Keep the reason under 3,000 characters."),
        (ids.IN_REASON[0], ids.IN_OBJ_REASON[0]),
    ),
    # ---------------------------------------------------------------- testing an objection
    objections.NotYourObjection: Entry(
        lambda m, e: m._(
            "Only the person who raised this objection can keep, refine, turn into a concern, "
            "contest or accept it. Nothing was changed."
        ),
        (ids.IN_OBJ_REASON[0],),
    ),
    objections.OwnObjection: Entry(
        lambda m, e: m._(
            "This is your own objection: to let it become a concern, use “Turn into a concern”."
        ),
        (ids.IN_OBJ_REASON[0],),
    ),
    objections.ObjectionSettled: Entry(
        _objection_settled, (ids.IN_OBJ_REASON[0], ids.IN_RES_NO_REASON[0])
    ),
    objections.NotQualifiedNeedsReason: Entry(
        lambda m, e: m._("Say why it does not qualify: the objector needs the reason to answer."),
        (ids.IN_OBJ_REASON[0],),
    ),
    objections.ConcernViewNeedsReason: Entry(
        lambda m, e: m._("Say why you think it is a concern."), (ids.IN_OBJ_REASON[0],)
    ),
    objections.RefinedNeedsReason: Entry(
        lambda m, e: m._("A refined objection still needs its reason."), (ids.IN_OBJ_REASON[0],)
    ),
    objections.DeferralNeedsReason: Entry(
        lambda m, e: m._("Say who takes it on, and by when."), (ids.IN_OBJ_REASON[0],)
    ),
    objections.ProposalMovedOn: Entry(
        lambda m, e: m._(
            "This proposal has moved on (withdrawn, or amended into a new version), so its "
            "objections are no longer tested in this round. Nothing was changed."
        ),
        (ids.IN_OBJ_REASON[0],),
    ),
    objections.NotYourResolution: Entry(
        lambda m, e: m._(
            "Only the person who raised this objection can say whether the amendment resolves "
            "it. Nothing was changed."
        ),
        (ids.IN_RES_NO_REASON[0],),
    ),
    objections.NothingToConfirm: Entry(
        lambda m, e: m._("The amendment gave no resolution to answer for this objection."),
        (ids.IN_RES_NO_REASON[0],),
    ),
    objections.NotResolvedNeedsReason: Entry(
        lambda m, e: m._("Say why the amendment does not resolve your objection."),
        (ids.IN_RES_NO_REASON[0],),
    ),
    objections.ResolutionProblem: Entry(
        lambda m, e: m._(
            "Say how this version resolves each open objection, or take it to the meeting."
        ),
        (ids.IN_RES_KIND[0][0],),
    ),
    objections.ObjectionNotFound: Entry(
        lambda m, e: m._("I cannot find that objection any more. Nothing was changed."),
        (ids.IN_OBJ_REASON[0], ids.IN_RES_NO_REASON[0]),
    ),
    # ---------------------------------------------------------------- governance backlog
    backlog.TensionEmpty: Entry(lambda m, e: usage_text(m)),
    backlog.TensionTooLong: Entry(
        lambda m, e: m._(
            "Your tension is {length} characters long; the limit is {limit}. "
            "Shorten it and try again. Nothing was saved.",
            length=e.length,
            limit=e.limit,
        )
    ),
    backlog.SituationMissing: Entry(
        lambda m, e: m._("Fill this in; it cannot be blank."), (ids.IN_SITUATION[0],)
    ),
    backlog.EffectMissing: Entry(
        lambda m, e: m._("Fill this in; it cannot be blank."), (ids.IN_EFFECT[0],)
    ),
    backlog.DriverIncomplete: Entry(
        lambda m, e: m._("Fill this in; it cannot be blank."),
        (ids.IN_SITUATION[0], ids.IN_EFFECT[0]),
    ),
    backlog.DriverPartTooLong: Entry(
        lambda m, e: m._("Keep each part under {limit} characters.", limit=e.limit),
        (ids.IN_SITUATION[0],),
    ),
    backlog.ItemChanged: Entry(
        lambda m, e: m._(
            "That item changed meanwhile (moved, dismissed or passed on). Here is the backlog as it is now."
        ),
        _ITEM_FORMS,
    ),
    backlog.ItemNotFound: Entry(lambda m, e: m._("I cannot find that item any more."), _ITEM_FORMS),
    backlog.NotMember: Entry(
        lambda m, e: m._("Only members of <#{channel}> can change its backlog.", channel=e.channel),
        _ITEM_FORMS,
    ),
    backlog.NotADelegate: Entry(
        lambda m, e: m._(
            "You do not hold a delegate role of <#{channel}> in this channel (any more), so you "
            "cannot raise it for that circle. Raise it for yourself, or ask the circle.",
            channel=e.circle,
        ),
        (ids.IN_ON_BEHALF[0],),
    ),
    backlog.NotAWholeNumber: Entry(lambda m, e: m._("Give a whole number."), (ids.IN_POSITION[0],)),
    backlog.ReasonRequired: Entry(
        lambda m, e: m._("Say why it is dismissed."), (ids.IN_DISMISS_REASON[0],)
    ),
    backlog.NoChannelChosen: Entry(lambda m, e: m._("Pick a channel."), (ids.IN_PASS_TO[0],)),
    backlog.SameChannel: Entry(
        lambda m, e: m._("Pick another channel than its own."),
        (ids.IN_PASS_TO[0], ids.IN_OUTCOME_PASS[0]),
    ),
    backlog.BotNotInChannel: Entry(
        lambda m, e: m._(
            "I am not in <#{channel}>. Invite me there with `/invite @S3 Governance` first; "
            "the item stays where it is.",
            channel=e.channel,
        ),
        (ids.IN_PASS_TO[0], ids.IN_OUTCOME_PASS[0]),
    ),
    backlog.FormExpired: Entry(
        lambda m, e: m._("That took Slack too long to open the form. Please try again.")
    ),
    consent.NotAMember: Entry(
        lambda m, e: m._(
            "Only members of <#{channel}> can start a consent round there.", channel=e.channel
        )
    ),
    StaleRequest: Entry(
        lambda m, e: m._(
            "I could not read what that button or form sent: it is out of date or damaged. "
            "Nothing was changed; run the command again for a fresh one."
        )
    ),
    # ---------------------------------------------------------------- agreements and reviews
    reviews.AlreadyReviewed: Entry(_already_reviewed, _AGREEMENT_FIELDS),
    # ---------------------------------------------------------------- reviews by the circle
    reviews.ReviewRoundClosed: Entry(_review_round_closed, (ids.IN_RR_REASON[0],)),
    reviews.ReviewRoundNotFound: Entry(
        lambda m, e: m._("That review round no longer exists. Nothing was recorded."),
        (ids.IN_RR_REASON[0],),
    ),
    reviews.ReviewRoundOpen: Entry(
        lambda m, e: m._(
            "A review round on this agreement is open already (started by {who}); it closes "
            "{when}. Answer it in the channel.",
            who=mention(e.started_by),
            when=slack_date(e.closes_at),
        )
    ),
    reviews.NotResponsible: Entry(
        lambda m, e: m._(
            "Only the people responsible for this agreement can start its review round: {people}.",
            people=", ".join(mention(p) for p in e.people[:20]),
        )
    ),
    reviews.ObjectionToKeepingNeedsReason: Entry(
        lambda m, e: m._("Say why the circle should not keep it as it is."),
        (ids.IN_RR_REASON[0],),
    ),
    reviews.AgreementObjectionNeedsReason: Entry(
        lambda m, e: m._("Say what your objection to the agreement is."),
        (ids.IN_AGREEMENT_OBJECTION[0],),
    ),
    reviews.AgreementNotInForce: Entry(
        lambda m, e: m._("This agreement is no longer in force. Nothing was recorded."),
        (ids.IN_AGREEMENT_OBJECTION[0],),
    ),
    reviews.EarlyReviewAsked: Entry(
        lambda m, e: m._(
            "{who} asked for an early review of this agreement at {when} already: it is item "
            "#{number} on the backlog. Nothing more was recorded.",
            who=mention(e.by),
            number=e.number,
            when=slack_date(e.at),
        )
    ),
    reviews.AgreementNotFound: Entry(
        lambda m, e: m._(
            "There is no agreement with that number in this channel. See them all with `/agreements`."
        ),
        _AGREEMENT_FIELDS,
    ),
    reviews.NotAMember: Entry(
        lambda m, e: m._(
            "Only members of <#{channel}> can add or change its agreements.", channel=str(e)
        ),
        _AGREEMENT_FIELDS,
    ),
    reviews.DropNeedsReason: Entry(
        lambda m, e: m._("Say why the agreement is dropped."), (ids.IN_DROP_REASON[0],)
    ),
    reviews.DateNotInFuture: Entry(
        lambda m, e: m._("Pick a date after today."),
        (ids.IN_NEXT_REVIEW[0], ids.IN_SNOOZE_UNTIL[0]),
    ),
    reviews.ReviewDateNotInFuture: Entry(
        lambda m, e: m._("Pick a review date after today."), (ids.IN_REVIEW_DATE[0],)
    ),
    reviews.ReviewDateMissing: Entry(
        lambda m, e: m._("Pick a review date."), (ids.IN_REVIEW_DATE[0],)
    ),
    reviews.AgreementEmpty: Entry(
        lambda m, e: m._("Write the agreement; it cannot be blank."), (ids.IN_PROPOSAL[0],)
    ),
    # ---------------------------------------------------------------- the meeting itself
    backlog.InvalidEstimate: Entry(
        lambda m, e: m._(
            "Give the time estimate in minutes: a whole number from 1 to 480 (8 hours)."
        ),
        (ids.IN_ESTIMATE[0],),
    ),
    meeting.InvalidDuration: Entry(
        lambda m, e: m._("Give the length in minutes: a whole number from 1 to 480 (8 hours)."),
        (ids.IN_MEETING_DURATION[0],),
    ),
    meeting.MeetingRunning: Entry(_meeting_running),
    meeting.NoMeetingRunning: Entry(
        lambda m, e: m._("No meeting is running in this channel. Start one with `/meeting start`."),
        (ids.IN_OUTCOME_STEP[0],),
    ),
    meeting.NotTheFacilitator: Entry(
        lambda m, e: m._(
            "Only the facilitator, {who}, can do that. Nothing was changed.",
            who=mention(e.facilitator_id),
        ),
        (ids.IN_OUTCOME_STEP[0],),
    ),
    meeting.NotAMemberOfCircle: Entry(
        lambda m, e: m._(
            "Only members of <#{channel}> can start its governance meeting.", channel=e.channel
        )
    ),
    meeting.MeetingMoved: Entry(
        lambda m, e: m._(
            "The meeting has moved on already (someone pressed first). See the latest item in "
            "the thread."
        ),
        (ids.IN_OUTCOME_STEP[0],),
    ),
    meeting.ItemChangedMeanwhile: Entry(
        _item_now, (ids.IN_OUTCOME_STEP[0], ids.IN_PROPOSAL[0], ids.IN_SEL_PEOPLE[0])
    ),
    meeting.OutcomeAmbiguous: Entry(
        lambda m, e: m._(
            "Choose one outcome: dismiss it, pass it on, or record its objection resolved."
        ),
        (ids.IN_OUTCOME_REASON[0],),
    ),
    meeting.RoundMovedOn: Entry(_round_moved_on, (ids.IN_PROPOSAL[0],)),
    consent.DecidedAtMeeting: Entry(
        lambda m, e: m._(
            "This round was decided at the governance meeting: its proposal is agreement "
            "#{number}. It takes no more answers.",
            number=e.agreement_number or "?",
        ),
        (ids.IN_REASON[0],),
    ),
    meeting.NotContested: Entry(
        lambda m, e: m._("This item has no contested objection left to resolve."),
        (ids.IN_OUTCOME_RESOLVED[0],),
    ),
    meeting.OutcomeMissing: Entry(
        lambda m, e: m._("Choose a next step, or give a reason to dismiss the item."),
        (ids.IN_OUTCOME_STEP[0],),
    ),
    meeting.NoMinutes: Entry(_no_minutes),
    meeting.InvalidMoreTime: Entry(lambda m, e: m._("More time is 5 or 10 minutes at a press.")),
    meeting.EvaluationsClosed: Entry(
        lambda m, e: m._("This meeting has ended; it is no longer evaluated."),
        (ids.IN_EVAL_RATING[0],),
    ),
    meeting.RatingMissing: Entry(
        lambda m, e: m._("Choose a rating from 1 to 5."), (ids.IN_EVAL_RATING[0],)
    ),
    meeting.NotInCircle: Entry(
        lambda m, e: m._(
            "Only members of <#{channel}> can evaluate its meeting. Nothing was recorded.",
            channel=e.channel,
        ),
        (ids.IN_EVAL_RATING[0],),
    ),
    quick.NotCheckedIn: Entry(
        lambda m, e: m._(
            "Only the people who checked in answer this quick consent. Check in first "
            "(“I'm here”, or a reply in the meeting's thread), then answer."
        ),
        (ids.IN_REASON[0],),
    ),
    quick.CheckClosed: Entry(
        lambda m, e: m._(
            "This quick consent is closed already; it takes no more answers. Its result is in "
            "the meeting's thread."
        ),
        (ids.IN_REASON[0],),
    ),
    quick.TitleTooLong: Entry(
        lambda m, e: m._(
            "The title is {length} characters; the limit is {limit}.",
            length=e.length,
            limit=e.limit,
        ),
        (ids.IN_TITLE[0],),
    ),
    quick.ResponsibilitiesTooLong: Entry(
        lambda m, e: m._(
            "This is {length} characters; the limit is {limit}.", length=e.length, limit=e.limit
        ),
        (ids.IN_RESPONSIBILITIES[0],),
    ),
    quick.EvaluationTooLong: Entry(
        lambda m, e: m._(
            "This is {length} characters; the limit is {limit}.", length=e.length, limit=e.limit
        ),
        (ids.IN_EVALUATION[0],),
    ),
    quick.NotInChannel: Entry(
        lambda m, e: m._(
            "Only members of <#{channel}> can object to its agenda. Nothing was recorded.",
            channel=e.channel,
        ),
        (ids.IN_REASON[0],),
    ),
    quick.AgendaPast: Entry(
        lambda m, e: m._(
            "This meeting has been held; its agenda takes no more objections. Nothing was recorded."
        ),
        (ids.IN_REASON[0],),
    ),
    quick.NotTheSecretary: Entry(
        lambda m, e: m._(
            "Only the meeting's secretary, {who}, corrects its minutes. Nothing was changed.",
            who=mention(e.secretary_id),
        ),
        (ids.IN_MINUTES_CORRECTION[0],),
    ),
    quick.MinutesConsented: Entry(
        lambda m, e: m._(
            "These minutes were consented to at the next meeting; they stand as they are. "
            "Nothing was changed."
        ),
        (ids.IN_MINUTES_CORRECTION[0],),
    ),
    meeting.InvalidMinutesDate: Entry(
        lambda m, e: m._("Give the date as YYYY-MM-DD, for example `/meeting minutes 2026-12-01`.")
    ),
    # ---------------------------------------------------------------- a circle's domain
    domains.DomainChangePending: Entry(
        lambda m, e: m._(
            "A new domain description of this circle is in a consent round already; wait for "
            "its outcome."
        ),
        (ids.IN_DOMAIN_FIELDS["purpose"][0],),
    ),
    domains.NotACircleMember: Entry(
        lambda m, e: m._(
            "Only members of <#{channel}> can change its domain. Nothing was changed.",
            channel=e.channel,
        ),
        (ids.IN_DOMAIN_FIELDS["purpose"][0],),
    ),
    domains.ParentIsSelf: Entry(
        lambda m, e: m._(
            "A circle cannot be its own parent. Name the circle that delegated this domain."
        )
    ),
    domains.ParentCycle: Entry(
        lambda m, e: m._(
            "<#{parent}> is a sub-circle of this circle (or below it), so it cannot be its "
            "parent too. Nothing was changed.",
            parent=e.parent,
        )
    ),
    domains.ParentMissing: Entry(
        lambda m, e: m._(
            "Name the parent circle's channel, as in `/domain parent #general`, or "
            "`/domain parent none`."
        )
    ),
    # ---------------------------------------------------------------- roles
    role_rules.RoleNameMissing: Entry(
        lambda m, e: m._("Give the role a name."), (ids.IN_ROLE_NAME[0],)
    ),
    role_rules.RoleNameTaken: Entry(
        lambda m, e: m._(
            "This circle has a role “{name}” already. Evolve it from `/role {name}`, or choose "
            "another name.",
            name=escape(e.existing),
        ),
        (ids.IN_ROLE_NAME[0],),
    ),
    role_rules.TermEndInPast: Entry(
        lambda m, e: m._("Pick a date of today or later for the end of the terms."),
        (ids.IN_ROLE_TERM_UNTIL[0],),
    ),
    role_rules.RoleNotFound: Entry(_role_not_found),
    role_rules.RoleNotActive: Entry(
        lambda m, e: m._(
            "The role “{name}” is not in force (dropped, or its description is not consented "
            "yet), so it cannot be changed.",
            name=escape(e.name),
        ),
        (ids.IN_DOMAIN_FIELDS["purpose"][0],),
    ),
    role_rules.RoleChangePending: Entry(
        lambda m, e: m._(
            "A new description of “{name}” is in a consent round already; wait for its outcome.",
            name=escape(e.name),
        ),
        (ids.IN_DOMAIN_FIELDS["purpose"][0],),
    ),
    role_rules.NotAMember: Entry(
        lambda m, e: m._(
            "Only members of <#{channel}> can change its roles. Nothing was changed.",
            channel=e.channel,
        ),
        (ids.IN_ROLE_NAME[0], ids.IN_DOMAIN_FIELDS["purpose"][0]),
    ),
    # ---------------------------------------------------------------- selecting for a role
    selection_rules.RoleNotFound: Entry(_role_not_found),
    selection_rules.NotAParticipant: Entry(
        lambda m, e: m._(
            "You are not among the people asked to nominate in this selection, so you cannot "
            "nominate or see the nominations before they are revealed."
        ),
        (ids.IN_SEL_NOMINEE[0],),
    ),
    selection_rules.NominationReasonRequired: Entry(
        lambda m, e: m._("Say why: the reasons are what the circle weighs."),
        (ids.IN_SEL_REASON[0],),
    ),
    selection_rules.NominationClosed: Entry(
        lambda m, e: m._(
            "Nominations for this selection closed {when}. Nothing was changed.",
            when=slack_date(e.closed_at),
        ),
        (ids.IN_SEL_NOMINEE[0],),
    ),
    selection_rules.NominationsStillHidden: Entry(
        lambda m, e: m._(
            "The nominations are still hidden; propose a nominee once they are revealed (at "
            "the deadline, or when everyone has nominated)."
        ),
        (ids.IN_SEL_NOMINEE[0],),
    ),
    selection_rules.NotTheStarter: Entry(
        lambda m, e: m._(
            "Only {who}, who started this selection, proposes the nominee.", who=mention(e.starter)
        ),
        (ids.IN_SEL_NOMINEE[0],),
    ),
    selection_rules.NotProposing: Entry(
        lambda m, e: m._(
            "This selection takes no proposal now: a consent round on a nominee runs, or it is "
            "over."
        ),
        (ids.IN_SEL_NOMINEE[0],),
    ),
    selection_rules.NomineeRequired: Entry(
        lambda m, e: m._("Choose a person, or tick “I pass”."), (ids.IN_SEL_NOMINEE[0],)
    ),
    selection_rules.NotAPerson: Entry(
        lambda m, e: m._("Choose a person of this workspace (not a bot or a deactivated account)."),
        (ids.IN_SEL_NOMINEE[0],),
    ),
    selection_rules.SelectionAlreadyOpen: Entry(
        lambda m, e: m._(
            "A selection for this role is under way in <#{channel}> already; nominate there.",
            channel=e.channel_id,
        ),
        (ids.IN_SEL_PEOPLE[0],),
    ),
    selection_rules.SelectionNotFound: Entry(
        lambda m, e: m._("I cannot find that selection any more."), (ids.IN_SEL_NOMINEE[0],)
    ),
    selection_rules.SelectionDeadlines: Entry(
        lambda m, e: m._(
            "Pick a nomination deadline in the future, and an end of the change round after it."
        ),
        (ids.IN_SEL_NOMINATE_UNTIL[0], ids.IN_SEL_CHANGE_UNTIL[0]),
    ),
    # ---------------------------------------------------------------- meeting rhythm
    rhythm.InvalidEvery: Entry(
        lambda m, e: m._("Choose every 1, 2, 3 or 4 weeks."), (ids.IN_MEETING_EVERY[0],)
    ),
    rhythm.InvalidWeekday: Entry(
        lambda m, e: m._("Choose a day of the week."), (ids.IN_MEETING_WEEKDAY[0],)
    ),
    rhythm.InvalidTime: Entry(
        lambda m, e: m._("Choose a time, such as 10:00."), (ids.IN_MEETING_TIME[0],)
    ),
    rhythm.FirstMeetingNotOnWeekday: Entry(_not_on_weekday, (ids.IN_MEETING_FIRST[0],)),
    rhythm.FirstMeetingPast: Entry(
        lambda m, e: m._("Pick a first meeting that is still to come."),
        (ids.IN_MEETING_FIRST[0],),
    ),
    rhythm.InvalidTimezone: Entry(
        lambda m, e: m._(
            "I do not know your Slack timezone ({tz}). Set your timezone in your Slack profile "
            "and try again.",
            tz=e.args[0] if e.args else "?",
        ),
        (ids.IN_MEETING_TIME[0],),
    ),
    rhythm.MembersUnknown: Entry(
        lambda m, e: m._(
            "I cannot see who is in <#{channel}>, so I cannot check who may set its governance "
            "meeting. Invite me with `/invite @S3 Governance` and try again.",
            channel=e.channel,
        ),
        (ids.IN_MEETING_EVERY[0],),
    ),
    rhythm.NotAMember: Entry(
        lambda m, e: m._(
            "Only members of <#{channel}> can set its governance meeting. Nothing was changed.",
            channel=e.channel,
        ),
        (ids.IN_MEETING_EVERY[0],),
    ),
}


def entry_for(exc: DomainError) -> Entry | None:
    """The table's entry for this error or its nearest listed base class."""
    for cls in type(exc).__mro__:
        if cls in TABLE:
            return TABLE[cls]
    return None


def explain(m: Messages, exc: DomainError) -> str:
    """What to tell the person whose request this rule refused."""
    entry = entry_for(exc)
    return entry.say(m, exc) if entry else common.unexpected(m)


def field_errors(m: Messages, problems: list[DomainError], blocks: list[str]) -> dict[str, str]:
    """A form's errors for several refused fields at once (the first per field wins)."""
    found: dict[str, str] = {}
    for exc in problems:
        field = field_for(exc, blocks) or (blocks[0] if blocks else None)
        if field:
            found.setdefault(field, explain(m, exc))
    return found


def field_for(exc: DomainError, blocks: list[str]) -> str | None:
    """The form field (of those the submitted form has) that this error belongs to."""
    entry = entry_for(exc)
    for block in entry.fields if entry else ():
        if block in blocks:
            return block
    return None
