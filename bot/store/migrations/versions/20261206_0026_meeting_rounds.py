"""meeting rounds: the consent round a governance meeting takes up (sent to it by its author),
after the backlog's items and the reviews, and the round each handled meeting item was

Revision ID: 0026
Revises: 0023
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs: recreating these tables on SQLite would cascade to their children.
    op.add_column("meetings", sa.Column("current_round_id", sa.Integer(), nullable=True))
    op.add_column("meeting_items", sa.Column("round_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meeting_items", recreate="never") as batch:
        batch.drop_column("round_id")
    with op.batch_alter_table("meetings", recreate="never") as batch:
        batch.drop_column("current_round_id")
