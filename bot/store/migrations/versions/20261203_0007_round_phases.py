"""round phases: a questions phase before answers open, and a brief response asked for

A round may start with a questions phase: `answers_open_at` says when answers open, and the
sweep that opens them records `answers_opened_at` (once, on whichever replica claims the row).
`round_watchers` holds the participants who asked to be told then. `ask_response` asks each
participant for a brief response in the thread before answering.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("consent_rounds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("answers_open_at", bot.store.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "answers_opened_at", bot.store.models.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("ask_response", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index(
            "ix_rounds_status_answers_open", ["status", "answers_open_at"], unique=False
        )
    op.create_table(
        "round_watchers",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", bot.store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["consent_rounds.id"],
            name=op.f("fk_round_watchers_round_id_consent_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "user_id", name=op.f("pk_round_watchers")),
    )


def downgrade() -> None:
    op.drop_table("round_watchers")
    with op.batch_alter_table("consent_rounds", schema=None) as batch_op:
        batch_op.drop_index("ix_rounds_status_answers_open")
        batch_op.drop_column("ask_response")
        batch_op.drop_column("answers_opened_at")
        batch_op.drop_column("answers_open_at")
