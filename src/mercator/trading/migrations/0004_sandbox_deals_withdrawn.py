from django.db import migrations


def withdraw_sandbox_deals(apps, schema_editor):
    """Orders paid with sandbox money were counted as real deals: they are not (the money
    did not move). Their deals go and they stop counting as real."""
    PaymentIntent = apps.get_model("payments", "PaymentIntent")
    Order = apps.get_model("trading", "Order")
    Deal = apps.get_model("trading", "Deal")
    references = set(
        PaymentIntent.objects.filter(sandbox=True, status="succeeded", purpose="order")
        .values_list("reference", flat=True)
    )
    ids = [r.removeprefix("order:") for r in references if r.startswith("order:")]
    orders = Order.objects.filter(public_id__in=ids, is_real=True)
    Deal.objects.filter(order__in=orders).delete()
    orders.update(is_real=False)


class Migration(migrations.Migration):
    dependencies = [
        ("trading", "0003_event_and_unit_labels"),
        ("payments", "0003_sandbox_provider"),
    ]

    operations = [migrations.RunPython(withdraw_sandbox_deals, migrations.RunPython.noop)]
