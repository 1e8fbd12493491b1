"""A team's outgoing integrations: set up by its leads, fed by :func:`broadcast`.

A feature announces one of :data:`marblejar.integrations.events.EVENTS` with
:func:`broadcast`, inside the transaction of the change, next to its call of
``notify()``. Each active integration of the team that wants the event gets a
:class:`Delivery`; when the transaction commits, the task queue posts it
(:func:`delivery_attempt`), retrying with exponential backoff. After
:data:`PAUSE_AFTER` failed attempts in a row the integration pauses itself and
the team's leads are told.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marblejar import permissions
from marblejar.integrations import formats, payloads
from marblejar.integrations.events import EVENTS, SCHEMA, Event
from marblejar.integrations.models import (
    Attempt,
    Delivery,
    Integration,
    Kind,
    PausedBecause,
    Status,
)
from marblejar.integrations.transport import check_url, post, url_hint
from marblejar.lib import sealing
from marblejar.lib.addresses import AddressRefused
from marblejar.teams.models import Role, Team

logger = logging.getLogger(__name__)

NAMESPACE = "marblejar.integrations.secret."
# Failed attempts in a row (across deliveries) after which an integration pauses.
PAUSE_AFTER = 5
# Tries of one delivery, the first included.
MAX_ATTEMPTS = 5
MAX_PER_TEAM = 10
# Deliveries kept in an integration's log.
LOG_KEEP = 200


def _seal(text: str) -> bytes:
    return sealing.encrypt(text.encode(), namespace=NAMESPACE)


def _unseal(blob: bytes | memoryview) -> str:
    return sealing.decrypt(blob, namespace=NAMESPACE).decode()


def integration_url(integration: Integration) -> str:
    return _unseal(integration.url_sealed)


def integration_secret(integration: Integration) -> str:
    return _unseal(integration.secret_sealed) if integration.secret_sealed else ""


def _clean(
    *, name: str, url: str | None, events: Iterable[str], kind: str | None = None
) -> tuple[str, str | None, list[str]]:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give it a name, such as the channel it posts to.")]
    elif len(name) > 100:
        errors["name"] = [_("Keep the name to 100 characters or fewer.")]
    if kind is not None and kind not in Kind.values:
        errors["kind"] = [_("Choose Slack, Microsoft Teams or a webhook.")]
    chosen = list(dict.fromkeys(events))
    unknown = [e for e in chosen if e not in EVENTS]
    if unknown:
        errors["events"] = [_("There is no event called %s.") % ", ".join(unknown)]
    if url is not None:
        try:
            url = check_url(url)
        except AddressRefused as e:
            errors["url"] = [str(e)]
    if errors:
        raise ValidationError(errors)
    return name, url, chosen


@transaction.atomic
def integration_create(
    *, actor: Any, team: Team, kind: str, name: str, url: str, events: Iterable[str]
) -> tuple[Integration, str]:
    """Add an integration; returns it with the webhook's signing secret ("" for chats).

    The secret is returned here once and never shown again.
    """
    permissions.require(actor, "integration.manage", team)
    name, url, chosen = _clean(name=name, url=url or "", events=events, kind=kind)
    assert url is not None
    if Integration.objects.filter(team=team).count() >= MAX_PER_TEAM:
        raise ValidationError(_("A team has at most %d integrations.") % MAX_PER_TEAM)
    secret = f"whsec_{secrets.token_urlsafe(32)}" if kind == Kind.WEBHOOK else ""
    integration = Integration.objects.create(
        organization_id=team.organization_id,
        team=team,
        kind=kind,
        name=name,
        url_sealed=_seal(url),
        url_hint=url_hint(url),
        secret_sealed=_seal(secret) if secret else b"",
        secret_hint=f"whsec_…{secret[-4:]}" if secret else "",
        events=chosen,
        created_by=actor,
    )
    return integration, secret


@transaction.atomic
def integration_update(
    *,
    actor: Any,
    integration: Integration,
    name: str,
    events: Iterable[str],
    url: str = "",
) -> Integration:
    """Rename it, choose its events, and (when ``url`` is given) change its address."""
    permissions.require(actor, "integration.manage", integration.team)
    name, new_url, chosen = _clean(name=name, url=url.strip() or None, events=events)
    integration.name = name
    integration.events = chosen
    fields = ["name", "events"]
    if new_url:
        integration.url_sealed = _seal(new_url)
        integration.url_hint = url_hint(new_url)
        fields += ["url_sealed", "url_hint"]
    integration.save(update_fields=fields)
    return integration


@transaction.atomic
def integration_pause(*, actor: Any, integration: Integration) -> Integration:
    permissions.require(actor, "integration.manage", integration.team)
    if not integration.is_paused:
        integration.paused_at = timezone.now()
        integration.paused_because = PausedBecause.LEAD
        integration.save(update_fields=["paused_at", "paused_because"])
    return integration


@transaction.atomic
def integration_resume(*, actor: Any, integration: Integration) -> Integration:
    """Send again from the next event on (what happened while paused is not sent)."""
    permissions.require(actor, "integration.manage", integration.team)
    integration.paused_at = None
    integration.paused_because = ""
    integration.failures_in_a_row = 0
    integration.save(update_fields=["paused_at", "paused_because", "failures_in_a_row"])
    return integration


@transaction.atomic
def integration_delete(*, actor: Any, integration: Integration) -> None:
    permissions.require(actor, "integration.manage", integration.team)
    integration.delete()


def integration_test(*, actor: Any, integration: Integration) -> Attempt:
    """Post a test message now, paused or not, and return how it went.

    Sent from the request rather than the queue, so the lead sees at once
    whether the address works; it is logged, never retried, and does not
    count towards pausing.
    """
    permissions.require(actor, "integration.manage", integration.team)
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        delivery = Delivery.objects.create(
            organization_id=integration.organization_id,
            integration=integration,
            event=Event.TEST,
            payload=_envelope(integration.team, Event.TEST, payloads.test(integration)),
            summary=_("A test message"),
        )
    delivery_attempt(delivery_id=delivery.pk)
    return Attempt.objects.filter(delivery=delivery).latest("number")


# Announcing ------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return path if path.startswith(("http://", "https://")) else settings.SITE_URL + path


def _envelope(team: Team, event: str, built: Mapping[str, Any]) -> dict[str, Any]:
    """The document a generic webhook receives (``id`` is added when it is sent)."""
    return {
        "schema": SCHEMA,
        "event": str(event),
        "occurred_at": timezone.now().isoformat(timespec="seconds"),
        "team": {
            "slug": team.slug,
            "name": team.name,
            "url": _absolute(reverse("teams:detail", args=[team.slug])),
        },
        "title": str(built["title"]),
        "text": str(built["text"]),
        "url": _absolute(str(built["url"])),
        "data": built.get("data", {}),
    }


def broadcast(
    *,
    team: Team | None,
    event: str,
    payload: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
) -> list[Delivery]:
    """Send ``event`` to every active integration of ``team`` that wants it.

    Call it inside the transaction of the change: the deliveries are written
    with it and queued when it commits, so nothing goes out about a change
    that was rolled back. ``payload`` is one of :mod:`.payloads`' documents,
    or a function that builds it: it is built only when an integration wants
    the event, in the site's language.
    """
    if event not in EVENTS:
        raise ValueError(f"{event!r} is not an event integrations send")
    if team is None:
        return []
    wanting = [
        i
        for i in Integration.objects.filter(team_id=team.pk, paused_at__isnull=True)
        if i.sends(event)
    ]
    if not wanting:
        return []
    try:
        with translation.override(settings.LANGUAGE_CODE):
            built = payload() if callable(payload) else payload
            envelope = _envelope(team, event, built)
    except Exception:
        # A post to a chat is never worth failing the change it reports.
        logger.exception("Could not build the %s post of team %s", event, team.pk)
        return []
    created = Delivery.objects.bulk_create(
        Delivery(
            organization_id=team.organization_id,
            integration=integration,
            event=event,
            payload=envelope,
            summary=envelope["title"][:200],
        )
        for integration in wanting
    )
    ids = [d.pk for d in created]
    transaction.on_commit(lambda: _enqueue(ids), robust=True)
    return created


def _enqueue(ids: list[int], *, delay: float = 0) -> None:
    from marblejar.integrations import tasks

    task = tasks.deliver
    if delay:
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay))
    for delivery_id in ids:
        task.enqueue(delivery_id=delivery_id)


def backoff(attempt: int) -> float:
    """Seconds to wait after failed attempt number ``attempt``: doubling each time."""
    return float(settings.INTEGRATIONS_RETRY_SECONDS) * 2 ** (attempt - 1)


# Delivering --------------------------------------------------------------------------


def _request(delivery: Delivery, integration: Integration) -> tuple[bytes, dict[str, str]]:
    envelope = {"id": str(delivery.uid), **delivery.payload}
    body = formats.body_of(integration.kind, envelope)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Marblejar-Event": delivery.event,
        "X-Marblejar-Delivery": str(delivery.uid),
    }
    if integration.kind == Kind.WEBHOOK:
        timestamp = str(int(time.time()))
        headers["X-Marblejar-Timestamp"] = timestamp
        headers["X-Marblejar-Signature"] = formats.signature(
            secret=integration_secret(integration), timestamp=timestamp, body=body
        )
    return body, headers


def delivery_attempt(*, delivery_id: int) -> str:
    """Try a delivery once (the task queue calls this); returns its status afterwards."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("integration")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return Status.DROPPED  # its integration was deleted
        if delivery.status not in (Status.PENDING, Status.RETRYING):
            return delivery.status
        integration = delivery.integration
        is_test = delivery.event == Event.TEST
        if integration.is_paused and not is_test:
            delivery.status = Status.DROPPED
            delivery.payload = {}
            delivery.save(update_fields=["status", "payload"])
            return delivery.status
        delivery.attempts = F("attempts") + 1
        delivery.save(update_fields=["attempts"])
        delivery.refresh_from_db(fields=["attempts"])
        body, headers = _request(delivery, integration)
    # Outside any transaction: no lock is held while the receiver takes its time.
    result = post(integration_url(integration), body=body, headers=headers)
    with transaction.atomic():
        return _record(delivery, result, is_test=is_test)


