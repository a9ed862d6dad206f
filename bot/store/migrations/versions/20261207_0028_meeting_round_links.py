"""meeting round links: the meeting a consent round was started from (its item's proposal
formed there), the meeting that decided a round sent to it, and the round a meeting's quick
consent decides

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs: recreating these tables on SQLite would cascade to their children.
    op.add_column("consent_rounds", sa.Column("meeting_id", sa.Integer(), nullable=True))
    op.add_column("consent_rounds", sa.Column("decided_meeting_id", sa.Integer(), nullable=True))
    op.add_column("meeting_consents", sa.Column("round_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meeting_consents", recreate="never") as batch:
        batch.drop_column("round_id")
    with op.batch_alter_table("consent_rounds", recreate="never") as batch:
        batch.drop_column("decided_meeting_id")
        batch.drop_column("meeting_id")
