"""The centre's Ed25519 signing key, and the public keys a verifier trusts.

The private key lives in one file (PEM, PKCS#8, unencrypted: the centre signs without a
person typing a pass phrase), readable by its owner only (mode 0600).  It is created once,
written to a temporary file and linked into place, so a crash never leaves half a key and
two processes starting together never replace each other's key: the second one reads the
first one's.

A public key travels as the base64 text of its 32 raw bytes (one line, 44 characters):
what ``ridgeline case key`` prints and writes, what a case file's manifest carries, what
``ridgeline case verify --public-key`` reads (a PEM ``PUBLIC KEY`` block is accepted too).
Its fingerprint is the SHA-256 (hex) of those raw bytes, short enough to read out over the
phone when the key is handed to the police.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import tempfile
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ridgeline.errors import CentreKeyError, DataFileNotFoundError

log = logging.getLogger(__name__)

#: Where the centre keeps its key by default: beside the default database.
DEFAULT_KEY = Path("ridgeline-centre.key")
#: Bytes in a raw Ed25519 public key.
PUBLIC_KEY_BYTES = 32


def fingerprint(public_raw: bytes) -> str:
    """The SHA-256 (hex) of a raw public key: the name a person compares."""
    return hashlib.sha256(public_raw).hexdigest()


def public_text(public_raw: bytes) -> str:
    """A raw public key as one line of base64 (how case files and ``case key`` write it)."""
    return base64.b64encode(public_raw).decode("ascii")


def parse_public_key(text: str, source: str) -> bytes:
    """The raw 32 bytes of a public key given as base64 or as a PEM ``PUBLIC KEY`` block.

    ``source`` names where the text came from (a file, a manifest field) in the error.
    """
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode("ascii", "replace"))
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise CentreKeyError(f"{source}: not a readable PEM public key ({exc})") from None
        if not isinstance(key, Ed25519PublicKey):
            raise CentreKeyError(f"{source}: a {type(key).__name__}, not an Ed25519 public key")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise CentreKeyError(f"{source}: not a public key (expected base64 of {PUBLIC_KEY_BYTES} bytes "
                             "or a PEM PUBLIC KEY block)") from None
    if len(raw) != PUBLIC_KEY_BYTES:
        raise CentreKeyError(f"{source}: {len(raw)} bytes, an Ed25519 public key has {PUBLIC_KEY_BYTES}")
    return raw


def load_public_key(path: Path) -> bytes:
    """The raw public key in the file ``path`` (as ``ridgeline case key --out`` writes it)."""
    if not path.is_file():
        raise DataFileNotFoundError(f"{path}: public key file not found")
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise CentreKeyError(f"{path}: cannot read ({exc.strerror})") from None
    return parse_public_key(text, str(path))


class CentreKey:
    """The centre's signing key: signs case file manifests; its public half is handed out."""

    def __init__(self, private: Ed25519PrivateKey, path: Path | None = None) -> None:
        self._private = private
        #: The file the key was read from or written to (None for a key made in memory).
        self.path = path

    @classmethod
    def generate(cls) -> CentreKey:
        """A new key held in memory only (tests, and a key about to be written)."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load(cls, path: Path) -> CentreKey:
        """The key in ``path``, which must exist and hold an unencrypted Ed25519 PKCS#8 PEM key."""
        if not path.is_file():
            raise DataFileNotFoundError(f"{path}: centre key file not found")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CentreKeyError(f"{path}: cannot read the centre key ({exc.strerror})") from None
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise CentreKeyError(f"{path}: not a readable centre key (PEM PKCS#8 Ed25519 expected): "
                                 f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise CentreKeyError(f"{path}: a {type(key).__name__}, not an Ed25519 key")
        if os.name == "posix" and path.stat().st_mode & 0o077:
            log.warning("%s: the centre key is readable by others than its owner (chmod 600 it)", path)
        return cls(key, path)

    @classmethod
    def load_or_create(cls, path: Path) -> tuple[CentreKey, bool]:
        """The key in ``path``, made and written there (mode 0600) if the file does not exist.

        Returns the key and whether it was created now.  An existing file is never
        replaced: a key that signed case files already handed over must stay.
        """
        if path.exists():
            return cls.load(path), False
        key = cls.generate()
        pem = key._private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())
        folder = path.parent if str(path.parent) else Path(".")
        tmp: str | None = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)  # mode 0600
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
                fh.flush()
                os.fsync(fh.fileno())
            os.link(tmp, path)  # fails if another process made the key meanwhile: never overwrite
        except FileExistsError:
            return cls.load(path), False
        except OSError as exc:
            raise CentreKeyError(f"{path}: cannot write the centre key ({exc.strerror or exc})") from None
        finally:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
        key.path = path
        return key, True

    def public_raw(self) -> bytes:
        """The 32 raw bytes of the public key."""
        return self._private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def public_text(self) -> str:
        """The public key as one line of base64."""
        return public_text(self.public_raw())

    def fingerprint(self) -> str:
        """The SHA-256 (hex) of the raw public key."""
        return fingerprint(self.public_raw())

    def sign(self, data: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``data``."""
        return self._private.sign(data)
