"""Customer pages: the list (search, owner filter for bosses), a new customer, a
customer's page with its contacts and ownership history, and a leaver's reassignment."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mercator.companies.forms_customers import (
    ContactForm,
    CustomerForm,
    ReassignForm,
    TransferForm,
)
from mercator.companies.models import Customer, Membership
from mercator.companies.ownership import ReassignSummary
from mercator.companies.selectors import customers as selectors
from mercator.companies.selectors.lists import CUSTOMER_LIST
from mercator.companies.services import customers as services
from mercator.core import listing
from mercator.core.actor import Actor
from mercator.core.errors import Conflict, DomainError, ValidationFailed
from mercator.core.forms import add_domain_error
from mercator.core.listing import Column
from mercator.core.views import error_page

PAGE_SIZE = 50


# -------------------------------------------------------------------------- list


def _customer_columns() -> list[Column]:
    return [
        Column(_("客户名称"), lambda c: c.name),
        Column(_("省份"), lambda c: c.province),
        Column(_("城市"), lambda c: c.city),
        Column(_("电话"), lambda c: c.phone),
        Column(_("平台企业"), lambda c: c.counterpart.short_name if c.counterpart else ""),
        Column(_("负责人"), lambda c: c.owner.person.display_name),
        Column(_("添加时间"), lambda c: c.created_at, "date"),
    ]


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    """The visible customers through ``core.listing``: search by name or linked platform
    company, date added, the owner filter (bosses), sort, pages, ``format=xlsx``."""
    actor = request.actor
    owner = (request.GET.get("owner") or "").strip()
    query = listing.parse_query(request.GET, CUSTOMER_LIST, extra={"owner": owner})
    try:
        customers = selectors.customers_search(actor, owner=owner or None)
        page = listing.list_page(customers, CUSTOMER_LIST, query, actor=actor, shown=("owner",))
    except DomainError as exc:
        return error_page(request, exc)
    if listing.wants_xlsx(request):
        return listing.xlsx_response(page, _customer_columns(), name="customers", title=_("客户"))
    context = {
        "listing": page,
        "q": query.q,
        "owner": owner,
        "owner_choices": selectors.owner_filter_choices(actor),
        "waiting": selectors.members_awaiting_reassignment(actor),
        "can_manage": actor.can("customers.manage"),
        "can_view_all": actor.can("customers.view_all"),
        "search_label": _("客户名称、电话或平台企业"),
    }
    if request.htmx and request.htmx.target == "customer-results":
        return render(request, "companies/customers/_list.html", context)
    return render(request, "companies/customers/list.html", context)


# --------------------------------------------------------------------------- new


def _owner_choices_for(actor: Actor) -> list[Membership] | None:
    return selectors.owner_choices(actor) if actor.can("customers.reassign") else None


@login_required
@require_http_methods(["GET", "POST"])
def customer_new(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    try:
        actor.require("customers.manage")
        owners = _owner_choices_for(actor)
    except DomainError as exc:
        return error_page(request, exc)
    initial = {"owner": str(actor.membership.public_id)}
    form = CustomerForm(request.POST or None, owners=owners, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                counterpart_id = _counterpart_id(data["counterpart_name"])
                customer = services.customer_create(
                    actor=actor,
                    name=data["name"],
                    owner_id=data.get("owner") or None,
                    counterpart_id=counterpart_id,
                    province=data["province"],
                    city=data["city"],
                    phone=data["phone"],
                    notes=data["notes"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("已添加客户“%(name)s”。") % {"name": customer.name})
                return redirect("customer-detail", customer_id=customer.public_id)
        else:
            status = 422
    return render(request, "companies/customers/new.html", {"form": form}, status=status)


def _counterpart_id(legal_name: str) -> object:
    """The platform company with this exact legal name, or a form error."""
    if not (legal_name or "").strip():
        return None
    company = selectors.counterpart_by_legal_name(legal_name)
    if company is None:
        raise ValidationFailed(
            _("平台上没有全称为“%(name)s”的企业。") % {"name": legal_name.strip()},
            code="unknown_company",
            details={"field": "counterpart_name"},
        )
    return company.public_id


# ------------------------------------------------------------------------ detail


def _contact_rows(actor: Actor, customer: Customer, bound: dict | None = None) -> list[dict]:
    """Each contact with its edit form (a bound one if its edit just failed)."""
    rows = []
    for contact in selectors.contacts_of(actor, customer):
        form = (bound or {}).get(contact.pk) or ContactForm(
            prefix=f"c-{contact.public_id}",
            initial={
                "name": contact.name,
                "title": contact.title,
                "phone": contact.phone,
                "email": contact.email,
                "is_key_person": contact.is_key_person,
            },
        )
        rows.append({"contact": contact, "form": form})
    return rows


def _detail_context(request: HttpRequest, customer: Customer, **extra: Any) -> dict[str, Any]:
    actor = request.actor
    context: dict[str, Any] = {
        "customer": customer,
        "edit_form": CustomerForm(
            initial={
                "name": customer.name,
                "counterpart_name": customer.counterpart.legal_name if customer.counterpart else "",
                "province": customer.province,
                "city": customer.city,
                "phone": customer.phone,
                "notes": customer.notes,
            },
            owners=None,
        ),
        "contact_form": ContactForm(),
        "rows": _contact_rows(actor, customer, extra.pop("bound_rows", None)),
        "history": selectors.customer_history(actor, customer),
        "can_manage": actor.can("customers.manage"),
        "can_reassign": actor.can("customers.reassign"),
    }
    if context["can_reassign"]:
        colleagues = [m for m in selectors.owner_choices(actor) if m.pk != customer.owner_id]
        context["transfer_form"] = TransferForm(members=colleagues)
    context.update(extra)
    return context


@login_required
@require_http_methods(["GET", "POST"])
def customer_detail(request: HttpRequest, customer_id: str) -> HttpResponse:
    """The customer; a POST saves its details."""
    actor = request.actor
    try:
        customer = selectors.customer_get(actor, customer_id)
    except DomainError as exc:
        return error_page(request, exc)
    if request.method == "GET":
        return render(
            request, "companies/customers/detail.html", _detail_context(request, customer)
        )
    form = CustomerForm(request.POST, owners=None)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            customer = services.customer_update(
                actor=actor,
                customer_id=customer.public_id,
                name=data["name"],
                province=data["province"],
                city=data["city"],
                phone=data["phone"],
                notes=data["notes"],
                counterpart_id=_counterpart_id(data["counterpart_name"]),
            )
        except DomainError as exc:
            if exc.status in (403, 404):
                return error_page(request, exc)
            add_domain_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("客户资料已保存。"))
            return redirect("customer-detail", customer_id=customer.public_id)
    context = _detail_context(request, customer, edit_form=form, edit_open=True)
    return render(request, "companies/customers/detail.html", context, status=status)


@login_required
@require_POST
def customer_transfer(request: HttpRequest, customer_id: str) -> HttpResponse:
    actor = request.actor
    try:
        customer = selectors.customer_get(actor, customer_id)
        actor.require("customers.reassign")
    except DomainError as exc:
        return error_page(request, exc)
    colleagues = [m for m in selectors.owner_choices(actor) if m.pk != customer.owner_id]
    form = TransferForm(request.POST, members=colleagues)
    status = 422
    if form.is_valid():
        try:
            customer = services.customer_transfer(
                actor=actor,
                customer_id=customer.public_id,
                to_membership_id=form.cleaned_data["to"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            status = exc.status
        else:
            messages.success(
                request,
                _("已把客户“%(name)s”交给 %(owner)s。")
                % {"name": customer.name, "owner": customer.owner.person.display_name},
            )
            return redirect("customer-detail", customer_id=customer.public_id)
    context = _detail_context(request, customer, transfer_form=form)
    return render(request, "companies/customers/detail.html", context, status=status)


# ---------------------------------------------------------------------- contacts


def _contacts_response(
    request: HttpRequest, customer: Customer, status: int = 200, **extra: Any
) -> HttpResponse:
    """The contacts block for htmx, else the whole page (or a redirect after success)."""
    if request.htmx:
        context = {
            "customer": customer,
            "contact_form": extra.pop("contact_form", ContactForm()),
            "rows": _contact_rows(request.actor, customer, extra.pop("bound_rows", None)),
            "can_manage": request.actor.can("customers.manage"),
            **extra,
        }
        return render(request, "companies/customers/_contacts.html", context, status=status)
    if status < 400:
        return redirect("customer-detail", customer_id=customer.public_id)
    context = _detail_context(request, customer, **extra)
    return render(request, "companies/customers/detail.html", context, status=status)


@login_required
@require_POST
def contact_add(request: HttpRequest, customer_id: str) -> HttpResponse:
    actor = request.actor
    try:
        customer = selectors.customer_get(actor, customer_id)
    except DomainError as exc:
        return error_page(request, exc)
    form = ContactForm(request.POST)
    if not form.is_valid():
        return _contacts_response(request, customer, 422, contact_form=form)
    try:
        services.contact_create(actor=actor, customer_id=customer.public_id, **form.cleaned_data)
    except DomainError as exc:
        if exc.status in (403, 404):
            return error_page(request, exc)
        add_domain_error(form, exc)
        return _contacts_response(request, customer, exc.status, contact_form=form)
    if not request.htmx:
        messages.success(request, _("已添加联系人。"))
    return _contacts_response(request, customer)


@login_required
@require_POST
def contact_edit(request: HttpRequest, contact_id: str) -> HttpResponse:
    actor = request.actor
    try:
        contact = selectors.contact_get(actor, contact_id)
    except DomainError as exc:
        return error_page(request, exc)
    customer = contact.customer
    form = ContactForm(request.POST, prefix=f"c-{contact.public_id}")
    if not form.is_valid():
        return _contacts_response(request, customer, 422, bound_rows={contact.pk: form})
    try:
        services.contact_update(actor=actor, contact_id=contact.public_id, **form.cleaned_data)
    except DomainError as exc:
        if exc.status in (403, 404):
            return error_page(request, exc)
        add_domain_error(form, exc)
        return _contacts_response(request, customer, exc.status, bound_rows={contact.pk: form})
    if not request.htmx:
        messages.success(request, _("联系人已保存。"))
    return _contacts_response(request, customer)


@login_required
@require_POST
def contact_delete(request: HttpRequest, contact_id: str) -> HttpResponse:
    actor = request.actor
    try:
        contact = selectors.contact_get(actor, contact_id)
        services.contact_delete(actor=actor, contact_id=contact.public_id)
    except DomainError as exc:
        return error_page(request, exc)
    if not request.htmx:
        messages.success(request, _("已删除联系人“%(name)s”。") % {"name": contact.name})
    return _contacts_response(request, contact.customer)


# ------------------------------------------------------------------ reassignment


def _reassign_context(
    request: HttpRequest,
    source: Membership,
    form: ReassignForm,
    preview: ReassignSummary | None = None,
) -> dict[str, Any]:
    return {
        "source": source,
        "form": form,
        "counts": selectors.owned_counts(request.actor, source),
        "preview": preview,
    }


def _reassign_setup(
    request: HttpRequest, membership_id: str
) -> tuple[Membership, list[Membership]]:
    source = selectors.reassign_source_get(request.actor, membership_id)
    colleagues = [m for m in selectors.owner_choices(request.actor) if m.pk != source.pk]
    return source, colleagues


@login_required
def member_reassign(request: HttpRequest, membership_id: str) -> HttpResponse:
    """GET: choose colleagues. POST: apply the previewed move (its fingerprint must still
    match, else the fresh preview is shown again)."""
    try:
        source, colleagues = _reassign_setup(request, membership_id)
    except DomainError as exc:
        return error_page(request, exc)
    template = "companies/customers/reassign.html"
    if request.method != "POST":
        form = ReassignForm(members=colleagues)
        return render(request, template, _reassign_context(request, source, form))
    form = ReassignForm(request.POST, members=colleagues)
    if not form.is_valid():
        return render(request, template, _reassign_context(request, source, form), status=422)
    try:
        targets = selectors.reassign_targets_get(request.actor, form.cleaned_data["to"])
    except DomainError as exc:
        add_domain_error(form, exc)
        context = _reassign_context(request, source, form)
        return render(request, template, context, status=exc.status)
    try:
        summary = services.member_reassign(
            actor=request.actor,
            from_membership=source,
            to_memberships=targets,
            fingerprint=form.cleaned_data["fingerprint"] or None,
        )
    except DomainError as exc:
        if exc.status in (403, 404):
            return error_page(request, exc)
        add_domain_error(form, exc)
        preview = None
        if isinstance(exc, Conflict):
            # Show what would move now, so the boss can confirm the fresh plan.
            preview = selectors.reassign_preview(request.actor, source, targets)
        context = _reassign_context(request, source, form, preview)
        return render(request, template, context, status=exc.status)
    messages.success(
        request,
        _("已把 %(name)s 的 %(n)d 条记录移交给 %(targets)s。")
        % {
            "name": source.person.display_name,
            "n": summary.total,
            "targets": "、".join(s.member.person.display_name for s in summary.targets),
        },
    )
    return redirect("member-reassign", membership_id=source.public_id)


@login_required
@require_POST
def member_reassign_preview(request: HttpRequest, membership_id: str) -> HttpResponse:
    """What would move to the ticked colleagues (an htmx fragment, or the whole page)."""
    try:
        source, colleagues = _reassign_setup(request, membership_id)
    except DomainError as exc:
        return error_page(request, exc)
    form = ReassignForm(request.POST, members=colleagues)
    preview = None
    status = 422
    if form.is_valid():
        try:
            targets = selectors.reassign_targets_get(request.actor, form.cleaned_data["to"])
            preview = selectors.reassign_preview(request.actor, source, targets)
            status = 200
        except DomainError as exc:
            if exc.status in (403, 404):
                return error_page(request, exc)
            add_domain_error(form, exc)
            status = exc.status
    context = _reassign_context(request, source, form, preview)
    if request.htmx:
        return render(request, "companies/customers/_reassign_preview.html", context, status=status)
    return render(request, "companies/customers/reassign.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("customers/", customer_list, name="customers"),
    path("customers/new", customer_new, name="customer-new"),
    path("customers/<str:customer_id>/", customer_detail, name="customer-detail"),
    path("customers/<str:customer_id>/transfer", customer_transfer, name="customer-transfer"),
    path("customers/<str:customer_id>/contacts", contact_add, name="customer-contact-add"),
    path("contacts/<str:contact_id>/edit", contact_edit, name="contact-edit"),
    path("contacts/<str:contact_id>/delete", contact_delete, name="contact-delete"),
    path("company/members/<str:membership_id>/reassign", member_reassign, name="member-reassign"),
    path(
        "company/members/<str:membership_id>/reassign/preview",
        member_reassign_preview,
        name="member-reassign-preview",
    ),
]