def _record(delivery: Delivery, result: Any, *, is_test: bool) -> str:
    number = delivery.attempts
    integration = Integration.objects.select_for_update().filter(pk=delivery.integration_id).first()
    if integration is None or not Delivery.objects.filter(pk=delivery.pk).exists():
        return Status.DROPPED  # deleted while the post was on its way
    Attempt.objects.create(
        organization_id=delivery.organization_id,
        delivery=delivery,
        number=number,
        status_code=result.status_code,
        ok=result.ok,
        error=result.error,
        duration_ms=result.duration_ms,
    )
    final = True
    if result.ok:
        delivery.status = Status.DELIVERED
        if integration.failures_in_a_row:
            integration.failures_in_a_row = 0
            integration.save(update_fields=["failures_in_a_row"])
    elif is_test:
        delivery.status = Status.FAILED
    else:
        integration.failures_in_a_row += 1
        integration.save(update_fields=["failures_in_a_row"])
        if integration.failures_in_a_row >= PAUSE_AFTER and not integration.is_paused:
            _pause_after_failures(integration)
        if result.retry and number < MAX_ATTEMPTS and not integration.is_paused:
            delivery.status = Status.RETRYING
            final = False
            wait = backoff(number)
            transaction.on_commit(lambda: _enqueue([delivery.pk], delay=wait), robust=True)
        else:
            delivery.status = Status.FAILED
    if final:
        delivery.payload = {}
    delivery.save(update_fields=["status", "payload"])
    if final:
        _prune(integration)
    return delivery.status


def _pause_after_failures(integration: Integration) -> None:
    """Stop posting to an address that keeps failing, and tell the team's leads."""
    from marblejar.accounts.models import User
    from marblejar.notifications.services import notify

    integration.paused_at = timezone.now()
    integration.paused_because = PausedBecause.FAILURES
    integration.save(update_fields=["paused_at", "paused_because"])
    team = integration.team
    leads = User.objects.filter(memberships__team=team, memberships__role=Role.LEAD, is_active=True)
    notify(
        recipients=list(leads),
        kind="integration_paused",
        url=reverse("integrations:detail", args=[team.slug, integration.pk]),
        params={
            "name": integration.name,
            "kind": Kind(integration.kind).label,
            "team": team.name,
            "n": PAUSE_AFTER,
        },
        team=team,
        organization_id=integration.organization_id,
    )


def _prune(integration: Integration) -> None:
    # Only finished deliveries: one still waiting for its turn must go out.
    old = list(
        Delivery.objects.filter(integration=integration)
        .exclude(status__in=(Status.PENDING, Status.RETRYING))
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)[LOG_KEEP:]
    )
    if old:
        Delivery.objects.filter(pk__in=old).delete()
