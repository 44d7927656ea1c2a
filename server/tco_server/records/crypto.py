"""Record payloads at rest: AES-256-GCM with the operator's key (``--data-key-file``).

The key file holds 32 random bytes, as 64 hex digits or as base64 text (or the 32 raw bytes);
``python -m tco_server.records.crypto new-key FILE`` writes a fresh one (mode 0600). A sealed
payload is ``b"\\x01" + nonce (12 bytes) + ciphertext-with-tag``; the associated data binds it to
its record (``organization/record id``), so a sealed payload copied onto another record does not
open. The chain hashes the stored (sealed) bytes: VerifyRecords needs no key.

Without a key the payloads are stored as plain JSON and the server says so at start
(``records_unencrypted``).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tco_server.security import SecurityConfigError

#: First byte of a sealed payload (the format's version).
SEALED_V1 = b"\x01"
KEY_BYTES = 32
NONCE_BYTES = 12


class DataKeyError(SecurityConfigError):
    """The key file cannot be used (the message names the file, never its content)."""


class SealError(ValueError):
    """A sealed payload does not open with this key (wrong key, or the bytes were changed)."""


def parse_key(data: bytes, source: str = "data key file") -> bytes:
    """The 32-byte key from a key file's bytes: 64 hex digits, base64 text or 32 raw bytes."""
    text = data.strip()
    candidates: list[bytes] = []
    with contextlib.suppress(binascii.Error, ValueError):
        candidates.append(binascii.unhexlify(text))
    with contextlib.suppress(binascii.Error, ValueError):
        candidates.append(base64.b64decode(text, validate=True))
    candidates.append(data)
    for key in candidates:
        if len(key) == KEY_BYTES:
            return key
    raise DataKeyError(f"{source}: expected a 256-bit key (64 hex digits, base64, or 32 bytes)")


def load_key(path: str) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise DataKeyError(
            f"cannot read the data key file {path}: {type(error).__name__}"
        ) from None
    return parse_key(data, f"data key file {path}")


class Sealer:
    """Seals and opens record payloads with one AES-256-GCM key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise DataKeyError("a data key is 32 bytes")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, associated: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return SEALED_V1 + nonce + self._aead.encrypt(nonce, plaintext, associated)

    def open(self, sealed: bytes, associated: bytes) -> bytes:
        if sealed[:1] != SEALED_V1 or len(sealed) < 1 + NONCE_BYTES + 16:
            raise SealError("not a sealed payload")
        nonce = sealed[1 : 1 + NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, sealed[1 + NONCE_BYTES :], associated)
        except InvalidTag:
            raise SealError("the payload does not open with this key") from None


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tco_server.records.crypto new-key FILE``: write a fresh key (hex, mode 0600)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2 or args[0] != "new-key":
        print("usage: python -m tco_server.records.crypto new-key FILE", file=sys.stderr)
        return 2
    path = Path(args[1])
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        print(f"cannot create {path}: {type(error).__name__}", file=sys.stderr)
        return 2
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(os.urandom(KEY_BYTES).hex() + "\n")
    print(f"wrote a new data key to {path}; keep a copy: records sealed with it need it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
