"""Quotes, RFQs and inquiries get a document number (step 1 of 3: the column, empty)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("trading", "0005_dispute_evidence")]

    operations = [
        migrations.AddField(
            model_name=name,
            name="number",
            field=models.CharField(default="", max_length=24, verbose_name=label),
            preserve_default=False,
        )
        for name, label in (("inquiry", "询盘编号"), ("rfq", "询价单号"), ("quote", "报价单号"))
    ]
