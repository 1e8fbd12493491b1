"""Seal what the database must hold but not show: sealed blobs and keyed tags.

Databases keep old versions of what changes (SQLite's write-ahead log and free
pages, PostgreSQL's dead tuples and WAL, backups). Whatever links a person to
something anonymous is therefore never written in the clear, not even for a
moment: it is either *sealed* (encrypted) or a *keyed tag* (an HMAC of who and
where, which nobody can recompute without the key).

The keys are derived from ``SECRET_KEY``, which is kept outside the data folder
(see :mod:`marblejar.lib.secret`), so a copy of the database files alone opens
nothing. The cipher uses the standard library only: SHAKE-256 of key and a
fresh random nonce as the key stream, then HMAC-SHA-256 over nonce and
ciphertext (encrypt-then-MAC).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import struct
from collections.abc import Iterable

from django.conf import settings

NONCE_BYTES = 32
MAC_BYTES = 32
TAG_HEX = 32  # 128 bits


class SealError(ValueError):
    """The blob was changed, or sealed with another key."""


def derive_key(namespace: str, purpose: str) -> bytes:
    return hmac.digest(settings.SECRET_KEY.encode(), (namespace + purpose).encode(), "sha256")


def _xor(data: bytes, stream: bytes) -> bytes:
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(data), "big")


def encrypt(plain: bytes, *, namespace: str) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    stream = hashlib.shake_256(derive_key(namespace, "stream") + nonce).digest(len(plain))
    cipher = _xor(plain, stream) if plain else b""
    mac = hmac.digest(derive_key(namespace, "tag"), nonce + cipher, "sha256")
    return nonce + mac + cipher


def decrypt(blob: bytes | memoryview, *, namespace: str) -> bytes:
    blob = bytes(blob)
    nonce, mac = blob[:NONCE_BYTES], blob[NONCE_BYTES : NONCE_BYTES + MAC_BYTES]
    cipher = blob[NONCE_BYTES + MAC_BYTES :]
    expected = hmac.digest(derive_key(namespace, "tag"), nonce + cipher, "sha256")
    if len(blob) < NONCE_BYTES + MAC_BYTES or not hmac.compare_digest(mac, expected):
        raise SealError("the sealed data does not match its key")
    if not cipher:
        return b""
    stream = hashlib.shake_256(derive_key(namespace, "stream") + nonce).digest(len(cipher))
    return _xor(cipher, stream)


def seal_records(records: Iterable[bytes], *, slot: int, namespace: str) -> bytes:
    """Encrypt ``records``, each padded to ``slot`` bytes: every record takes the same room.

    Two versions of a sealed list therefore differ in size only by how many
    records they hold, never by what a record says.
    """
    plain = bytearray()
    for record in records:
        if len(record) > slot:
            raise ValueError("record too large for its slot")
        plain += struct.pack(">I", len(record)) + record.ljust(slot, b"\0")
    return encrypt(bytes(plain), namespace=namespace)


def unseal_records(blob: bytes | memoryview | None, *, slot: int, namespace: str) -> list[bytes]:
    if not blob:
        return []
    plain = decrypt(blob, namespace=namespace)
    size = 4 + slot
    records = []
    for start in range(0, len(plain), size):
        (length,) = struct.unpack(">I", plain[start : start + 4])
        records.append(plain[start + 4 : start + 4 + length])
    return records


def keyed_tag(namespace: str, *parts: object) -> str:
    """A tag that says "this person, here" to the server and to nobody holding only the data.

    Used where the server must recognise a person again (one vote each, "your
    notes") without storing who they are next to what they did.
    """
    message = "\x1f".join(str(p) for p in parts).encode()
    return hmac.new(derive_key(namespace, "tag-key"), message, "sha256").hexdigest()[:TAG_HEX]
