"""The Alembic migrations build the models' schema on PostgreSQL too (the production
database), on a fresh database of the throwaway cluster the test run starts."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from bot import create_app
from bot.extensions import db
from bot.models import Base
from tests.support.databases import ONLY_POSTGRESQL

pytestmark = ONLY_POSTGRESQL


@pytest.fixture
def migrated(app_config):
    """The test's PostgreSQL database, upgraded to the newest migration."""
    app = create_app(app_config)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()  # the app's pooled connections, before the database is dropped


def test_migrations_match_the_models_on_postgresql(migrated, app_config):
    engine = create_engine(app_config["DATABASE_URL"])
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_migrations_go_down_and_up_again_on_postgresql(migrated, app_config):
    engine = create_engine(app_config["DATABASE_URL"])
    with migrated.app_context():
        downgrade(revision="base")
        assert inspect(engine).get_table_names() == ["alembic_version"]
        upgrade()
    tables = inspect(engine).get_table_names()
    checks = inspect(engine).get_check_constraints("business")
    engine.dispose()
    assert "notification" in tables
    assert [check["name"] for check in checks] == ["ck_business_sms_per_second_positive"]
