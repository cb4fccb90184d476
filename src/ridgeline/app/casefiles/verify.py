"""Checking a case file: every file as signed, nothing added, the signature the centre's.

The checks, each failure a :class:`CaseProblem` naming the file or the signature:

* the ZIP opens (if not, :class:`CaseFileError` names the file: there is nothing to check);
* ``manifest.json`` and ``manifest.sig`` are there, and the manifest is one this version reads;
* the signature verifies against the public key written in the manifest;
* with ``trusted`` (the centre's public key, handed over beforehand), that key *is* the
  trusted one.  Without it the check proves only that whoever made the manifest held the
  key it names: anyone can edit a case file, write a new manifest and sign it with a key
  of their own.  The result then carries that key's fingerprint, to be compared by a
  person with the centre's, and says that it was not checked;
* every file the manifest lists is in the ZIP once, with its size and SHA-256, and can be
  read (a damaged member fails its CRC and is named);
* no file is in the ZIP that the manifest does not list (an empty folder entry, which
  ``zip -r`` adds when someone unpacks and packs a case file again, holds nothing and passes);
* no path in the ZIP is absolute, climbs with ``..`` or hides behind a backslash.

Nothing is ever extracted: members are read and hashed in memory, each no further than
the manifest says it reaches, so a hostile ZIP cannot write a file or fill the memory.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ridgeline.app.casefiles.export import FORMAT, MANIFEST, SIGNATURE
from ridgeline.app.casefiles.keys import fingerprint, parse_public_key
from ridgeline.errors import CaseFileError, CentreKeyError, DataFileNotFoundError

#: The subject of a problem with the signature itself.
SIGNATURE_SUBJECT = "signature"
#: The most a manifest or a signature may hold (a manifest lists a few hundred files).
MAX_MANIFEST = 16 << 20
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
#: What reading a damaged or hostile member can raise.
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError)


@dataclass(frozen=True)
class CaseProblem:
    """One thing wrong with a case file: ``subject`` is a file's path in it, or ``signature``."""

    subject: str
    text: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.text}"


@dataclass(frozen=True)
class CaseVerification:
    """The verdict on a case file: ``ok`` when nothing is wrong, else every problem found."""

    path: Path
    problems: list[CaseProblem] = field(default_factory=list)
    #: The files the manifest lists (all but the manifest and its signature).
    files: int = 0
    incident: str | None = None
    exported_at: str | None = None
    #: The fingerprint of the key written in the manifest (None if the manifest was unreadable).
    fingerprint: str | None = None
    #: Whether that key was checked against a trusted one and is it.
    trusted: bool = False

    @property
    def ok(self) -> bool:
        """Whether every file and the signature check out."""
        return not self.problems


def unsafe_path(name: str) -> str | None:
    """Why ``name`` could not be a case file's member (absolute, ``..``, backslash...), or None."""
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return "an absolute path"
    if "\\" in name:
        return "a backslash in the path"
    if any(ord(c) < 32 for c in name):
        return "a control character in the path"
    parts = name.removesuffix("/").split("/")
    if ".." in parts:
        return "'..' in the path"
    if any(p in ("", ".") for p in parts):
        return "an empty or '.' part in the path"
    return None


def _bare_folder(info: zipfile.ZipInfo) -> bool:
    """Whether a member is a folder entry holding nothing, as a ZIP packed again by hand may have."""
    return info.is_dir() and info.file_size == 0 and unsafe_path(info.filename) is None


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The member's bytes, at most ``limit`` + 1 of them (more says it is longer than allowed)."""
    with zf.open(info) as fh:
        return fh.read(limit + 1)


