"""What a payment's typed reference ("order:<public id>") is called by people: an order's
number, which the payer writes in a bank transfer's memo. Payments sits below trading and
cannot read orders, so the app that owns a kind of reference registers a labeller here
from its ``AppConfig.ready()`` (as trading does for ``order``); reconciliation uses the
labels to recognise a memo that names the order instead of the transfer code."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

# kind -> labeller(public ids as strings) -> {public id: label}
Labeller = Callable[[list[str]], dict[str, str]]
_labellers: dict[str, Labeller] = {}


def register(kind: str, labeller: Labeller) -> None:
    _labellers[kind] = labeller


def labels_for(references: Iterable[str]) -> dict[str, str]:
    """``{reference: label}`` for the references whose kind has a labeller (others are
    left out)."""
    by_kind: dict[str, list[str]] = {}
    for ref in set(references):
        kind, sep, ident = ref.partition(":")
        if sep and kind in _labellers:
            by_kind.setdefault(kind, []).append(ident)
    labels: dict[str, str] = {}
    for kind, ids in by_kind.items():
        for ident, label in _labellers[kind](ids).items():
            labels[f"{kind}:{ident}"] = label
    return labels


# ----------------------------------------------------------------------------- display
# What a reference is shown as on a page: its document's number as a link where the owning
# app registered one, else the kind's name; never the raw "<kind>:<uuid>".

_urls: dict[str, Callable[[str], str]] = {}


def register_url(kind: str, url: Callable[[str], str]) -> None:
    """The page of a document of ``kind`` by its public id (its owner checks access)."""
    _urls[kind] = url


def kind_names() -> dict[str, str]:
    from django.utils.translation import gettext as _

    return {
        "order": _("订单"),
        "receivable": _("应收款"),
        "payout": _("提现申请"),
        "invoice": _("发票"),
        "intent": _("付款"),
        "statement": _("银行对账单"),
        "credit_line": _("授信额度"),
        "deposit": _("保证金"),
        "auction": _("拍卖"),
        "groupbuy": _("团购"),
        "forwardcontract": _("中远期合同"),
    }


@dataclass(frozen=True, slots=True)
class Shown:
    label: str
    url: str | None = None


def shown_for(references: Iterable[str]) -> dict[str, Shown]:
    """``{reference: Shown}`` for every reference given: a receivable is shown by its
    order's number (it is that order's credit), a payout by its name."""
    from mercator.core.ids import parse_public_id
    from mercator.payments.models import Receivable

    refs = {r for r in references if r}
    ids = [parse_public_id(r.partition(":")[2]) for r in refs if r.startswith("receivable:")]
    receivables = {
        f"receivable:{public_id}": reference
        for public_id, reference in Receivable.objects.filter(
            public_id__in=[i for i in ids if i is not None]
        ).values_list("public_id", "reference")
    }
    labels = labels_for(refs | set(receivables.values()))
    names = kind_names()
    shown: dict[str, Shown] = {}
    for ref in refs:
        target = receivables.get(ref, ref)
        kind, _sep, ident = target.partition(":")
        label = labels.get(target)
        url = _urls[kind](ident) if label and kind in _urls else None
        name = names.get(ref.partition(":")[0], "")
        if ref in receivables and label:
            label = f"{name} · {label}"
        shown[ref] = Shown(label or name or "—", url)
    return shown
