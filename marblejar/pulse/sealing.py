"""Seal the answers of an open pulse so that the database alone cannot read them.

While a pulse is open its answers wait in one row (:class:`~marblejar.pulse.models.Ballot`),
reshuffled and sealed again on every answer (see :mod:`marblejar.lib.sealing`
for why and how). Every record takes the same room: the answers, and a comment
padded to the longest allowed, so the ballot grows by the same number of bytes
whoever answers and whatever they write.
"""

from __future__ import annotations

import struct

from marblejar.lib.sealing import SealError, decrypt, encrypt
from marblejar.pulse.models import COMMENT_MAX_LENGTH

__all__ = ["SealError", "seal", "unseal"]

NAMESPACE = "marblejar.pulse.ballot."
# A comment of up to COMMENT_MAX_LENGTH characters, up to 4 bytes each in UTF-8.
COMMENT_SLOT = COMMENT_MAX_LENGTH * 4
VALUES_SLOT = 64
RECORD = 3 + VALUES_SLOT + COMMENT_SLOT


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
    return encrypt(bytes(plain), namespace=NAMESPACE)


def unseal(blob: bytes | memoryview | None) -> list[tuple[str, str]]:
    if not blob:
        return []
    plain = decrypt(blob, namespace=NAMESPACE)
    records = []
    for start in range(0, len(plain), RECORD):
        n_values, n_comment = struct.unpack(">BH", plain[start : start + 3])
        body = plain[start + 3 : start + RECORD]
        values = body[:n_values].decode("ascii")
        comment = body[VALUES_SLOT : VALUES_SLOT + n_comment].decode("utf-8")
        records.append((values, comment))
    return records
