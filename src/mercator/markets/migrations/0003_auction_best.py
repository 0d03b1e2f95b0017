from django.db import migrations, models


def backfill(apps, schema_editor):
    """Each participant's latest live bid (his best, see the model)."""
    Participant = apps.get_model("markets", "AuctionParticipant")
    Bid = apps.get_model("markets", "Bid")
    latest = {}
    for pid, price, seq in (
        Bid.objects.filter(superseded=False)
        .order_by("participant_id", "sequence")
        .values_list("participant_id", "price", "sequence")
    ):
        latest[pid] = (price, seq)
    for pid, (price, seq) in latest.items():
        Participant.objects.filter(pk=pid).update(best_price=price, best_sequence=seq)


class Migration(migrations.Migration):
    dependencies = [
        ("markets", "0002_auctions"),
    ]

    operations = [
        migrations.AddField(
            model_name="auctionparticipant",
            name="best_price",
            field=models.DecimalField(blank=True, decimal_places=4, max_digits=20, null=True),
        ),
        migrations.AddField(
            model_name="auctionparticipant",
            name="best_sequence",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="auctionparticipant",
            index=models.Index(fields=["auction", "best_price"], name="auction_participant_best"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
