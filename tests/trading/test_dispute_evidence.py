"""Dispute evidence and the ruling's preview (issue 10): both sides upload photos and
documents (type recognised from the bytes, size limited; a refused upload writes
nothing), the files are readable by the two parties and operators only, the seller's
answer shows on the desk, and the previewed split is exactly what the ruling posts."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mercator.core.errors import InvalidTransition, NotFound, ValidationFailed
from mercator.payments.fees import fee_of
from mercator.payments.models import LedgerEntry
from mercator.trading import services
from mercator.trading.models import DisputeEvidence, Order
from mercator.trading.selectors.disputes import dispute_split
from mercator.trading.services import disputes as dispute_services
from tests.conftest import master_of
from tests.trading.test_ops_disputes import operator_client
from tests.trading.test_orders import assert_books_balance, pay_by_gateway, place

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"


@pytest.fixture(autouse=True)
def _private_dir(settings, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path  # private_storage() follows the settings on each call
    return tmp_path / "private"


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def disputed(world) -> Order:
    order = place(world)
    pay_by_gateway(world, order)
    services.order_ship(actor=world.actor(world.mill_clerk), order_id=order.public_id)
    return services.order_dispute(
        actor=world.actor(world.food_boss), order_id=order.public_id, reason="糖受潮结块"
    )


def test_both_sides_upload_and_the_operator_sees_them(world, _private_dir):
    order = disputed(world)
    buyer = world.web(world.food_boss)
    url = reverse("order-evidence", args=[order.public_id])
    photo = SimpleUploadedFile("wet.png", PNG, content_type="image/png")
    response = buyer.post(url, {"note": "到货时袋子全湿", "file": photo})
    assert response.status_code == 302
    seller = world.web(world.mill_boss)
    doc = SimpleUploadedFile("waybill.pdf", PDF, content_type="application/pdf")
    assert seller.post(url, {"note": "发货时完好，签收单无异议", "file": doc}).status_code == 302
    items = list(DisputeEvidence.objects.filter(order=order).order_by("pk"))
    assert [(e.side, e.content_type) for e in items] == [
        ("buyer", "image/png"),
        ("seller", "application/pdf"),
    ]
    assert len(stored_files(_private_dir)) == 2

    page = operator_client().get(reverse("ops-disputes"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "到货时袋子全湿" in html and "发货时完好，签收单无异议" in html
    assert reverse("dispute-evidence-file", args=[items[0].public_id]) in html  # the photo
    assert 'data-testid="evidence-file"' in html  # the PDF, as a link
    # The parties read both files; the image inline, the PDF as a download.
    image = buyer.get(reverse("dispute-evidence-file", args=[items[0].public_id]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content) == PNG
    pdf = buyer.get(reverse("dispute-evidence-file", args=[items[1].public_id]))
    assert pdf.status_code == 200 and "attachment" in pdf["Content-Disposition"]
    # The order page points to it.
    detail = buyer.get(reverse("order-detail", args=[order.public_id])).content.decode()
    assert 'data-testid="order-evidence-link"' in detail


def test_another_company_cannot_read_or_add(world):
    order = disputed(world)
    item = dispute_services.dispute_evidence_add(
        actor=world.actor(world.food_boss),
        order_id=order.public_id,
        note="照片",
        upload=SimpleUploadedFile("a.png", PNG),
    )
    stranger = world.web(master_of(world.outsider))
    assert stranger.get(reverse("dispute-evidence-file", args=[item.public_id])).status_code == 404
    assert stranger.get(reverse("order-evidence", args=[order.public_id])).status_code == 404
    with pytest.raises(NotFound):
        dispute_services.dispute_evidence_add(
            actor=world.actor(master_of(world.outsider)), order_id=order.public_id, note="我也要说"
        )
    assert DisputeEvidence.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("evil.png", b"<script>alert(1)</script>", "file_type"),  # the name lies
        ("big.png", PNG + b"\x00" * (5 * 1024 * 1024), "file_too_large"),
        ("empty.png", b"", "file_empty"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(world, _private_dir, name, content, code):
    order = disputed(world)
    with pytest.raises(ValidationFailed) as caught:
        dispute_services.dispute_evidence_add(
            actor=world.actor(world.food_boss),
            order_id=order.public_id,
            note="看图",
            upload=SimpleUploadedFile(name, content, content_type="image/png"),
        )
    assert caught.value.code == code
    response = world.web(world.food_boss).post(
        reverse("order-evidence", args=[order.public_id]),
        {"note": "看图", "file": SimpleUploadedFile(name, content, content_type="image/png")},
    )
    assert response.status_code == 422
    assert 'data-testid="evidence-error"' in response.content.decode()
    assert DisputeEvidence.objects.count() == 0 and stored_files(_private_dir) == []


def test_evidence_only_while_disputed(world):
    order = place(world)
    with pytest.raises(InvalidTransition):
        dispute_services.dispute_evidence_add(
            actor=world.actor(world.food_boss), order_id=order.public_id, note="还没争议"
        )
    assert DisputeEvidence.objects.count() == 0


def test_preview_equals_what_the_ruling_posts(world):
    order = disputed(world)
    ops = operator_client()
    refund = "3333.33"
    split = dispute_split(order, refund)
    assert split.refund + split.rest == order.total
    assert split.fee == fee_of(split.rest, order.fee_percent, order.currency)
    page = ops.get(reverse("ops-disputes"), {"order": order.public_id, "refund_amount": refund})
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="resolve-dialog"' in html
    assert "data-dialog-autoopen" in html
    for figure in (split.refund, split.rest, split.fee, split.seller_net):
        assert f"{figure:,.2f}" in html
    bad = ops.get(reverse("ops-disputes"), {"order": order.public_id, "refund_amount": "x"})
    assert bad.status_code == 422 and 'data-testid="resolve-dialog"' not in bad.content.decode()

    done = ops.post(reverse("ops-disputes"), {"order": order.public_id, "refund_amount": refund})
    assert done.status_code == 302
    order.refresh_from_db()
    assert order.status == "settled" and order.fee_amount == split.fee
    event = order.events.get(action="resolve")
    assert Decimal(event.data["refund"]) == split.refund
    assert Decimal(event.data["released"]) == split.rest
    assert Decimal(event.data["fee"]) == split.fee
    fee_legs = LedgerEntry.objects.filter(
        transaction__reference=order.ref, account__kind="fee_revenue"
    )
    assert sum((e.amount for e in fee_legs), Decimal(0)) == split.fee
    assert_books_balance()


def test_a_member_of_the_seller_sees_the_buyers_evidence(world):
    order = disputed(world)
    dispute_services.dispute_evidence_add(
        actor=world.actor(world.food_boss),
        order_id=order.public_id,
        upload=SimpleUploadedFile("a.png", PNG),
    )
    boss_page = world.web(world.mill_boss).get(reverse("order-evidence", args=[order.public_id]))
    assert boss_page.status_code == 200 and "a.png" in boss_page.content.decode()
