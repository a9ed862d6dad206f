"""workspace enterprise: the Enterprise Grid org a workspace belongs to, as its requests say,
so its sweeps find the org-wide installation's token

Revision ID: 0024
Revises: 0021
Create Date: 2026-12-06 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("workspaces", sa.Column("enterprise_id", sa.String(32), nullable=True))
    op.create_index("ix_workspaces_enterprise", "workspaces", ["enterprise_id"])


def downgrade() -> None:
    op.drop_index("ix_workspaces_enterprise", table_name="workspaces")
    # A plain DROP COLUMN: recreating workspaces on SQLite would cascade to every child table.
    with op.batch_alter_table("workspaces", recreate="never") as batch:
        batch.drop_column("enterprise_id")
