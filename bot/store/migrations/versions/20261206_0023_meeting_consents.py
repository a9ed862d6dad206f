"""meeting; the circle's secretary and their correction of a meeting's minutes consents and reviews: quick consent checks in a meeting (to the last minutes, the agenda, a
proposal decided on an item) and their answers; the agreement whose review a meeting takes
up, and the review each handled meeting item was; objections to an agenda raised before the
meeting

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.store.models import UTCDateTime

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs: recreating these tables on SQLite would cascade to their children.
    op.add_column("meetings", sa.Column("current_agreement_id", sa.Integer(), nullable=True))
    op.add_column("meeting_items", sa.Column("agreement_id", sa.Integer(), nullable=True))
    op.add_column("circles", sa.Column("meeting_secretary_id", sa.String(32), nullable=True))
    op.add_column("meetings", sa.Column("secretary_id", sa.String(32), nullable=True))
    op.add_column("meetings", sa.Column("correction", sa.Text(), nullable=True))
    op.add_column("meetings", sa.Column("corrected_by", sa.String(32), nullable=True))
    op.add_column("meetings", sa.Column("corrected_at", UTCDateTime(), nullable=True))
    op.create_table(
        "meeting_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("open_kind", sa.String(24), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("subject_meeting_id", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("item_number", sa.Integer(), nullable=True),
        sa.Column("item_text", sa.Text(), nullable=True),
        sa.Column("proposal", sa.Text(), nullable=True),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("opened_by", sa.String(32), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name="fk_meeting_consents_meeting_id_meetings",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subject_meeting_id"],
            ["meetings.id"],
            name="fk_meeting_consents_subject_meeting_id_meetings",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["backlog_items.id"],
            name="fk_meeting_consents_item_id_backlog_items",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name="fk_meeting_consents_agreement_id_agreements",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_meeting_consents"),
        sa.UniqueConstraint(
            "meeting_id", "open_kind", name="uq_meeting_consents_meeting_open_kind"
        ),
    )
    op.create_index("ix_meeting_consents_meeting_id", "meeting_consents", ["meeting_id"])
    op.create_table(
        "meeting_consent_answers",
        sa.Column("consent_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("answer", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["meeting_consents.id"],
            name="fk_meeting_consent_answers_consent_id_meeting_consents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("consent_id", "user_id", name="pk_meeting_consent_answers"),
    )
    op.create_table(
        "agenda_objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("meeting_at", UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name="fk_agenda_objections_meeting_id_meetings",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_agenda_objections"),
        sa.UniqueConstraint(
            "team_id", "channel_id", "meeting_at", "user_id", name="uq_agenda_objections_team_id"
        ),
    )
    op.create_index("ix_agenda_objections_meeting_id", "agenda_objections", ["meeting_id"])


def downgrade() -> None:
    op.drop_index("ix_agenda_objections_meeting_id", table_name="agenda_objections")
    op.drop_table("agenda_objections")
    op.drop_table("meeting_consent_answers")
    op.drop_index("ix_meeting_consents_meeting_id", table_name="meeting_consents")
    op.drop_table("meeting_consents")
    with op.batch_alter_table("meeting_items", recreate="never") as batch:
        batch.drop_column("agreement_id")
    with op.batch_alter_table("meetings", recreate="never") as batch:
        batch.drop_column("corrected_at")
        batch.drop_column("corrected_by")
        batch.drop_column("correction")
        batch.drop_column("secretary_id")
        batch.drop_column("current_agreement_id")
    with op.batch_alter_table("circles", recreate="never") as batch:
        batch.drop_column("meeting_secretary_id")
