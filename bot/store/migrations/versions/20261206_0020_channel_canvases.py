"""channel canvases: the canvas each channel's logbook is kept in, and whether it is synced

Revision ID: 0020
Revises: 0024
Create Date: 2026-12-06 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.store.models import UTCDateTime

revision: str = "0020"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_canvases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("canvas_id", sa.String(32), nullable=True),
        sa.Column("requested_by", sa.String(32), nullable=False),
        sa.Column("syncing", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("refused", sa.String(64), nullable=True),
        sa.Column("pending_key", sa.String(200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("team_id", "channel_id", name="uq_channel_canvases_team_channel"),
    )


def downgrade() -> None:
    op.drop_table("channel_canvases")
