"""The migrations build the schema the models describe, and the latest one steps back and forth."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.store.db import make_engine
from bot.store.installations import store_metadata
from bot.store.migrate import alembic_config, upgrade
from bot.store.models import Base


def _index_differences(engine) -> list:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), [Base.metadata, store_metadata()])
    return [d for d in diff if isinstance(d, tuple) and d[0] in ("add_index", "remove_index")]


def test_migrated_indexes_are_the_models_indexes(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert _index_differences(engine) == []
    finally:
        engine.dispose()


def test_the_agreement_page_indexes_step_down_and_up_again(db_url: str) -> None:
    engine = make_engine(db_url)
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0004")
        names = {i["name"] for i in inspect(engine).get_indexes("agreements")}
        assert "ix_agreements_team_channel_status" in names
        assert "ix_agreements_team_status_review" not in names
        assert _index_differences(engine) != []  # the check sees a missing index
        upgrade(engine)
        names = {i["name"] for i in inspect(engine).get_indexes("agreements")}
        assert {"ix_agreements_team_channel_status_review", "ix_agreements_team_status_review"} <= (
            names
        )
        assert _index_differences(engine) == []
    finally:
        engine.dispose()


def test_round_phases_step_down_and_up_again_keeping_the_rounds(db_url: str) -> None:
    """0007 (round phases) on a database with a round: down drops the columns and the
    watchers table, up adds them back with the round kept and no brief response asked."""
    engine = make_engine(db_url)
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0006")
        assert "round_watchers" not in inspect(engine).get_table_names()
        columns = {c["name"] for c in inspect(engine).get_columns("consent_rounds")}
        assert not {"answers_open_at", "answers_opened_at", "ask_response"} & columns
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO proposals (id, team_id, channel_id, number, author_id, status,"
                    " created_at) VALUES (1, 'T1', 'C1', 1, 'U1', 'open', '2026-12-01 09:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO consent_rounds (id, team_id, channel_id, proposal_id, version,"
                    " author_id, title, text, review_date, deadline, nudge_at, nudged, hidden,"
                    " status, withdraw_requested, seq, rendered_seq, created_at) VALUES (1, 'T1',"
                    " 'C1', 1, 1, 'U1', 't', 'x', '2027-03-01', '2026-12-04 09:00:00',"
                    " '2026-12-03 09:00:00', false, true, 'open', false, 0, 0,"
                    " '2026-12-01 09:00:00')"
                )
            )
        upgrade(engine)
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT answers_open_at, ask_response FROM consent_rounds")
            ).one()
        assert (row[0], bool(row[1])) == (None, False)
        assert "round_watchers" in inspect(engine).get_table_names()
        assert _index_differences(engine) == []
    finally:
        engine.dispose()


def test_meetings_step_down_to_0009_and_up_again_keeping_the_circles(db_url: str) -> None:
    engine = make_engine(db_url)
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO workspaces (team_id, created_at) VALUES ('T9', CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO circles (team_id, channel_id, next_number, created_at,"
                    " meeting_duration_minutes) VALUES ('T9', 'C9', 1, CURRENT_TIMESTAMP, 60)"
                )
            )
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0009")
        tables = set(inspect(engine).get_table_names())
        assert not {"meetings", "meeting_attendees", "meeting_items"} & tables
        columns = {c["name"] for c in inspect(engine).get_columns("circles")}
        assert "meeting_duration_minutes" not in columns
        upgrade(engine)
        assert {"meetings", "meeting_attendees", "meeting_items"} <= set(
            inspect(engine).get_table_names()
        )
        with engine.connect() as conn:
            kept = conn.execute(text("SELECT channel_id FROM circles WHERE team_id = 'T9'")).all()
        assert kept == [("C9",)]
        assert _index_differences(engine) == []
    finally:
        engine.dispose()


def test_objections_step_down_and_up_again_keeping_the_rounds(db_url: str) -> None:
    """0008 (objections under test) on a database with a round: down drops the objection
    tables and the result's ts, up adds them back as the models describe, the round kept."""
    engine = make_engine(db_url)
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0007")
        tables = set(inspect(engine).get_table_names())
        assert not {"objections", "objection_events"} & tables
        assert "result_ts" not in {c["name"] for c in inspect(engine).get_columns("consent_rounds")}
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO proposals (id, team_id, channel_id, number, author_id, status,"
                    " created_at) VALUES (1, 'T1', 'C1', 1, 'U1', 'open', '2026-12-01 09:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO consent_rounds (id, team_id, channel_id, proposal_id, version,"
                    " author_id, title, text, review_date, deadline, nudge_at, nudged, hidden,"
                    " status, withdraw_requested, seq, rendered_seq, created_at, ask_response)"
                    " VALUES (1, 'T1', 'C1', 1, 1, 'U1', 't', 'x', '2027-03-01',"
                    " '2026-12-04 09:00:00', '2026-12-03 09:00:00', false, true, 'closed', false,"
                    " 0, 0, '2026-12-01 09:00:00', false)"
                )
            )
        upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id, result_ts FROM consent_rounds")).one() == (1, None)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        ours = [d for d in diff if "objection" in repr(d) or "result_ts" in repr(d)]
        assert ours == []
    finally:
        engine.dispose()


def test_welcomes_step_down_to_0010_and_up_again(db_url: str) -> None:
    engine = make_engine(db_url)
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0010")
        assert "welcomes" not in set(inspect(engine).get_table_names())
        upgrade(engine)
        assert "welcomes" in set(inspect(engine).get_table_names())
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO welcomes (team_id, kind, subject_id, created_at)"
                    " VALUES ('T9', 'channel', 'C9', CURRENT_TIMESTAMP)"
                )
            )
        assert _index_differences(engine) == []
    finally:
        engine.dispose()