def _hash(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> tuple[int, str]:
    """Size and SHA-256 of a member, read to the end (its CRC checked) or to ``limit`` + 1 bytes."""
    digest, size = hashlib.sha256(), 0
    with zf.open(info) as fh:
        while size <= limit and (chunk := fh.read(min(1 << 20, limit + 1 - size))):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _manifest(data: bytes) -> dict[str, Any]:
    """The manifest's fields, checked for shape; a ``CaseFileError`` says what is wrong."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CaseFileError(f"not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise CaseFileError("not a JSON object")
    if doc.get("format") != FORMAT:
        raise CaseFileError(f"format {doc.get('format')!r} is not one this Ridgeline reads ({FORMAT})")
    key = doc.get("key")
    if not isinstance(key, dict) or not isinstance(key.get("public"), str) or key.get("algorithm") != "Ed25519":
        raise CaseFileError("no Ed25519 public key in 'key'")
    files = doc.get("files")
    if not isinstance(files, list):
        raise CaseFileError("no list of files")
    for entry in files:
        if not (isinstance(entry, dict) and isinstance(entry.get("path"), str)
                and isinstance(entry.get("size"), int) and not isinstance(entry.get("size"), bool)
                and entry["size"] >= 0 and isinstance(entry.get("sha256"), str)
                and SHA256_HEX.fullmatch(entry["sha256"])):
            raise CaseFileError(f"a file entry is not {{path, size, sha256}}: {str(entry)[:120]}")
    return doc


def verify_case(path: Path, trusted: bytes | None = None) -> CaseVerification:
    """Check the case file at ``path``; ``trusted`` is the centre's raw public key, if known.

    Raises only when there is nothing to check: the file is missing or is not a ZIP.
    """
    if not path.is_file():
        raise DataFileNotFoundError(f"{path}: case file not found")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise CaseFileError(f"{path}: not a readable case file: the ZIP is truncated or corrupt ({exc})") from None
    with zf:
        return _verify(path, zf, trusted)


def _verify(path: Path, zf: zipfile.ZipFile, trusted: bytes | None) -> CaseVerification:
    problems: list[CaseProblem] = []
    infos = zf.infolist()
    counts = Counter(info.filename for info in infos)
    members = {info.filename: info for info in infos}
    for name, n in counts.items():
        if n > 1:
            problems.append(CaseProblem(name, f"appears {n} times in the ZIP"))
        reason = unsafe_path(name)
        if reason is not None:
            problems.append(CaseProblem(name, f"unsafe path in the ZIP: {reason}"))

    raw: dict[str, bytes] = {}
    for name in (MANIFEST, SIGNATURE):
        if name not in members:
            problems.append(CaseProblem(name, "missing" + (": the manifest is not signed" if name == SIGNATURE
                                                           else ": nothing says what the case file holds")))
            continue
        try:
            raw[name] = _read(zf, members[name], MAX_MANIFEST)
        except _READ_ERRORS as exc:
            problems.append(CaseProblem(name, f"damaged in the ZIP ({exc})"))
            continue
        if len(raw[name]) > MAX_MANIFEST:
            problems.append(CaseProblem(name, f"larger than {MAX_MANIFEST} bytes"))
            del raw[name]
    if MANIFEST not in raw:
        return CaseVerification(path, problems)
    try:
        manifest = _manifest(raw[MANIFEST])
        public = parse_public_key(manifest["key"]["public"], f"{MANIFEST}: key.public")
    except (CaseFileError, CentreKeyError) as exc:
        problems.append(CaseProblem(MANIFEST, str(exc).removeprefix(f"{MANIFEST}: ")))
        return CaseVerification(path, problems)

    signer = fingerprint(public)
    is_trusted = False
    if SIGNATURE in raw:
        problem = _signature_problem(raw[SIGNATURE], raw[MANIFEST], public)
        if problem is not None:
            problems.append(problem)
        elif trusted is not None and public != trusted:
            problems.append(CaseProblem(SIGNATURE_SUBJECT, f"made with key {signer}, not the trusted centre key "
                                                           f"{fingerprint(trusted)}"))
        else:
            is_trusted = trusted is not None
    if manifest["key"].get("fingerprint") != signer:
        problems.append(CaseProblem(MANIFEST, f"key fingerprint {manifest['key'].get('fingerprint')!r} is not "
                                              f"that of its public key ({signer})"))

    listed: set[str] = set()
    for entry in manifest["files"]:
        name, size, sha = entry["path"], entry["size"], entry["sha256"]
        if name in listed or name in (MANIFEST, SIGNATURE) or unsafe_path(name) is not None:
            problems.append(CaseProblem(MANIFEST, f"lists {name!r} again, or a path a case file cannot hold"))
            continue
        listed.add(name)
        if name not in members:
            problems.append(CaseProblem(name, "missing from the case file"))
            continue
        try:
            got_size, got_sha = _hash(zf, members[name], size)
        except _READ_ERRORS as exc:
            problems.append(CaseProblem(name, f"damaged in the ZIP ({exc})"))
            continue
        if got_size != size:
            more = "more than " if got_size > size else ""
            problems.append(CaseProblem(name, f"changed: {more}{got_size} bytes, the manifest says {size}"))
        elif got_sha != sha:
            problems.append(CaseProblem(name, f"changed: SHA-256 {got_sha}, the manifest says {sha}"))
    for name in counts:
        if _bare_folder(members[name]):
            continue
        if name not in listed and name not in (MANIFEST, SIGNATURE):
            problems.append(CaseProblem(name, "not listed in the manifest (added after signing)"))
    incident, exported_at = manifest.get("incident"), manifest.get("exported_at")
    return CaseVerification(path, problems, files=len(manifest["files"]),
                            incident=incident if isinstance(incident, str) else None,
                            exported_at=exported_at if isinstance(exported_at, str) else None,
                            fingerprint=signer, trusted=is_trusted)


def _signature_problem(sig_text: bytes, manifest: bytes, public: bytes) -> CaseProblem | None:
    """What is wrong with the signature of ``manifest`` by ``public``, or None when it holds."""
    try:
        signature = base64.b64decode(sig_text.strip(), validate=True)
    except (binascii.Error, ValueError):
        signature = b""
    if len(signature) != 64:
        return CaseProblem(SIGNATURE, "not an Ed25519 signature (64 bytes, base64)")
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, manifest)
    except InvalidSignature:
        return CaseProblem(SIGNATURE_SUBJECT, f"fails: {MANIFEST} was changed after it was signed, or "
                                              f"{SIGNATURE} was made with another key than {fingerprint(public)}")
    return None
