"""The demo's grades: ladders in every market, companies at each grade, the black card
in its warning window (notified), the apple store dropped last month with an appeal
pending; built once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mercator.companies.models import Notification
from mercator.core.models import AuditEntry
from mercator.demo.build import demo_build
from mercator.membership.models import (
    Grade,
    GradeAppeal,
    GradeChange,
    GradeWarning,
    PointEntry,
    Standing,
)

pytestmark = pytest.mark.django_db


def _grade(short_name: str, market: str) -> str:
    return Standing.objects.get(company__short_name=short_name, market__code=market).grade.code


def test_the_demo_tells_the_grades_stories_once():
    demo_build()
    now = timezone.now()
    assert Grade.objects.filter(market__code="sugar").count() == 4
    black = Grade.objects.get(market__code="sugar", code="black")
    assert (black.idle_warn_days, black.idle_grace_days, black.monthly_quote_quota) == (
        270,
        90,
        None,
    )
    assert _grade("崇左糖厂", "sugar") == "gold"
    assert _grade("华南食品", "sugar") == "silver"
    assert _grade("临沂木业", "timber") == "black"
    assert _grade("烟台苹果冷库", "fruit") == "silver"
    assert PointEntry.objects.filter(
        company__short_name="华南食品", reason="settled_volume"
    ).exists()
    warning = GradeWarning.objects.get(standing__company__short_name="临沂木业")
    assert warning.is_open and warning.drop_at > now + timedelta(days=60)
    assert (
        Notification.objects.filter(
            person__email="boss@linyi-timber.demo", kind="membership.warning"
        ).count()
        == 1
    )
    drop = GradeChange.objects.get(company__short_name="烟台苹果冷库", reason="idle")
    assert now - timedelta(days=45) < drop.at < now - timedelta(days=25)
    assert GradeAppeal.objects.get(change=drop).status == "pending"
    counts = [
        m.objects.count()
        for m in (
            Grade,
            Standing,
            GradeChange,
            GradeWarning,
            PointEntry,
            GradeAppeal,
            Notification,
            AuditEntry,
        )
    ]
    demo_build()
    assert [
        m.objects.count()
        for m in (
            Grade,
            Standing,
            GradeChange,
            GradeWarning,
            PointEntry,
            GradeAppeal,
            Notification,
            AuditEntry,
        )
    ] == counts
