"""Seal the answers of an open pulse so that the database alone cannot read them.

While a pulse is open its answers wait in one row (:class:`~marblejar.pulse.models.Ballot`).
Databases keep old versions of a row that changes (SQLite's write-ahead log,
PostgreSQL's dead tuples and WAL, backups taken while the pulse is open).
Someone holding two such versions and the participation table could see which
answer arrived with which person. Sealed, the versions differ only in random
bytes of a length that grows by the same amount for every person, whether they
wrote a comment or not.

The key is derived from ``SECRET_KEY``, which lives outside the database.
The cipher is SHAKE-256 of key and a fresh random nonce as the key stream,
then HMAC-SHA-256 over nonce and ciphertext (encrypt-then-MAC), both from the
standard library.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import struct

from django.conf import settings

from marblejar.pulse.models import COMMENT_MAX_LENGTH

NONCE_BYTES = 32
TAG_BYTES = 32
# Every record takes the same room: a comment of up to COMMENT_MAX_LENGTH
# characters, up to 4 bytes each in UTF-8, plus its length.
COMMENT_SLOT = COMMENT_MAX_LENGTH * 4
VALUES_SLOT = 64


class SealError(ValueError):
    """The sealed ballot was changed or sealed with another key."""


def _key(purpose: str) -> bytes:
    return hmac.digest(
        settings.SECRET_KEY.encode(), b"marblejar.pulse.ballot." + purpose.encode(), "sha256"
    )


def _xor(data: bytes, stream: bytes) -> bytes:
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(data), "big")


def seal(records: list[tuple[str, str]]) -> bytes:
    """Encrypt ``records`` of (values, comment) into fixed-size slots."""
    plain = bytearray()
    for values, comment in records:
        raw_values = values.encode("ascii")
        raw_comment = comment.encode("utf-8")
        if len(raw_values) > VALUES_SLOT or len(raw_comment) > COMMENT_SLOT:
            raise ValueError("record too large")
        plain += struct.pack(">BH", len(raw_values), len(raw_comment))
        plain += raw_values.ljust(VALUES_SLOT, b"\0") + raw_comment.ljust(COMMENT_SLOT, b"\0")
    nonce = secrets.token_bytes(NONCE_BYTES)
    stream = hashlib.shake_256(_key("stream") + nonce).digest(len(plain)) if plain else b""
    cipher = _xor(bytes(plain), stream) if plain else b""
    tag = hmac.digest(_key("tag"), nonce + cipher, "sha256")
    return nonce + tag + cipher


def unseal(blob: bytes | memoryview | None) -> list[tuple[str, str]]:
    if not blob:
        return []
    blob = bytes(blob)
    nonce, tag, cipher = (
        blob[:NONCE_BYTES],
        blob[NONCE_BYTES : NONCE_BYTES + TAG_BYTES],
        blob[NONCE_BYTES + TAG_BYTES :],
    )
    if not hmac.compare_digest(tag, hmac.digest(_key("tag"), nonce + cipher, "sha256")):
        raise SealError("the sealed ballot does not match its key")
    plain = (
        _xor(cipher, hashlib.shake_256(_key("stream") + nonce).digest(len(cipher)))
        if cipher
        else b""
    )
    size = 3 + VALUES_SLOT + COMMENT_SLOT
    records = []
    for start in range(0, len(plain), size):
        n_values, n_comment = struct.unpack(">BH", plain[start : start + 3])
        body = plain[start + 3 : start + size]
        values = body[:n_values].decode("ascii")
        comment = body[VALUES_SLOT : VALUES_SLOT + n_comment].decode("utf-8")
        records.append((values, comment))
    return records
