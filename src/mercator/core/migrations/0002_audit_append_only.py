"""The audit log is append-only, enforced by the database itself: UPDATE is refused on
every backend; DELETE is refused on PostgreSQL (TRUNCATE, used by test flushes and by an
operator archiving the table deliberately, stays possible)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

SQLITE_FORWARD = """
CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry
BEGIN SELECT RAISE(ABORT, 'core_auditentry is append-only'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS core_auditentry_no_update;"

PG_FORWARD = """
CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'core_auditentry is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditentry_no_change BEFORE UPDATE OR DELETE ON core_auditentry
FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS core_auditentry_no_change ON core_auditentry;
DROP FUNCTION IF EXISTS core_auditentry_append_only();
"""


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
