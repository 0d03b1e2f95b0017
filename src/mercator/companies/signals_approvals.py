"""Signals the approvals engine sends, for the document apps above it (trading's quotes and
orders) to connect in their ``AppConfig.ready()`` (ARCHITECTURE.md: the one use of signals).

Both are sent with ``sender=ApprovalRequest`` *inside* the transaction of the service that
changed the request, after the change is written. A receiver calls one of its own services
(e.g. release the quote, or put it back to draft); if it raises, the decision is rolled
back with it, so a request is never decided while its document stays behind.

- ``approval_decided(request=ApprovalRequest, approved=bool)``: an eligible approver
  approved or rejected the request (sent exactly once per request).
- ``approval_cancelled(request=ApprovalRequest)``: the requester withdrew it while pending.

Receivers find their document from ``request.document`` (the typed reference they passed
to ``approval_request_open``, e.g. ``"quote:<public id>"``) and should filter on
``request.document_kind``.
"""

from django.dispatch import Signal

approval_decided = Signal()
approval_cancelled = Signal()
