"""Step 3 of 3: every row has its number now; make it unique, like an order's."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("trading", "0007_document_numbers_backfill")]

    operations = [
        migrations.AlterField(
            model_name=name,
            name="number",
            field=models.CharField(max_length=24, unique=True, verbose_name=label),
        )
        for name, label in (("inquiry", "询盘编号"), ("rfq", "询价单号"), ("quote", "报价单号"))
    ]
