"""workflow step runs: the consent round a Workflow Builder step ("Start a consent round")
opened, by its function execution id

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-06 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workflow_step_runs",
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("execution_id", sa.String(64), primary_key=True),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("workflow_step_runs")
