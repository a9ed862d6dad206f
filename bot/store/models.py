"""ORM models. Every row belongs to a workspace (team_id); times are aware UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Store aware datetimes as UTC; give them back aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with a naming convention Alembic can rely on."""

    from sqlalchemy import MetaData

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Workspace(Base):
    """A Slack workspace the bot serves, with its default language."""

    __tablename__ = "workspaces"
    __table_args__ = (Index("ix_workspaces_enterprise", "enterprise_id"),)

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    # Review nudges: days before the review date, and the interval while overdue.
    review_before_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    review_overdue_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    # How long before a role's term ends its holder and circle are told (migration 0012).
    term_notice_days: Mapped[int] = mapped_column(Integer, default=28, server_default="28")
    # Set when the app was uninstalled, cleared when it is installed again: the retention
    # sweep deletes the workspace's data once it is older than the retention period (0014).
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Keep a Slack user group (@role-name) per role in sync with its holder (0019); an
    # admin's choice, off until chosen (it needs the usergroups:write scope and a paid plan).
    role_user_groups: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The Enterprise Grid org the workspace belongs to, as its requests say (0024): its
    # sweeps then find an org-wide installation's token.
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Circle(Base):
    """A channel governing its domain: owns a governance backlog."""

    __tablename__ = "circles"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", name="uq_circles_team_channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    channel_id: Mapped[str] = mapped_column(String(32))
    next_number: Mapped[int] = mapped_column(Integer, default=1)
    next_proposal_number: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    next_agreement_number: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Governance meeting rhythm: every N weeks on a weekday at a local time.
    meeting_every_weeks: Mapped[int | None] = mapped_column(Integer)
    meeting_weekday: Mapped[int | None] = mapped_column(Integer)  # 0 = Monday
    meeting_time: Mapped[str | None] = mapped_column(String(5))  # "HH:MM", local
    meeting_tz: Mapped[str | None] = mapped_column(String(64))
    next_meeting_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    agenda_posted_for: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # How long a meeting lasts (None: the default), and who facilitates (None: whoever
    # in the channel starts it). Migration 0010.
    meeting_duration_minutes: Mapped[int | None] = mapped_column(Integer)
    meeting_facilitator_id: Mapped[str | None] = mapped_column(String(32))
    # Who records the meetings and corrects their minutes (None: the facilitator); 0023.
    meeting_secretary_id: Mapped[str | None] = mapped_column(String(32))
    # The circle that delegated this one's domain: another channel (migration 0012).
    parent_channel_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BacklogItem(Base):
    """A tension or driver on a channel's governance backlog; open items have a unique rank."""

    __tablename__ = "backlog_items"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "number", name="uq_items_team_channel_number"),
        UniqueConstraint("team_id", "channel_id", "rank", name="uq_items_team_channel_rank"),
        Index("ix_items_team_author_status", "team_id", "author_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    rank: Mapped[int | None] = mapped_column(Integer)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    # Described as a driver (S3): current situation, effect, relevance; problem or opportunity.
    situation: Mapped[str | None] = mapped_column(Text)
    effect: Mapped[str | None] = mapped_column(Text)
    relevance: Mapped[str | None] = mapped_column(Text)
    nature: Mapped[str | None] = mapped_column(String(16))  # problem | opportunity
    next_step: Mapped[str | None] = mapped_column(String(24))
    due_date: Mapped[date | None] = mapped_column(Date)
    source_link: Mapped[str | None] = mapped_column(Text)  # permalink of the message it came from
    passed_from: Mapped[str | None] = mapped_column(String(32))  # channel it was passed on from
    # The circle (its channel) a delegate raised it for, in the channel they represent it in
    # (migration 0013).
    on_behalf_of: Mapped[str | None] = mapped_column(String(32))
    # What the meeting means to reach with it, and how many minutes it may take (0018).
    intended_outcome: Mapped[str | None] = mapped_column(Text)
    estimate_minutes: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    events: Mapped[list[ItemEvent]] = relationship(
        back_populates="item", order_by="ItemEvent.id", cascade="all, delete-orphan"
    )


class ItemEvent(Base):
    """One change in an item's history: who did what, when."""

    __tablename__ = "item_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[int] = mapped_column(
        ForeignKey("backlog_items.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    item: Mapped[BacklogItem] = relationship(back_populates="events")


class ProcessedEvent(Base):
    """Event ids already handled, so Slack's retries are processed once."""

    __tablename__ = "processed_events"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Welcome(Base):
    """A welcome given once: to a channel the bot was invited to, or to a person's Home tab
    (recorded when they used or dismissed it)."""

    __tablename__ = "welcomes"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # "channel" | "home"
    subject_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Proposal(Base):
    """A response to a driver, decided by consent over one or more rounds (versions)."""

    __tablename__ = "proposals"
    __table_args__ = (
        UniqueConstraint(
            "team_id", "channel_id", "number", name="uq_proposals_team_channel_number"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("backlog_items.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))  # open | agreed | withdrawn
    # What the proposal is about besides an agreement (migration 0012): None, "domain" (a
    # domain description, subject_id its row), "role" (a role's description) or "nominee"
    # (a person for a role, subject_id the selection).
    subject: Mapped[str | None] = mapped_column(String(16))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ConsentRound(Base):
    """One version of a proposal put to the participants until a deadline."""

    __tablename__ = "consent_rounds"
    __table_args__ = (
        UniqueConstraint("proposal_id", "version", name="uq_consent_rounds_proposal_version"),
        Index("ix_rounds_status_deadline", "status", "deadline"),
        Index("ix_rounds_team_message", "team_id", "channel_id", "message_ts"),
        # The sweep that opens answers after the questions phase (migration 0007).
        Index("ix_rounds_status_answers_open", "status", "answers_open_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    driver: Mapped[str | None] = mapped_column(Text)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("backlog_items.id", ondelete="SET NULL"))
    responsibilities: Mapped[str | None] = mapped_column(Text)
    evaluation: Mapped[str | None] = mapped_column(Text)
    review_date: Mapped[date] = mapped_column(Date)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    nudge_at: Mapped[datetime] = mapped_column(UTCDateTime())
    nudged: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=True)
    quorum: Mapped[int | None] = mapped_column(Integer)
    # The questions phase: answers open at this moment (None: at once); the sweep that
    # opens them (updates the message, tells who asked) records when it did.
    answers_open_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answers_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Participants are asked for a brief response in the thread before answering.
    ask_response: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    responsible_ids: Mapped[str | None] = mapped_column(Text)  # JSON list of user ids
    evolves_agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreements.id", ondelete="SET NULL", use_alter=True)
    )
    status: Mapped[str] = mapped_column(String(16))  # open | closed
    outcome: Mapped[str | None] = mapped_column(String(16))
    close_requested_by: Mapped[str | None] = mapped_column(String(32))
    withdraw_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    message_ts: Mapped[str | None] = mapped_column(String(32))
    result_ts: Mapped[str | None] = mapped_column(String(32))  # the result's thread reply (0008)
    # Coalesced message updates: changes bump `seq`; the renderer catches `rendered_seq` up.
    seq: Mapped[int] = mapped_column(Integer, default=0)
    rendered_seq: Mapped[int] = mapped_column(Integer, default=0)
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    render_lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Sent to the governance meeting by its author (0022): when, and the meeting it goes to
    # (None: the next one, the circle has no rhythm yet).
    sent_to_meeting_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    meeting_for: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The author's own control message, by DM (0022): kept up to date with the round.
    controls_channel: Mapped[str | None] = mapped_column(String(32))
    controls_ts: Mapped[str | None] = mapped_column(String(32))
    # The governance meeting it was started from (a proposal formed on the meeting's item),
    # and the meeting that decided it by a quick consent, when sent there (0028).
    meeting_id: Mapped[int | None] = mapped_column(Integer)
    decided_meeting_id: Mapped[int | None] = mapped_column(Integer)


class ConcernHearing(Base):
    """After consent: whether a concern should be heard, asked of the person who recorded
    it (0022), and their answer ("hear" or "recorded") with what should happen."""

    __tablename__ = "concern_hearings"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id", name="uq_concern_hearings_round_user"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    round_id: Mapped[int] = mapped_column(ForeignKey("consent_rounds.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(String(16))
    follow_up: Mapped[str | None] = mapped_column(Text)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("backlog_items.id", ondelete="SET NULL"))
    dm_channel: Mapped[str | None] = mapped_column(String(32))
    dm_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RoundParticipant(Base):
    """Someone asked to answer a round."""

    __tablename__ = "round_participants"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("consent_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))


class RoundWatcher(Base):
    """A participant who asked to be told when the round's answers open."""

    __tablename__ = "round_watchers"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("consent_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RoundAnswer(Base):
    """A participant's latest answer in a round (changing it replaces it)."""

    __tablename__ = "round_answers"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("consent_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    position: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))  # button | reaction
    reaction: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Objection(Base):
    """An objection under test, with its own thread reply (migration 0008)."""

    __tablename__ = "objections"
    __table_args__ = (UniqueConstraint("round_id", "user_id", name="uq_objections_round_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    round_id: Mapped[int] = mapped_column(ForeignKey("consent_rounds.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))  # the objector
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # domain.objections.ObjectionStatus
    item_id: Mapped[int | None] = mapped_column(  # the backlog item of a contested one
        ForeignKey("backlog_items.id", ondelete="SET NULL")
    )
    message_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # How the amended version resolves it (migration 0015): domain.objections.Resolution
    resolution: Mapped[str | None] = mapped_column(String(20))
    resolution_how: Mapped[str | None] = mapped_column(Text)
    resolution_owner: Mapped[str | None] = mapped_column(String(32))  # a deferral's owner
    resolution_date: Mapped[date | None] = mapped_column(Date)  # by when / the earlier review
    resolved_in: Mapped[int | None] = mapped_column(Integer)  # the amended version's round


class ObjectionEvent(Base):
    """One step in an objection's test: who did what, when, and why."""

    __tablename__ = "objection_events"
    __table_args__ = (Index("ix_objection_events_objection", "objection_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    objection_id: Mapped[int] = mapped_column(ForeignKey("objections.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(20))  # domain.objections.Action
    actor_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20))  # the status after it
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Agreement(Base):
    """What a circle consented to, with its review date."""

    __tablename__ = "agreements"
    __table_args__ = (
        UniqueConstraint(
            "team_id", "channel_id", "number", name="uq_agreements_team_channel_number"
        ),
        # One page of the agreements in force, soonest review first (migration 0005).
        Index(
            "ix_agreements_team_channel_status_review",
            "team_id",
            "channel_id",
            "status",
            "review_date",
            "number",
        ),
        Index("ix_agreements_team_status_review", "team_id", "status", "review_date"),
        # The agreement a round made, found when the round closes (migration 0009).
        Index("ix_agreements_team_round", "team_id", "round_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    driver: Mapped[str | None] = mapped_column(Text)
    responsibilities: Mapped[str | None] = mapped_column(Text)
    evaluation: Mapped[str | None] = mapped_column(Text)
    concerns: Mapped[str | None] = mapped_column(Text)  # JSON list of {user, reason}
    answers: Mapped[str | None] = mapped_column(Text)  # JSON: participants and answers
    review_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # active | dropped
    author_id: Mapped[str] = mapped_column(String(32))
    responsible_ids: Mapped[str | None] = mapped_column(Text)  # JSON list; empty: the author
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="SET NULL"))
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("consent_rounds.id", ondelete="SET NULL")
    )
    round_link: Mapped[str | None] = mapped_column(Text)
    # The backlog item an early review was asked with, while it is open: one at a time
    # (migration 0016).
    early_review_item_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewRound(Base):
    """A circle's review of an agreement in its channel: S3's three questions, answered keep,
    keep with a change or object to keeping, until its deadline (migration 0016).

    `open_key` is the agreement's id while the round is open and NULL once it is closed: the
    unique constraint allows one open round per agreement.
    """

    __tablename__ = "review_rounds"
    __table_args__ = (
        UniqueConstraint("team_id", "open_key", name="uq_review_rounds_team_open_key"),
        Index("ix_review_rounds_status_closes_at", "status", "closes_at"),
        Index("ix_review_rounds_team_agreement", "team_id", "agreement_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"))
    review_date: Mapped[date] = mapped_column(Date)  # the review it is about
    started_by: Mapped[str] = mapped_column(String(32))
    participants: Mapped[str] = mapped_column(Text)  # JSON list of user ids asked
    status: Mapped[str] = mapped_column(String(16))  # open | kept | objected | superseded
    open_key: Mapped[int | None] = mapped_column(Integer)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    message_ts: Mapped[str | None] = mapped_column(String(32))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("backlog_items.id", ondelete="SET NULL"))
    decided_by: Mapped[str | None] = mapped_column(String(32))  # superseded: who, and how
    decided_action: Mapped[str | None] = mapped_column(String(16))
    next_review: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewAnswer(Base):
    """One person's answer in a review round (the latest counts)."""

    __tablename__ = "review_answers"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("review_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    answer: Mapped[str] = mapped_column(String(16))  # keep | change | object
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Outbox(Base):
    """A Slack message to send once: stored in the transaction that decided it, sent by a sweep."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("team_id", "key", name="uq_outbox_team_key"),
        Index("ix_outbox_due", "sent_at", "not_before"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))  # dedupe: one message per key, ever
    kind: Mapped[str] = mapped_column(String(16))  # channel | dm
    target: Mapped[str] = mapped_column(String(32))  # channel id or user id
    payload: Mapped[str] = mapped_column(Text)  # what to render, as JSON
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AgreementEvent(Base):
    """One entry in an agreement's history: made, kept, evolved, dropped, snoozed, nudged."""

    __tablename__ = "agreement_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)  # JSON
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewNudge(Base):
    """A due reminder to review an agreement: claimed, sent and marked done by a sweep."""

    __tablename__ = "review_nudges"
    __table_args__ = (
        UniqueConstraint(
            "agreement_id", "recipient_id", "stage", "due_date", name="uq_review_nudges_once"
        ),
        Index("ix_review_nudges_due", "sent_at", "due_date"),
        Index("ix_review_nudges_agreement", "agreement_id", "recipient_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"))
    recipient_id: Mapped[str] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(16))  # before | due | overdue | snoozed
    review_date: Mapped[date] = mapped_column(Date)  # the review date it reminds of
    due_date: Mapped[date] = mapped_column(Date)  # sent at 09:00 this day, recipient's time
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(16))  # dm | channel | folded | cancelled
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Meeting(Base):
    """A governance meeting run in a channel's thread (migration 0010).

    `open_channel` is the channel while the meeting is open and NULL once it is closed: its
    unique constraint allows one open meeting per channel on every database (NULLs differ).
    `step` counts the moves; each move is a compare-and-set on it.
    """

    __tablename__ = "meetings"
    __table_args__ = (
        UniqueConstraint("team_id", "open_channel", name="uq_meetings_team_open_channel"),
        Index("ix_meetings_status_planned_end", "status", "planned_end_at"),
        Index("ix_meetings_team_channel_thread", "team_id", "channel_id", "message_ts"),
        Index("ix_meetings_team_channel_date", "team_id", "channel_id", "local_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    open_channel: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # open | closed
    facilitator_id: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    planned_end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    local_date: Mapped[date] = mapped_column(Date)  # the meeting's date in its timezone
    tz: Mapped[str] = mapped_column(String(64))
    step: Mapped[int] = mapped_column(Integer, default=0)
    current_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("backlog_items.id", ondelete="SET NULL")
    )
    message_ts: Mapped[str | None] = mapped_column(String(32))  # the thread it runs in
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by: Mapped[str | None] = mapped_column(String(32))  # None: closed by the sweep
    # When the current item was taken up, and the minutes the facilitator added to its
    # estimate; when the closing step (evaluation, check-out) was posted (migration 0018).
    item_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    item_extra_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    closing_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The agreement whose review the meeting takes up now, after the backlog's items
    # (migration 0023).
    current_agreement_id: Mapped[int | None] = mapped_column(Integer)
    current_round_id: Mapped[int | None] = mapped_column(Integer)  # a round sent to it (0026)
    # Who records the meeting (the circle's secretary, or its facilitator), and the
    # secretary's correction of its minutes before they are consented to (migration 0023).
    secretary_id: Mapped[str | None] = mapped_column(String(32))
    correction: Mapped[str | None] = mapped_column(Text)
    corrected_by: Mapped[str | None] = mapped_column(String(32))
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MeetingAttendee(Base):
    """Someone who checked in to a meeting."""

    __tablename__ = "meeting_attendees"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeetingEvaluation(Base):
    """Someone's evaluation of a meeting: one per person, the latest counts (migration 0018)."""

    __tablename__ = "meeting_evaluations"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    rating: Mapped[int] = mapped_column(Integer)  # 1..5
    more_of: Mapped[str | None] = mapped_column(Text)
    less_of: Mapped[str | None] = mapped_column(Text)
    keep: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeetingItem(Base):
    """An item a meeting handled, with its outcome (what the minutes list)."""

    __tablename__ = "meeting_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int | None] = mapped_column(ForeignKey("backlog_items.id", ondelete="SET NULL"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)  # as it stood then
    outcome: Mapped[str] = mapped_column(String(16))
    next_step: Mapped[str | None] = mapped_column(String(24))
    due_date: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    step: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    agreement_id: Mapped[int | None] = mapped_column(Integer)  # a review handled (0023)
    round_id: Mapped[int | None] = mapped_column(Integer)  # a round sent to it, handled (0026)


class DomainDescription(Base):
    """One version of a domain description: the circle's own (role_id NULL) or a role's.

    Proposed by a consent round; consented, it becomes the current one and the one before
    it is superseded (migration 0012).
    """

    __tablename__ = "domain_descriptions"
    __table_args__ = (
        Index("ix_domain_descriptions_team_channel_role", "team_id", "channel_id", "role_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    role_id: Mapped[int | None] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    # proposed | current | superseded | dropped | declined (its round did not consent)
    status: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(Text)
    responsibilities: Mapped[str | None] = mapped_column(Text)
    deliverables: Mapped[str | None] = mapped_column(Text)  # customers and deliverables
    dependencies: Mapped[str | None] = mapped_column(Text)
    constraints: Mapped[str | None] = mapped_column(Text)  # external constraints
    challenges: Mapped[str | None] = mapped_column(Text)
    resources: Mapped[str | None] = mapped_column(Text)
    delegator_responsibilities: Mapped[str | None] = mapped_column(Text)
    competencies: Mapped[str | None] = mapped_column(Text)
    evaluation: Mapped[str | None] = mapped_column(Text)  # metrics, criteria and schedule
    review_date: Mapped[date] = mapped_column(Date)
    author_id: Mapped[str] = mapped_column(String(32))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="SET NULL"))
    agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreements.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Role(Base):
    """A domain delegated to one person for a term, in a circle (migration 0012).

    `term_months` or `term_until` says how long a term is; `holder_id`, `term_start` and
    `term_end` say who holds it now. A delegate (representative) role names the channel it
    represents its circle in (`represents_channel_id`).
    """

    __tablename__ = "roles"
    __table_args__ = (
        Index("ix_roles_team_channel_name", "team_id", "channel_id", "name_key"),
        Index("ix_roles_status_term_end", "status", "term_end"),
        Index("ix_roles_team_holder", "team_id", "holder_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(80))
    name_key: Mapped[str] = mapped_column(String(80))  # casefolded, for "already exists"
    status: Mapped[str] = mapped_column(String(16))  # proposed | active | dropped | declined
    term_months: Mapped[int | None] = mapped_column(Integer)
    term_until: Mapped[date | None] = mapped_column(Date)
    represents_channel_id: Mapped[str | None] = mapped_column(String(32))
    holder_id: Mapped[str | None] = mapped_column(String(32))
    term_start: Mapped[date | None] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)
    # The term end whose notice went out, and the one the role was vacated for: each sweep
    # step happens once per term (compare-and-set on these).
    notice_sent_for: Mapped[date | None] = mapped_column(Date)
    vacated_for: Mapped[date | None] = mapped_column(Date)
    user_group_id: Mapped[str | None] = mapped_column(String(32))  # its Slack user group (0019)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RoleTerm(Base):
    """Someone held a role from a date to a date: the role's history of holders."""

    __tablename__ = "role_terms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), index=True)
    holder_id: Mapped[str] = mapped_column(String(32))
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)
    selection_id: Mapped[int | None] = mapped_column(
        ForeignKey("selections.id", ondelete="SET NULL")
    )
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # left early, or vacated
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Selection(Base):
    """Selecting a person for a role by consent: hidden nominations, the reveal, a change
    round, a proposed nominee and a consent round on them (migration 0012)."""

    __tablename__ = "selections"
    __table_args__ = (
        Index("ix_selections_status_nominate_until", "status", "nominate_until"),
        Index("ix_selections_status_change_until", "status", "change_until"),
        Index("ix_selections_team_role", "team_id", "role_id"),
        Index("ix_selections_team_message", "team_id", "channel_id", "message_ts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"))
    started_by: Mapped[str] = mapped_column(String(32))
    # nominating | changing | proposing | consent | done | cancelled
    status: Mapped[str] = mapped_column(String(16))
    nominate_until: Mapped[datetime] = mapped_column(UTCDateTime())
    change_until: Mapped[datetime] = mapped_column(UTCDateTime())
    revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    nominee_id: Mapped[str | None] = mapped_column(String(32))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="SET NULL"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("backlog_items.id", ondelete="SET NULL"))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    step: Mapped[int] = mapped_column(Integer, default=0)  # compare-and-set on each move
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SelectionParticipant(Base):
    """Someone asked to nominate in a selection."""

    __tablename__ = "selection_participants"

    selection_id: Mapped[int] = mapped_column(
        ForeignKey("selections.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))


class Nomination(Base):
    """One participant's nomination (a person, or a pass when nominee_id is NULL) with its
    reason; the first one is kept when it is changed in the change round."""

    __tablename__ = "nominations"

    selection_id: Mapped[int] = mapped_column(
        ForeignKey("selections.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    nominee_id: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    first_nominee_id: Mapped[str | None] = mapped_column(String(32))
    first_reason: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # in the change round
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WorkflowStepRun(Base):
    """A Workflow Builder step that started a consent round ("Start a consent round"): the
    execution Slack named, and the round it opened (stored in the round's own transaction),
    so a retried delivery completes the step with the same round instead of a second one."""

    __tablename__ = "workflow_step_runs"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    execution_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    round_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ChannelCanvas(Base):
    """The canvas a channel's logbook is kept in (0020): asked for with `/agreements canvas`,
    synced after each change of the logbook until Slack refuses (`refused`, syncing off)."""

    __tablename__ = "channel_canvases"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", name="uq_channel_canvases_team_channel"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    canvas_id: Mapped[str | None] = mapped_column(String(32))  # None: not made yet
    requested_by: Mapped[str] = mapped_column(String(32))  # told of a refusal
    syncing: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    refused: Mapped[str | None] = mapped_column(String(64))  # Slack's error, when it refused
    # The outbox key of the sync queued and not yet begun: one pending sync per channel.
    pending_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MeetingConsent(Base):
    """A quick consent check in a meeting: to the last minutes, the agenda, or a proposal on
    an item decided now (migration 0023). `open_kind` is the kind while it is open and NULL
    once closed: one open check of each kind per meeting."""

    __tablename__ = "meeting_consents"
    __table_args__ = (
        UniqueConstraint("meeting_id", "open_kind", name="uq_meeting_consents_meeting_open_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # minutes | agenda | item | round
    open_kind: Mapped[str | None] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16))  # open | consented | objected
    subject_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL")
    )  # the meeting whose minutes are consented to
    item_id: Mapped[int | None] = mapped_column(ForeignKey("backlog_items.id", ondelete="SET NULL"))
    item_number: Mapped[int | None] = mapped_column(Integer)
    item_text: Mapped[str | None] = mapped_column(Text)
    proposal: Mapped[str | None] = mapped_column(Text)
    review_date: Mapped[date | None] = mapped_column(Date)
    # The agreement the proposal becomes (migration 0027): its title (NULL: the proposal's
    # first line), responsibilities, evaluation criteria and the people responsible (JSON).
    title: Mapped[str | None] = mapped_column(String(150))
    responsibilities: Mapped[str | None] = mapped_column(Text)
    evaluation: Mapped[str | None] = mapped_column(Text)
    responsible_ids: Mapped[str | None] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(Boolean, default=True)
    step: Mapped[int] = mapped_column(Integer)  # the meeting's step when it was opened
    opened_by: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreements.id", ondelete="SET NULL")
    )
    message_ts: Mapped[str | None] = mapped_column(String(32))
    round_id: Mapped[int | None] = mapped_column(Integer)  # a round sent to it, decided (0028)


class MeetingConsentAnswer(Base):
    """Someone's answer to a quick consent; their latest counts (migration 0023)."""

    __tablename__ = "meeting_consent_answers"

    consent_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_consents.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    answer: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class AgendaObjection(Base):
    """Someone's objection to a meeting's agenda, raised from the agenda message before the
    meeting; their latest counts. `meeting_id` is the meeting that took it up (migration 0023)."""

    __tablename__ = "agenda_objections"
    __table_args__ = (
        UniqueConstraint(
            "team_id", "channel_id", "meeting_at", "user_id", name="uq_agenda_objections_team_id"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    meeting_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the meeting the agenda is of
    user_id: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
