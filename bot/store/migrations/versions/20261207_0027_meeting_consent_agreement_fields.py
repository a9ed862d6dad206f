"""meeting consent agreement fields: a proposal decided now in a meeting carries the fields of
the agreement it becomes (title, responsibilities, evaluation criteria, the people responsible)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("title", "responsibilities", "evaluation", "responsible_ids")


def upgrade() -> None:
    # Plain ADD COLUMNs: recreating the table on SQLite would cascade to its answers.
    op.add_column("meeting_consents", sa.Column("title", sa.String(150), nullable=True))
    op.add_column("meeting_consents", sa.Column("responsibilities", sa.Text(), nullable=True))
    op.add_column("meeting_consents", sa.Column("evaluation", sa.Text(), nullable=True))
    op.add_column("meeting_consents", sa.Column("responsible_ids", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meeting_consents", recreate="never") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
