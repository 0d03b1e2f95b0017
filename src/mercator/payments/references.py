"""What a payment's typed reference ("order:<public id>") is called by people: an order's
number, which the payer writes in a bank transfer's memo. Payments sits below trading and
cannot read orders, so the app that owns a kind of reference registers a labeller here
from its ``AppConfig.ready()`` (as trading does for ``order``); reconciliation uses the
labels to recognise a memo that names the order instead of the transfer code."""

from collections.abc import Callable, Iterable

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
