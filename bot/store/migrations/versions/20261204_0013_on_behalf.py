"""on behalf: a backlog item a delegate raised for the circle they represent

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("backlog_items", sa.Column("on_behalf_of", sa.String(32), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN: recreating backlog_items on SQLite would cascade-delete its history.
    with op.batch_alter_table("backlog_items", recreate="never") as batch:
        batch.drop_column("on_behalf_of")
