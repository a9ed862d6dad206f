"""review rounds: the circle reviews an agreement in its channel; early reviews asked

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.store.models import UTCDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("agreements", sa.Column("early_review_item_id", sa.Integer(), nullable=True))
    op.create_table(
        "review_rounds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column(
            "agreement_id",
            sa.Integer(),
            sa.ForeignKey(
                "agreements.id",
                ondelete="CASCADE",
                name="fk_review_rounds_agreement_id_agreements",
            ),
            nullable=False,
        ),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.Column("started_by", sa.String(32), nullable=False),
        sa.Column("participants", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("open_key", sa.Integer(), nullable=True),
        sa.Column("closes_at", UTCDateTime(), nullable=False),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column(
            "item_id",
            sa.Integer(),
            sa.ForeignKey(
                "backlog_items.id",
                ondelete="SET NULL",
                name="fk_review_rounds_item_id_backlog_items",
            ),
            nullable=True,
        ),
        sa.Column("decided_by", sa.String(32), nullable=True),
        sa.Column("decided_action", sa.String(16), nullable=True),
        sa.Column("next_review", sa.Date(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_rounds"),
        sa.UniqueConstraint("team_id", "open_key", name="uq_review_rounds_team_open_key"),
    )
    op.create_index("ix_review_rounds_status_closes_at", "review_rounds", ["status", "closes_at"])
    op.create_index("ix_review_rounds_team_agreement", "review_rounds", ["team_id", "agreement_id"])
    op.create_table(
        "review_answers",
        sa.Column(
            "round_id",
            sa.Integer(),
            sa.ForeignKey(
                "review_rounds.id",
                ondelete="CASCADE",
                name="fk_review_answers_round_id_review_rounds",
            ),
            nullable=False,
        ),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("answer", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("round_id", "user_id", name="pk_review_answers"),
    )


def downgrade() -> None:
    op.drop_table("review_answers")
    op.drop_index("ix_review_rounds_team_agreement", table_name="review_rounds")
    op.drop_index("ix_review_rounds_status_closes_at", table_name="review_rounds")
    op.drop_table("review_rounds")
    with op.batch_alter_table("agreements", recreate="never") as batch:
        batch.drop_column("early_review_item_id")
