"""The migrations build the schema from nothing, match the models, and go down again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from portal.db import db


def _drift(app) -> list:  # type: ignore[no-untyped-def]
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        return compare_metadata(context, db.metadata)


def test_models_and_migrations_do_not_drift(app):
    """The session's schema was built by `flask db upgrade` from an empty database."""
    assert _drift(app) == []


def test_downgrade_to_empty_and_upgrade_again(app):
    with app.app_context():
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
    assert {"users", "teams", "invitations", "outbox_jobs"} <= tables
    assert _drift(app) == []
