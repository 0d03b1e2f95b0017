"""The activity bookkeeping is off the request's path: the member's ActivityDay is
written when the server closes the response (after the answer was sent), not while the
client waits for it; a failure there never reaches the answer."""

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.http import HttpResponse
from django.test import RequestFactory

from mercator.companies import activity_middleware
from mercator.companies.activity_middleware import ActivityMiddleware, throttle
from mercator.companies.actors import actor_for_membership
from mercator.companies.models import ActivityDay

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    throttle.reset()
    yield
    throttle.reset()


def _served(master) -> HttpResponse:
    def view(request):
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    request.actor = actor_for_membership(master, via="web")
    return ActivityMiddleware(view)(request)


def _close(response: HttpResponse) -> None:
    """What the WSGI server does once the body is sent. As Django's test client does, the
    connection is kept open through it (it holds the test's transaction)."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def test_activity_is_written_after_the_answer_is_sent(master):
    response = _served(master)
    assert response.status_code == 200
    assert not ActivityDay.objects.exists()  # the answer is out; nothing written yet
    _close(response)
    row = ActivityDay.objects.get()
    assert row.membership_id == master.pk and row.requests == 1


def test_a_failing_write_after_the_answer_is_only_logged(master, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("database away")

    monkeypatch.setattr(activity_middleware, "activity_touch", broken)
    response = _served(master)
    _close(response)
    assert response.status_code == 200
    assert "recording activity failed" in caplog.text
    assert not ActivityDay.objects.exists()
