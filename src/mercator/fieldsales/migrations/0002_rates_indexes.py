"""The four-rates report's index (fieldsales.selectors.rates): a customer's paid orders by
the moment they were paid, cancelled ones left out, so that its first paid order, its
first repeat in a period and its orders of a period are each one index probe or range
scan. Written as SQL because the index is on trading's table, which this app may read
but whose models it does not own; the same statement runs on SQLite and PostgreSQL."""

from django.db import migrations

INDEX = "fieldsales_rates_order_paid"


class Migration(migrations.Migration):
    dependencies = [
        ("fieldsales", "0001_initial"),
        ("trading", "0011_order_channel"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(
                f"CREATE INDEX IF NOT EXISTS {INDEX} ON trading_order "
                "(buyer_id, (COALESCE(paid_at, settled_at))) WHERE status <> 'cancelled'"
            ),
            reverse_sql=f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
