"""uninstalled: when a workspace uninstalled the app, for the retention sweep

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.store.models import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("workspaces", sa.Column("uninstalled_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN: recreating workspaces on SQLite would cascade to every child table.
    with op.batch_alter_table("workspaces", recreate="never") as batch:
        batch.drop_column("uninstalled_at")
