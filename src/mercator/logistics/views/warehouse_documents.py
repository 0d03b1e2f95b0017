"""Lot documents: the upload (the form sits on the lot's page, another area's; it posts
here) and the scoped file view: the stored, checked content type, images inline and a
PDF as a download, a 404 for anyone who cannot see the lot."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mercator.core.errors import DomainError, NotFound
from mercator.core.views import error_page
from mercator.logistics import services
from mercator.logistics.selectors import lot_get
from mercator.logistics.selectors import warehouses as sel
from mercator.logistics.services.documents import MAX_BYTES
from mercator.logistics.views.warehouse_inbound import lot_url


@login_required
@require_POST
def lot_document_add(request: HttpRequest, lot_id: object) -> HttpResponse:
    actor = request.actor
    try:
        lot = lot_get(actor, lot_id)
    except DomainError as exc:
        return error_page(request, exc)
    try:
        document = services.lot_document_add(
            actor=actor, lot_id=lot.public_id, upload=request.FILES.get("file")
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            return error_page(request, exc)
        context = {
            "error": exc,
            "lot": lot,
            "lot_link": lot_url(lot.public_id),
            "max_mb": MAX_BYTES // (1024 * 1024),
        }
        return render(
            request, "logistics/warehouses/document_error.html", context, status=exc.status
        )
    messages.success(request, _("已上传 %(name)s。") % {"name": document.filename})
    link = lot_url(lot.public_id)
    if link:
        return redirect(link)
    return redirect("logistics-warehouse", warehouse_id=lot.warehouse.public_id)


@login_required
@require_GET
def lot_document_file(request: HttpRequest, document_id: object) -> HttpResponse:
    try:
        document = sel.lot_document_get(request.actor, document_id)
    except DomainError as exc:
        return error_page(request, exc)
    response = FileResponse(
        services.lot_document_open(document),
        content_type=document.content_type,
        as_attachment=not document.is_image,
        filename=document.filename,
    )
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path(
        "logistics/lots/<uuid:lot_id>/documents/",
        lot_document_add,
        name="logistics-lot-document-add",
    ),
    path(
        "logistics/lot-documents/<uuid:document_id>/",
        lot_document_file,
        name="logistics-lot-document",
    ),
]
