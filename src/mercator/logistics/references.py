"""How logistics' typed references read on money pages (payments.references): a
release ("release:<id>", the legs of a storage fee) by its number. Registered from
``LogisticsConfig.ready()``; the pages linked check access themselves."""

from django.urls import NoReverseMatch, reverse

from mercator.core.ids import parse_public_id
from mercator.logistics.models import Release


def release_numbers(ids: list[str]) -> dict[str, str]:
    wanted = {parse_public_id(i): i for i in ids}
    wanted.pop(None, None)
    rows = Release.objects.filter(public_id__in=list(wanted)).values_list("public_id", "number")
    return {wanted[public_id]: number for public_id, number in rows}


def release_url(public_id: str) -> str:
    try:
        return reverse("logistics-release", args=[public_id])
    except NoReverseMatch:
        return ""


def register_references() -> None:
    from mercator.payments import references

    references.register("release", release_numbers)
    references.register_url("release", release_url)
