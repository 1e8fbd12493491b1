"""Publish events after commit, in commit order, for live clients to tail.

A state change calls :func:`publish` inside its transaction. When that
transaction commits, the event is stored in the events table and every app
process is told to look. Delivery rests on one invariant and one rule:

* **Ids follow commit order.** If an event is visible, every event with a
  lower id is visible too. Then "everything after id N" is a complete answer
  at any moment, so a reader that remembers the last id it considered never
  skips an event that commits late. On PostgreSQL, :func:`store` takes a
  transaction-level advisory lock around the insert: the next writer draws
  its id only after this one has committed (locks are released after the
  commit is visible). SQLite has one writer at a time anyway (a write
  transaction, ``BEGIN IMMEDIATE`` here, holds the database's write lock
  until it commits), so ids drawn inside it commit in order without help.
  The lock covers only the event's own short insert, not the state change
  before it, so unrelated changes never wait for each other.
* **The table is the truth; the wake-up is only a poke.** Each process has
  one tailer per event loop (``marblejar/realtime/fanout.py``) that reads the
  table from its own cursor when poked, or every
  ``MARBLEJAR_EVENTS_CATCHUP`` seconds whatever happens, and hands what it
  read to the process's streams in id order. Pokes carry no content, so a
  lost, duplicated or late poke costs latency at worst, never an event.

The poke crosses processes through Redis pub/sub when ``MARBLEJAR_REDIS_URL``
is set; otherwise through PostgreSQL's ``LISTEN/NOTIFY`` (the ``NOTIFY`` is
sent inside the insert's transaction, so it arrives once the event is
visible), or on SQLite by watching ``PRAGMA data_version``, which changes
when another connection commits.

Why not push the events themselves, as before? A pushed event that overtakes
an earlier one still in flight moves a reader's cursor past it for good, and
a process that misses a push (Redis down) has nothing to compare with. Read
in order from the table, an event is either not yet visible (and will be read
next time) or read exactly once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction

# Any constant works: it only has to be the same for every process of one
# installation, and no other code takes advisory locks.
ORDER_LOCK_KEY = int.from_bytes(hashlib.sha256(b"marblejar:events").digest()[:8], "big") >> 1
# Where a process hears of an event published elsewhere (Redis channel
# prefix; PostgreSQL NOTIFY channel).
CHANNEL_PREFIX = "marblejar:events:"
PG_CHANNEL = "marblejar_events"
# How much of the table one read returns; a reader loops until it is behind.
PAGE = 500
# Access notices go to a stream of their own per person: never shown, they
# tell that person's open streams to check at once whether they may go on.
ACCESS_KIND = "access_changed"


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    stream: str
    kind: str
    payload: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps(
            {"id": self.id, "stream": self.stream, "kind": self.kind, "payload": self.payload}
        )


def publish(*, organization_id: int, stream: str, kind: str, payload: dict[str, Any]) -> None:
    """Store an event and wake the live streams once the current transaction commits.

    Outside a transaction it happens at once. The payload holds ids and plain
    values only; subscribers render it for their own reader.
    """

    def send() -> None:
        event_id = store(organization_id=organization_id, stream=stream, kind=kind, payload=payload)
        from marblejar.realtime.fanout import wake

        wake(event_id)

    transaction.on_commit(send, robust=True)


def store(*, organization_id: int, stream: str, kind: str, payload: dict[str, Any]) -> int:
    """Insert one event so that its id follows commit order (see the module docstring).

    Every insert into the events table goes through here. Called after the
    state change has committed: the event gets its own short transaction.
    """
    from marblejar.realtime.fanout import notify_in_transaction
    from marblejar.realtime.models import Event

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ORDER_LOCK_KEY])
        event = Event.objects.create(
            organization_id=organization_id, stream=stream, kind=kind, payload=payload
        )
        notify_in_transaction(event.pk)
    return event.pk


def access_stream(user_id: int) -> str:
    return f"user:{user_id}"


def access_changed(*, user_id: int, organization_id: int | None) -> None:
    """Tell the person's open streams that what they may see has changed.

    Each stream then checks again, before it delivers anything published
    after this notice, and closes if the person may no longer read it.
    """
    if organization_id is None:
        return  # such an account cannot open a stream

    def send() -> None:
        try:
            event_id = store(
                organization_id=organization_id,
                stream=access_stream(user_id),
                kind=ACCESS_KIND,
                payload={},
            )
        except IntegrityError:
            return  # the organization itself was deleted: no stream of it is left
        from marblejar.realtime.fanout import wake

        wake(event_id)

    transaction.on_commit(send, robust=True)


def latest_event_id() -> int:
    from marblejar.realtime.models import Event

    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def events_after(
    *,
    streams: Iterable[str] | None,
    after_id: int,
    upto: int | None = None,
    limit: int = PAGE,
) -> list[Message]:
    """Stored events with an id above ``after_id`` (and at most ``upto``), oldest first.

    ``streams=None`` reads every stream (the tailer's read).
    """
    from marblejar.realtime.models import Event

    rows = Event.objects.filter(id__gt=after_id)
    if streams is not None:
        rows = rows.filter(stream__in=list(streams))
    if upto is not None:
        rows = rows.filter(id__lte=upto)
    return [
        Message(id=id_, stream=stream, kind=kind, payload=payload)
        for id_, stream, kind, payload in rows.order_by("id").values_list(
            "id", "stream", "kind", "payload"
        )[:limit]
    ]


def redis_channel() -> str:
    """The pub/sub channel of this installation.

    Named after the database, so that installations (or test runs) sharing
    one Redis never see each other's events.
    """
    name = str(connection.settings_dict["NAME"])
    return CHANNEL_PREFIX + hashlib.sha256(name.encode()).hexdigest()[:16]


def reset_broker() -> None:
    """Stop this process's fan-out (tests switch settings between runs)."""
    from marblejar.realtime.fanout import reset_fanout

    reset_fanout()
