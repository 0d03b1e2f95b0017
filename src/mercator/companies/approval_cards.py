"""What an approval card shows of the document it approves (issue 10).

The approvals engine lives in ``companies``, below the apps whose documents it holds
(trading's quotes and orders), so it cannot read their lines, prices or the
counterpart's credit. Each document app registers a *card builder* for its
``document_kind`` here from its ``AppConfig.ready()`` (as it registers ``ownership``
kinds); the approvals page asks the registry and includes the template the builder
names. Why a registry rather than a snapshot in the request's facts: a held document
cannot change while its request is pending (the service moves it out of draft), so its
lines read now are the lines requested; the list and index prices and the credit
exposure are what the approver must weigh *when he decides*, not when the clerk asked;
and the facts the rules were evaluated on stay the audited snapshot they already are.

A builder is ``builder(actor, request) -> CardDetail | None``: ``None`` when the
document is gone or the actor may not read it; it must read only through the higher
app's selectors, scoped to the actor's company (the request itself is already checked
visible to the actor before any builder runs).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mercator.companies.models import ApprovalRequest
from mercator.core.actor import Actor
from mercator.core.errors import DomainError


@dataclass(frozen=True)
class CardDetail:
    """A template (of the document's app) and its context, included in the card."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


Builder = Callable[[Actor, ApprovalRequest], CardDetail | None]
_builders: dict[str, Builder] = {}


def register(document_kind: str, builder: Builder) -> None:
    """Register the card builder of one kind of document (last registration wins, so a
    reloaded app does not register twice)."""
    _builders[document_kind] = builder


def card_detail(actor: Actor, request: ApprovalRequest) -> CardDetail | None:
    """The document's detail for this request's card, or None when no app registered
    the kind or the document cannot be read (the card then shows the facts alone)."""
    builder = _builders.get(request.document_kind)
    if builder is None:
        return None
    try:
        return builder(actor, request)
    except DomainError:
        return None
