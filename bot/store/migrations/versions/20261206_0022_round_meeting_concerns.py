"""rounds sent to the governance meeting, the author's DM controls, and concerns heard
after consent

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-06 21:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.store.models import UTCDateTime

revision: str = "0022"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "consent_rounds", sa.Column("sent_to_meeting_at", UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "consent_rounds", sa.Column("meeting_for", UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column("consent_rounds", sa.Column("controls_channel", sa.String(32), nullable=True))
    op.add_column("consent_rounds", sa.Column("controls_ts", sa.String(32), nullable=True))
    op.create_table(
        "concern_hearings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column(
            "round_id",
            sa.Integer(),
            sa.ForeignKey("consent_rounds.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("answer", sa.String(16), nullable=True),
        sa.Column("follow_up", sa.Text(), nullable=True),
        sa.Column(
            "item_id",
            sa.Integer(),
            sa.ForeignKey("backlog_items.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("dm_channel", sa.String(32), nullable=True),
        sa.Column("dm_ts", sa.String(32), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", UTCDateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("round_id", "user_id", name="uq_concern_hearings_round_user"),
    )


def downgrade() -> None:
    op.drop_table("concern_hearings")
    # Plain DROP COLUMNs: recreating this table on SQLite would cascade to its children.
    with op.batch_alter_table("consent_rounds", recreate="never") as batch:
        for column in ("controls_ts", "controls_channel", "meeting_for", "sent_to_meeting_at"):
            batch.drop_column(column)
