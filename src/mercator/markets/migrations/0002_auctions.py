import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_english_grade_origin"),
        ("markets", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auctionparticipant",
            name="sku",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="catalog.sku",
            ),
        ),
    ]
