"""meeting plan and evaluation: a backlog item's intended outcome and time estimate; when a
meeting took up its current item, the time added to it, when its closing step was posted; one
evaluation per person and meeting

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-05 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.store.models import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs: recreating these tables on SQLite would cascade to their children.
    op.add_column("backlog_items", sa.Column("intended_outcome", sa.Text(), nullable=True))
    op.add_column("backlog_items", sa.Column("estimate_minutes", sa.Integer(), nullable=True))
    op.add_column("meetings", sa.Column("item_started_at", UTCDateTime(), nullable=True))
    op.add_column(
        "meetings",
        sa.Column("item_extra_minutes", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("meetings", sa.Column("closing_at", UTCDateTime(), nullable=True))
    op.create_table(
        "meeting_evaluations",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("more_of", sa.Text(), nullable=True),
        sa.Column("less_of", sa.Text(), nullable=True),
        sa.Column("keep", sa.Text(), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name="fk_meeting_evaluations_meeting_id_meetings",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "user_id", name="pk_meeting_evaluations"),
    )


def downgrade() -> None:
    op.drop_table("meeting_evaluations")
    with op.batch_alter_table("meetings", recreate="never") as batch:
        batch.drop_column("closing_at")
        batch.drop_column("item_extra_minutes")
        batch.drop_column("item_started_at")
    with op.batch_alter_table("backlog_items", recreate="never") as batch:
        batch.drop_column("estimate_minutes")
        batch.drop_column("intended_outcome")
