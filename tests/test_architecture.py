"""House rule (ARCHITECTURE.md, "Lessons"): views and API handlers read only through
scoped selectors. Tests protect selectors, so a view that queries a model manager
(``Sku.objects``) or a related manager (``actor.company.customers.filter(...)``,
``self.orders.count()``) skips what the tests protect.

Views and handlers also never write themselves (no ``save``, ``full_clean`` or
``transaction.atomic``): services are the only writers.

The test parses (``ast``) every module under ``src/mercator/<app>/views*`` and
``src/mercator/<app>/api*`` (single files and packages) and fails on:
- ``<Model>.objects`` / ``_default_manager`` / ``_base_manager``, ``<Model>`` being the
  name of any installed model;
- ``<expr>.<accessor>.<queryset method>``, ``<accessor>`` being a related manager's
  name on any installed model (reverse foreign keys and many-to-many fields), e.g.
  ``company.customers.filter``, ``rfq.lines.all``;
- ``self.<x>.<queryset method>``: a queryset kept on an object and queried there
  (``self.orders.count()``).
A queryset a selector returned, held in a local name, may be narrowed further
(``orders.filter(...)``): it is already scoped.
"""

import ast
from pathlib import Path

import pytest
from django.apps import apps

SRC = Path(__file__).resolve().parent.parent / "src" / "mercator"

MANAGERS = {"objects", "_default_manager", "_base_manager"}
# Methods a manager or queryset answers (reads and writes): calling one on a related
# accessor is a query.
QUERY_METHODS = {
    "aggregate",
    "alias",
    "all",
    "annotate",
    "bulk_create",
    "clear",
    "count",
    "create",
    "dates",
    "defer",
    "delete",
    "distinct",
    "earliest",
    "exclude",
    "exists",
    "filter",
    "first",
    "get",
    "get_or_create",
    "in_bulk",
    "iterator",
    "last",
    "latest",
    "none",
    "only",
    "order_by",
    "prefetch_related",
    "remove",
    "reverse",
    "select_for_update",
    "select_related",
    "set",
    "update",
    "update_or_create",
    "values",
    "values_list",
    "add",
}


def view_and_api_modules() -> list[Path]:
    found: set[Path] = set()
    for app in sorted(p for p in SRC.iterdir() if p.is_dir()):
        for pattern in ("views*.py", "api*.py"):
            found.update(app.glob(pattern))
        for package in ("views*", "api*"):
            for folder in app.glob(package):
                if folder.is_dir():
                    found.update(folder.rglob("*.py"))
    return sorted(found)


def model_names() -> set[str]:
    return {model.__name__ for model in apps.get_models(include_auto_created=False)}


def related_accessors() -> set[str]:
    """Names under which a model instance holds a related manager."""
    names: set[str] = set()
    for model in apps.get_models():
        for f in model._meta.get_fields(include_hidden=False):
            if f.auto_created and not f.concrete and (f.one_to_many or f.many_to_many):
                name = f.get_accessor_name()
                if name and not name.endswith("+"):
                    names.add(name)
            elif f.many_to_many and f.concrete:
                names.add(f.name)
    return names


def _on_self(node: ast.Attribute) -> bool:
    """``self.<x>``: a queryset kept on an object and queried later, out of the
    selectors' sight."""
    return isinstance(node.value, ast.Name) and node.value.id == "self"


def offences(source: str, models: set[str], accessors: set[str]) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute):
            continue
        owner = node.value
        if node.attr in MANAGERS and isinstance(owner, ast.Name) and owner.id in models:
            found.append((node.lineno, f"{owner.id}.{node.attr}"))
        elif (
            node.attr in QUERY_METHODS
            and isinstance(owner, ast.Attribute)
            and (owner.attr in accessors or _on_self(owner))
        ):
            found.append((node.lineno, f"{ast.unparse(owner)}.{node.attr}"))
    return sorted(found)


def test_the_scan_finds_view_and_api_modules():
    modules = {p.relative_to(SRC).as_posix() for p in view_and_api_modules()}
    # Single files and packages, in every app that has them.
    assert {"catalog/views.py", "catalog/api.py", "pricing/api.py"} <= modules
    assert {"trading/views/quotes.py", "trading/api/orders.py"} <= modules
    assert {"companies/views/activity.py", "payments/api/credit.py"} <= modules


def test_the_check_catches_each_kind_of_offence():
    """The detector itself: what it must flag and what it must leave alone."""
    models, accessors = model_names(), related_accessors()
    assert {"Sku", "Order", "Company", "Customer"} <= models
    assert {"customers", "lines", "events"} <= accessors
    bad = """
def view(request, actor):
    Sku.objects.filter(seller=actor.company)
    Order._default_manager.count()
    actor.company.customers.filter(counterpart__isnull=False)
    self.orders.count()
    rfq.lines.select_related("sku")
"""
    assert [what for _line, what in offences(bad, models, accessors)] == [
        "Sku.objects",
        "Order._default_manager",
        "actor.company.customers.filter",
        "self.orders.count",
        "rfq.lines.select_related",
    ]
    good = """
def view(request, actor):
    orders = selectors.orders_visible_to(actor)
    orders.filter(status="settled").count()
    request.GET.get("page")
    form.cleaned_data.get("buyer")
    reads.customers_visible_to(actor).filter(pk=1)
"""
    assert offences(good, models, accessors) == []


@pytest.mark.parametrize(
    "path", view_and_api_modules(), ids=lambda p: p.relative_to(SRC).as_posix()
)
def test_views_and_api_read_only_through_selectors(path: Path):
    found = offences(path.read_text(encoding="utf-8"), model_names(), related_accessors())
    where = path.relative_to(SRC).as_posix()
    assert not found, "\n".join(
        f"{where}:{line}: {what} (read through a scoped selector instead)" for line, what in found
    )


WRITES = {"save", "full_clean", "atomic", "bulk_update"}


def writes(source: str) -> list[tuple[int, str]]:
    """Calls by which a view or handler would write itself: ``obj.save()``,
    ``obj.full_clean()``, ``transaction.atomic``. Services are the only writers."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in WRITES:
            found.append((node.lineno, ast.unparse(node)))
    return sorted(found)


def test_the_write_check_catches_each_kind():
    bad = """
def view(request):
    with transaction.atomic():
        order.save()
        order.full_clean()
"""
    assert [what for _line, what in writes(bad)] == [
        "transaction.atomic",
        "order.save",
        "order.full_clean",
    ]
    assert writes("def view(request):\n    services.order_place(actor=a)\n") == []


@pytest.mark.parametrize(
    "path", view_and_api_modules(), ids=lambda p: p.relative_to(SRC).as_posix()
)
def test_views_and_api_write_only_through_services(path: Path):
    found = writes(path.read_text(encoding="utf-8"))
    where = path.relative_to(SRC).as_posix()
    assert not found, "\n".join(
        f"{where}:{line}: {what} (call a service, the only writer)" for line, what in found
    )
