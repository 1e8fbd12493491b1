from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from marblejar.lib import periodic
from marblejar.portability import tasks
from marblejar.portability.models import Retention
from marblejar.portability.services import retention_apply, retention_update
from marblejar.portability.tests.scene import make_review, make_scene
from marblejar.pulse.models import Answer, Pulse, PulseResult
from marblejar.reviews.models import Action, Note, Phase, Review

URL = reverse("portability:retention")


def test_an_admin_sets_the_periods_in_a_form(client_for, personas):
    client = client_for("admin")
    assert URL in client.get(reverse("teams:organization")).content.decode()
    response = client.post(URL, {"closed_reviews_days": "365", "pulses_days": ""})
    assert response.status_code == 302
    retention = Retention.objects.get(organization=personas.org)
    assert (retention.closed_reviews_days, retention.pulses_days) == (365, None)
    page = client.get(reverse("portability:what_we_store")).content.decode()
    assert "deletes learning reviews 365 days after they close" in page
    assert "It keeps closed pulses." in page


def test_a_period_too_short_is_refused_and_what_was_typed_stays(client_for, personas):
    response = client_for("admin").post(URL, {"closed_reviews_days": "3", "pulses_days": "400"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "greater than or equal to 30" in page
    assert 'value="400"' in page
    assert not Retention.objects.exists()


def test_only_admins_may_set_them(personas):
    with pytest.raises(PermissionDenied):
        retention_update(actor=personas.lead, closed_reviews_days=60, pulses_days=None)
    with pytest.raises(ValidationError):
        retention_update(actor=personas.admin, closed_reviews_days=10, pulses_days=None)


def test_nothing_is_deleted_without_a_period(personas):
    scene = make_scene(personas)
    later = timezone.now() + timedelta(days=5000)
    assert retention_apply(now=later).reviews == 0
    assert Review.objects.filter(pk=scene.anonymous_review.pk).exists()


def test_it_deletes_reviews_and_pulses_whose_period_ran_out_and_keeps_actions(personas):
    scene = make_scene(personas)
    retention_update(actor=personas.admin, closed_reviews_days=30, pulses_days=90)
    other_org_review = make_review(personas, title="Elsewhere", phase=Phase.CLOSED)
    other_org_review.organization = personas.other_org
    other_org_review.closed_at = timezone.now()
    other_org_review.save()

    soon = timezone.now() + timedelta(days=31)
    applied = retention_apply(now=soon)
    # The closed anonymous review goes; the one still open and its notes stay.
    assert applied.reviews == 1
    assert not Review.objects.filter(pk=scene.anonymous_review.pk).exists()
    assert Review.objects.filter(pk=scene.private_review.pk).exists()
    assert not Note.objects.filter(review_id=scene.anonymous_review.pk).exists()
    assert Action.objects.get(title="Tune alerts").review is None
    assert Review.objects.filter(pk=other_org_review.pk).exists()  # no period set there
    # Pulses are kept 90 days.
    assert applied.pulses == 0
    assert Pulse.objects.filter(organization=personas.org).count() == 2

    applied = retention_apply(now=timezone.now() + timedelta(days=91))
    assert applied.pulses == 2
    assert not Pulse.objects.filter(organization=personas.org).exists()
    assert not Answer.objects.filter(organization=personas.org).exists()
    assert not PulseResult.objects.filter(organization=personas.org).exists()


def test_it_runs_every_night_from_the_task_queue(personas):
    assert tasks.retention_apply.module_path in periodic.REGISTRY
    scene = make_scene(personas)
    Retention.objects.create(organization=personas.org, closed_reviews_days=30)
    Review.objects.filter(pk=scene.anonymous_review.pk).update(
        closed_at=timezone.now() - timedelta(days=31)
    )
    assert tasks.retention_apply.call() == 1
    assert not Review.objects.filter(pk=scene.anonymous_review.pk).exists()
