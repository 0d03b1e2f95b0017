"""Step 2 of 3: number the existing quotes, RFQs and inquiries, in creation order, each
dated on the local day it was created. The rule is copied from
``trading.services.numbering`` on purpose: a migration must not change when that code does."""

import secrets
from typing import Any

from django.db import migrations
from django.utils import timezone

ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
KINDS = (("Inquiry", "INQ", "received_at"), ("Rfq", "RFQ", "created_at"), ("Quote", "QT", "created_at"))


def backfill(apps: Any, schema_editor: Any) -> None:
    for model_name, prefix, created in KINDS:
        model = apps.get_model("trading", model_name)
        taken = set(model.objects.exclude(number="").values_list("number", flat=True))
        rows = model.objects.filter(number="").order_by(created, "pk").only("pk", created)
        for row in rows.iterator():
            day = timezone.localtime(getattr(row, created)).date()
            number = ""
            while not number or number in taken:
                suffix = "".join(secrets.choice(ALPHABET) for _ in range(6))
                number = f"{prefix}{day:%Y%m%d}{suffix}"
            taken.add(number)
            model.objects.filter(pk=row.pk).update(number=number)


class Migration(migrations.Migration):
    dependencies = [("trading", "0006_document_numbers")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
