"""governance meetings run in Slack: meetings, who checked in, items handled; duration and
facilitator of a circle's meeting

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.store.models import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("circles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_duration_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("meeting_facilitator_id", sa.String(32), nullable=True))
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("open_channel", sa.String(32), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("facilitator_id", sa.String(32), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("planned_end_at", UTCDateTime(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("tz", sa.String(64), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("current_item_id", sa.Integer(), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("ended_by", sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(
            ["circle_id"], ["circles.id"], name="fk_meetings_circle_id_circles", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["current_item_id"],
            ["backlog_items.id"],
            name="fk_meetings_current_item_id_backlog_items",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_meetings"),
        sa.UniqueConstraint("team_id", "open_channel", name="uq_meetings_team_open_channel"),
    )
    op.create_index("ix_meetings_status_planned_end", "meetings", ["status", "planned_end_at"])
    op.create_index(
        "ix_meetings_team_channel_thread", "meetings", ["team_id", "channel_id", "message_ts"]
    )
    op.create_index(
        "ix_meetings_team_channel_date", "meetings", ["team_id", "channel_id", "local_date"]
    )
    op.create_table(
        "meeting_attendees",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("checked_in_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name="fk_meeting_attendees_meeting_id_meetings",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "user_id", name="pk_meeting_attendees"),
    )
    op.create_table(
        "meeting_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("next_step", sa.String(24), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name="fk_meeting_items_meeting_id_meetings",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["backlog_items.id"],
            name="fk_meeting_items_item_id_backlog_items",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_meeting_items"),
    )
    op.create_index("ix_meeting_items_meeting_id", "meeting_items", ["meeting_id"])


def downgrade() -> None:
    op.drop_index("ix_meeting_items_meeting_id", table_name="meeting_items")
    op.drop_table("meeting_items")
    op.drop_table("meeting_attendees")
    op.drop_index("ix_meetings_team_channel_date", table_name="meetings")
    op.drop_index("ix_meetings_team_channel_thread", table_name="meetings")
    op.drop_index("ix_meetings_status_planned_end", table_name="meetings")
    op.drop_table("meetings")
    with op.batch_alter_table("circles", schema=None) as batch_op:
        batch_op.drop_column("meeting_facilitator_id")
        batch_op.drop_column("meeting_duration_minutes")
