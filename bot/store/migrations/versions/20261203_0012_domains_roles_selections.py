"""domains, roles and role selection: domain descriptions (a circle's or a role's, versioned),
roles with their terms, selections with hidden nominations; a circle's parent circle; what a
proposal is about; how long before a term ends people are told

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.store.models import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, referred: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=f"fk_{table}_{column}_{referred}", ondelete=ondelete
    )


def upgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("term_notice_days", sa.Integer(), nullable=False, server_default="28")
        )
    with op.batch_alter_table("circles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_channel_id", sa.String(32), nullable=True))
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(16), nullable=True))
        batch_op.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))

    op.create_table(
        "roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("name_key", sa.String(80), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=True),
        sa.Column("term_until", sa.Date(), nullable=True),
        sa.Column("represents_channel_id", sa.String(32), nullable=True),
        sa.Column("holder_id", sa.String(32), nullable=True),
        sa.Column("term_start", sa.Date(), nullable=True),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.Column("notice_sent_for", sa.Date(), nullable=True),
        sa.Column("vacated_for", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_roles"),
    )
    op.create_index("ix_roles_team_channel_name", "roles", ["team_id", "channel_id", "name_key"])
    op.create_index("ix_roles_status_term_end", "roles", ["status", "term_end"])
    op.create_index("ix_roles_team_holder", "roles", ["team_id", "holder_id"])

    op.create_table(
        "selections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("started_by", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("nominate_until", UTCDateTime(), nullable=False),
        sa.Column("change_until", UTCDateTime(), nullable=False),
        sa.Column("revealed_at", UTCDateTime(), nullable=True),
        sa.Column("nominee_id", sa.String(32), nullable=True),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        _fk("selections", "role_id", "roles", "CASCADE"),
        _fk("selections", "proposal_id", "proposals", "SET NULL"),
        _fk("selections", "item_id", "backlog_items", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_selections"),
    )
    op.create_index(
        "ix_selections_status_nominate_until", "selections", ["status", "nominate_until"]
    )
    op.create_index("ix_selections_status_change_until", "selections", ["status", "change_until"])
    op.create_index("ix_selections_team_role", "selections", ["team_id", "role_id"])
    op.create_index(
        "ix_selections_team_message", "selections", ["team_id", "channel_id", "message_ts"]
    )

    op.create_table(
        "domain_descriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("responsibilities", sa.Text(), nullable=True),
        sa.Column("deliverables", sa.Text(), nullable=True),
        sa.Column("dependencies", sa.Text(), nullable=True),
        sa.Column("constraints", sa.Text(), nullable=True),
        sa.Column("challenges", sa.Text(), nullable=True),
        sa.Column("resources", sa.Text(), nullable=True),
        sa.Column("delegator_responsibilities", sa.Text(), nullable=True),
        sa.Column("competencies", sa.Text(), nullable=True),
        sa.Column("evaluation", sa.Text(), nullable=True),
        sa.Column("review_date", sa.Date(), nullable=False),
        sa.Column("author_id", sa.String(32), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        _fk("domain_descriptions", "role_id", "roles", "CASCADE"),
        _fk("domain_descriptions", "proposal_id", "proposals", "SET NULL"),
        _fk("domain_descriptions", "agreement_id", "agreements", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_domain_descriptions"),
    )
    op.create_index(
        "ix_domain_descriptions_team_channel_role",
        "domain_descriptions",
        ["team_id", "channel_id", "role_id"],
    )

    op.create_table(
        "role_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.String(32), nullable=False),
        sa.Column("starts", sa.Date(), nullable=False),
        sa.Column("ends", sa.Date(), nullable=False),
        sa.Column("selection_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("role_terms", "role_id", "roles", "CASCADE"),
        _fk("role_terms", "selection_id", "selections", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_role_terms"),
    )
    op.create_index("ix_role_terms_role_id", "role_terms", ["role_id"])

    op.create_table(
        "selection_participants",
        sa.Column("selection_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        _fk("selection_participants", "selection_id", "selections", "CASCADE"),
        sa.PrimaryKeyConstraint("selection_id", "user_id", name="pk_selection_participants"),
    )
    op.create_table(
        "nominations",
        sa.Column("selection_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("nominee_id", sa.String(32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("first_nominee_id", sa.String(32), nullable=True),
        sa.Column("first_reason", sa.Text(), nullable=True),
        sa.Column("changed_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        _fk("nominations", "selection_id", "selections", "CASCADE"),
        sa.PrimaryKeyConstraint("selection_id", "user_id", name="pk_nominations"),
    )


def downgrade() -> None:
    # The columns go with a plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): recreating
    # workspaces or circles would cascade-delete every row that refers to them.
    op.drop_table("nominations")
    op.drop_table("selection_participants")
    op.drop_index("ix_role_terms_role_id", table_name="role_terms")
    op.drop_table("role_terms")
    op.drop_index("ix_domain_descriptions_team_channel_role", table_name="domain_descriptions")
    op.drop_table("domain_descriptions")
    for name in (
        "ix_selections_team_message",
        "ix_selections_team_role",
        "ix_selections_status_change_until",
        "ix_selections_status_nominate_until",
    ):
        op.drop_index(name, table_name="selections")
    op.drop_table("selections")
    for name in ("ix_roles_team_holder", "ix_roles_status_term_end", "ix_roles_team_channel_name"):
        op.drop_index(name, table_name="roles")
    op.drop_table("roles")
    with op.batch_alter_table("proposals", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("subject_id")
        batch_op.drop_column("subject")
    with op.batch_alter_table("circles", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("parent_channel_id")
    with op.batch_alter_table("workspaces", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("term_notice_days")
