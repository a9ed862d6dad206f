"""role user groups: a workspace's choice to keep a Slack user group per role, and each
role's group

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 20:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "workspaces",
        sa.Column("role_user_groups", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("roles", sa.Column("user_group_id", sa.String(32), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMNs: recreating these tables on SQLite would cascade to their children.
    with op.batch_alter_table("roles", recreate="never") as batch:
        batch.drop_column("user_group_id")
    with op.batch_alter_table("workspaces", recreate="never") as batch:
        batch.drop_column("role_user_groups")