_ROLE_TABLES = {
    "roles",
    "role_terms",
    "selections",
    "selection_participants",
    "nominations",
    "domain_descriptions",
}


def test_domains_and_roles_step_down_to_0011_keeping_workspaces_circles_and_proposals(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO workspaces (team_id, created_at, term_notice_days)"
                    " VALUES ('T9', CURRENT_TIMESTAMP, 14)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO circles (team_id, channel_id, next_number, created_at,"
                    " parent_channel_id) VALUES ('T9', 'C9', 1, CURRENT_TIMESTAMP, 'C1')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO proposals (team_id, channel_id, number, author_id, status,"
                    " created_at, subject, subject_id)"
                    " VALUES ('T9', 'C9', 1, 'U1', 'open', CURRENT_TIMESTAMP, 'role', 7)"
                )
            )
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0011")
        assert not _ROLE_TABLES & set(inspect(engine).get_table_names())
        assert "parent_channel_id" not in {
            c["name"] for c in inspect(engine).get_columns("circles")
        }
        assert "subject" not in {c["name"] for c in inspect(engine).get_columns("proposals")}
        with engine.connect() as conn:
            # Dropping the columns must not recreate the tables (that cascades on SQLite).
            assert conn.execute(text("SELECT count(*) FROM circles")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM proposals")).scalar() == 1
        upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= _ROLE_TABLES
        with engine.connect() as conn:
            notice = conn.execute(
                text("SELECT term_notice_days FROM workspaces WHERE team_id = 'T9'")
            ).scalar()
        assert notice == 28  # the default, back again
        assert _index_differences(engine) == []
    finally:
        engine.dispose()


def test_on_behalf_steps_down_to_0012_keeping_the_items_and_their_history(db_url: str) -> None:
    engine = make_engine(db_url)
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO workspaces (team_id, created_at) VALUES ('T9', CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO circles (team_id, channel_id, next_number, created_at)"
                    " VALUES ('T9', 'C9', 2, CURRENT_TIMESTAMP)"
                )
            )
            circle = conn.execute(text("SELECT id FROM circles WHERE team_id = 'T9'")).scalar()
            conn.execute(
                text(
                    "INSERT INTO backlog_items (team_id, channel_id, circle_id, number, author_id,"
                    " text, status, rank, created_at, updated_at, on_behalf_of)"
                    " VALUES ('T9', 'C9', :c, 1, 'U1', 'x', 'new', 1, CURRENT_TIMESTAMP,"
                    " CURRENT_TIMESTAMP, 'C8')"
                ),
                {"c": circle},
            )
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0012")
        assert "on_behalf_of" not in {
            c["name"] for c in inspect(engine).get_columns("backlog_items")
        }
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM backlog_items")).scalar() == 1
        upgrade(engine)
        assert "on_behalf_of" in {c["name"] for c in inspect(engine).get_columns("backlog_items")}
        assert _index_differences(engine) == []
    finally:
        engine.dispose()


def test_uninstalled_steps_down_to_0013_keeping_the_workspaces(db_url: str) -> None:
    engine = make_engine(db_url)
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO workspaces (team_id, created_at, uninstalled_at)"
                    " VALUES ('T9', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO circles (team_id, channel_id, next_number, created_at)"
                    " VALUES ('T9', 'C9', 1, CURRENT_TIMESTAMP)"
                )
            )
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0013")
        assert "uninstalled_at" not in {
            c["name"] for c in inspect(engine).get_columns("workspaces")
        }
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM workspaces")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM circles")).scalar() == 1
        upgrade(engine)
        assert "uninstalled_at" in {c["name"] for c in inspect(engine).get_columns("workspaces")}
        assert _index_differences(engine) == []
    finally:
        engine.dispose()


def test_decide_now_fields_step_down_to_0026_keeping_the_quick_consents(db_url: str) -> None:
    """0027 (the agreement's fields on a proposal decided now): down drops the columns, the
    quick consent kept; up adds them back, empty."""
    engine = make_engine(db_url)
    cfg = alembic_config()
    fields = {"title", "responsibilities", "evaluation", "responsible_ids"}
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO workspaces (team_id, created_at) VALUES ('T9', CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO circles (team_id, channel_id, next_number, created_at)"
                    " VALUES ('T9', 'C9', 1, CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO meetings (team_id, channel_id, circle_id, status,"
                    " facilitator_id, started_at, planned_end_at, local_date, tz, step,"
                    " item_extra_minutes) SELECT 'T9', 'C9', id, 'open', 'U9',"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '2026-12-01', 'UTC', 1, 0"
                    " FROM circles WHERE team_id = 'T9'"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO meeting_consents (team_id, meeting_id, kind, status, proposal,"
                    " title, responsible_ids, hidden, step, opened_by, opened_at) SELECT"
                    " 'T9', id, 'item', 'open', 'Ship weekly', 'Weekly', '[\"U9\"]', true, 1,"
                    " 'U9', CURRENT_TIMESTAMP FROM meetings WHERE team_id = 'T9'"
                )
            )
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0026")
        columns = {c["name"] for c in inspect(engine).get_columns("meeting_consents")}
        assert "proposal" in columns and not fields & columns
        with engine.connect() as conn:
            assert conn.execute(text("SELECT proposal FROM meeting_consents")).scalar() == (
                "Ship weekly"
            )
        upgrade(engine)
        columns = {c["name"] for c in inspect(engine).get_columns("meeting_consents")}
        assert fields <= columns
        with engine.connect() as conn:
            assert conn.execute(text("SELECT title FROM meeting_consents")).scalar() is None
        assert _index_differences(engine) == []
    finally:
        upgrade(engine)
        engine.dispose()
