"""The database guards the ledger too, not only the services.

- Entries and transactions are append-only: UPDATE and DELETE are refused (SQLite:
  UPDATE or DELETE of an entry; PostgreSQL: UPDATE or DELETE of either). TRUNCATE stays
  possible on PostgreSQL for test flushes.
- PostgreSQL: a deferred constraint trigger checks at commit that every transaction
  touched has entries summing to zero per currency, so no code path (a bug, a manual
  INSERT) can commit an unbalanced transaction.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

SQLITE_FORWARD = [
    """CREATE TRIGGER payments_ledgerentry_no_update BEFORE UPDATE ON payments_ledgerentry
    BEGIN SELECT RAISE(ABORT, 'payments_ledgerentry is append-only'); END;""",
    """CREATE TRIGGER payments_ledgerentry_no_delete BEFORE DELETE ON payments_ledgerentry
    BEGIN SELECT RAISE(ABORT, 'payments_ledgerentry is append-only'); END;""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS payments_ledgerentry_no_update;",
    "DROP TRIGGER IF EXISTS payments_ledgerentry_no_delete;",
]

PG_FORWARD = [
    """CREATE OR REPLACE FUNCTION payments_ledger_append_only() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
    END;
    $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER payments_ledgerentry_no_change BEFORE UPDATE OR DELETE
    ON payments_ledgerentry FOR EACH ROW EXECUTE FUNCTION payments_ledger_append_only();""",
    """CREATE TRIGGER payments_ledgertransaction_no_change BEFORE UPDATE OR DELETE
    ON payments_ledgertransaction FOR EACH ROW EXECUTE FUNCTION payments_ledger_append_only();""",
    """CREATE OR REPLACE FUNCTION payments_ledger_balanced() RETURNS trigger AS $$
    DECLARE
      unbalanced record;
    BEGIN
      SELECT currency, SUM(amount) AS total INTO unbalanced
        FROM payments_ledgerentry
       WHERE transaction_id = NEW.transaction_id
       GROUP BY currency
      HAVING SUM(amount) <> 0
       LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'ledger transaction % does not balance in %: %',
          NEW.transaction_id, unbalanced.currency, unbalanced.total;
      END IF;
      RETURN NULL;
    END;
    $$ LANGUAGE plpgsql;""",
    """CREATE CONSTRAINT TRIGGER payments_ledgerentry_balanced AFTER INSERT
    ON payments_ledgerentry DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION payments_ledger_balanced();""",
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS payments_ledgerentry_balanced ON payments_ledgerentry;",
    "DROP FUNCTION IF EXISTS payments_ledger_balanced();",
    "DROP TRIGGER IF EXISTS payments_ledgerentry_no_change ON payments_ledgerentry;",
    "DROP TRIGGER IF EXISTS payments_ledgertransaction_no_change ON payments_ledgertransaction;",
    "DROP FUNCTION IF EXISTS payments_ledger_append_only();",
]


def _run(schema_editor: BaseDatabaseSchemaEditor, pg: list[str], sqlite: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    for statement in pg if vendor == "postgresql" else sqlite if vendor == "sqlite" else []:
        schema_editor.execute(statement, None)


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, PG_FORWARD, SQLITE_FORWARD)


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, PG_BACKWARD, SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
