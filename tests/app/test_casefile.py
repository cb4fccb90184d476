"""Case files: what goes in, that the same case gives the same bytes, and that any change is named."""

from __future__ import annotations

import base64
import io
import json
import os
import stat
import zipfile
import zlib
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ridgeline.app.casefiles import CaseContent, CentreKey, Evidence, export_case, fingerprint, verify_case
from ridgeline.app.casefiles.content import canonical_json
from ridgeline.errors import CaseFileError, CentreKeyError
from ridgeline.vision.privacy import PrivacyMask
from tests.app.case_content import (
    HOSTILE,
    INCIDENT,
    T0,
    WINDOW,
    evidence_jpeg,
    flip,
    member_spans,
    rezip,
    sample_case,
)

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
IMAGE = "evidence/mast-kinsman-01KB7Y2A0000000000000000S1.jpg"
MEMBERS = ["incident.json", "timeline.json", "events.geojson", "tracks.geojson", "report.html", IMAGE,
           "evidence/mast-kinsman-01KB7Y2A0000000000000000S2.jpg", "manifest.json", "manifest.sig"]


@cache
def _key() -> CentreKey:
    return CentreKey.generate()


@cache
def _case_bytes() -> bytes:
    """The sample case file, made once (hypothesis runs many examples on it)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "case.zip"
        export_case(sample_case(), path, _key(), "maria", NOW)
        return path.read_bytes()


def _case(tmp_path: Path, name: str = "case.zip") -> Path:
    path = tmp_path / name
    path.write_bytes(_case_bytes())
    return path


def _subjects(path: Path, trusted: bytes | None = None) -> list[str]:
    return [p.subject for p in verify_case(path, trusted).problems]


def test_a_case_file_holds_every_part_and_verifies(tmp_path: Path) -> None:
    path = tmp_path / "case.zip"
    done = export_case(sample_case(), path, _key(), "maria", NOW)
    assert (done.incident, done.files, done.fingerprint) == (INCIDENT, 7, _key().fingerprint())
    check = verify_case(path, _key().public_raw())
    assert check.ok and check.trusted and check.files == 7 and check.incident == INCIDENT, check.problems
    assert check.exported_at == "2026-12-01T09:30:00Z"
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist() == MEMBERS
        manifest = json.loads(zf.read("manifest.json"))
        events = json.loads(zf.read("events.geojson"))
        tracks = json.loads(zf.read("tracks.geojson"))
        image = zf.read(IMAGE)
        assert all(info.date_time == (2026, 12, 1, 9, 30, 0) for info in zf.infolist())
    assert [f["path"] for f in manifest["files"]] == sorted(MEMBERS[:-2])
    assert manifest["key"]["public"] == base64.b64encode(_key().public_raw()).decode()
    assert manifest["key"]["fingerprint"] == fingerprint(_key().public_raw())
    assert (manifest["incident"], manifest["exported_by"]) == (INCIDENT, "maria")
    # RFC 7946: longitude first; the tamper alarm has no position
    assert events["type"] == "FeatureCollection"
    assert [f["geometry"] and f["geometry"]["coordinates"] for f in events["features"]] == [
        [-71.8712, 44.0408], [-71.8695, 44.0421], None]
    assert events["features"][0]["properties"]["payload"]["count"] == 2
    assert "lon" not in events["features"][0]["properties"]
    line = tracks["features"][0]
    assert line["geometry"]["type"] == "LineString" and len(line["geometry"]["coordinates"]) == 6
    assert line["properties"]["times"][0] == "2026-11-30T02:14:05Z"
    # the evidence is the edge's JPEG, unchanged, its privacy mask still black
    assert image == sample_case().evidence[0].data
    decoded = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR)
    assert decoded[PrivacyMask([WINDOW]).covered(decoded.shape)].max() == 0
    assert decoded.max() > 100


def test_the_same_case_exported_twice_is_the_same_bytes(tmp_path: Path) -> None:
    first = export_case(sample_case(), tmp_path / "a.zip", _key(), "maria", NOW)
    second = export_case(sample_case(), tmp_path / "b.zip", _key(), "maria", NOW)
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    assert first.sha256 == second.sha256 and first.size == (tmp_path / "a.zip").stat().st_size
    export_case(sample_case(), tmp_path / "c.zip", _key(), "jonas", NOW)
    assert (tmp_path / "c.zip").read_bytes() != (tmp_path / "a.zip").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zip", "b.zip", "c.zip"]  # no temporary left


def test_the_report_escapes_what_operators_wrote(tmp_path: Path) -> None:
    path = tmp_path / "case.zip"
    export_case(sample_case(title="<img src=x onerror=alert(1)> crossing"), path, _key(), "maria", NOW)
    with zipfile.ZipFile(path) as zf:
        html = zf.read("report.html").decode()
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; &amp; &#34;quoted&#34;" in html
    assert "<title>Case 01KB7Y3M8Q2T5V9X1Z4C6E8G0J: &lt;img src=x onerror=alert(1)&gt; crossing</title>" in html
    assert "script-src 'none'" in html  # and no script would run if an escape were missed
    assert f'<img src="{IMAGE}"' in html
    assert "<th>outcome</th><td>apprehended</td>" in html and "<th>legal hold</th><td>yes</td>" in html
    assert html.count("<tr><td>2026-11-30T02:1") == 4 + 2  # the timeline's rows and the placed events'
    assert HOSTILE not in html


def test_a_changed_report_or_image_is_named(tmp_path: Path) -> None:
    path = _case(tmp_path)
    with zipfile.ZipFile(path) as zf:
        report, image = zf.read("report.html"), zf.read(IMAGE)
    for member, data in (("report.html", report.replace(b"apprehended", b"released!!!")),
                         (IMAGE, flip(image, len(image) // 2))):
        changed = tmp_path / "changed.zip"
        rezip(path, changed, change={member: data})
        problems = verify_case(changed, _key().public_raw()).problems
        assert [(p.subject, p.text.split(":")[0]) for p in problems] == [(member, "changed")], problems
        assert "SHA-256" in problems[0].text
    shorter = tmp_path / "shorter.zip"
    rezip(path, shorter, change={"report.html": report[:-1]})
    assert [str(p) for p in verify_case(shorter).problems] == [
        f"report.html: changed: {len(report) - 1} bytes, the manifest says {len(report)}"]


def test_a_byte_flipped_in_the_zip_itself_is_named(tmp_path: Path) -> None:
    path = _case(tmp_path)
    start, _ = member_spans(path)[IMAGE]
    path.write_bytes(flip(path.read_bytes(), start + 500))
    check = verify_case(path)
    assert [p.subject for p in check.problems] == [IMAGE] and "damaged" in check.problems[0].text


def test_a_removed_or_added_file_is_named(tmp_path: Path) -> None:
    path = _case(tmp_path)
    fewer, more = tmp_path / "fewer.zip", tmp_path / "more.zip"
    rezip(path, fewer, change={IMAGE: None})
    assert [str(p) for p in verify_case(fewer).problems] == [f"{IMAGE}: missing from the case file"]
    rezip(path, more, add={"evidence/": b""})  # packed again by hand: a folder entry holds nothing
    assert verify_case(more).ok
    rezip(path, more, add={"evidence/planted.jpg": b"\xff\xd8\xff\xe0 planted"})
    assert [str(p) for p in verify_case(more).problems] == [
        "evidence/planted.jpg: not listed in the manifest (added after signing)"]


def test_unsafe_or_repeated_paths_are_named_and_nothing_is_extracted(tmp_path: Path) -> None:
    path = _case(tmp_path)
    hostile = tmp_path / "hostile.zip"
    rezip(path, hostile, add={"../../etc/cron.d/x": b"* * * * * root sh", "/abs": b"x"})
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(hostile, "a") as zf:
        zf.writestr("report.html", b"<p>a second report</p>")
    problems = [str(p) for p in verify_case(hostile).problems]
    assert "../../etc/cron.d/x: unsafe path in the ZIP: '..' in the path" in problems
    assert "/abs: unsafe path in the ZIP: an absolute path" in problems
    assert "report.html: appears 2 times in the ZIP" in problems
    assert "../../etc/cron.d/x: not listed in the manifest (added after signing)" in problems
    assert not (tmp_path.parent.parent / "etc").exists() and sorted(os.listdir(tmp_path)) == ["case.zip",
                                                                                            "hostile.zip"]


def test_a_manifest_edited_to_cover_a_change_fails_its_signature(tmp_path: Path) -> None:
    path = _case(tmp_path)
    with zipfile.ZipFile(path) as zf:
        report, manifest = zf.read("report.html"), json.loads(zf.read("manifest.json"))
    forged_report = report.replace(b"apprehended", b"released!!!")
    import hashlib

    for entry in manifest["files"]:
        if entry["path"] == "report.html":
            entry["sha256"] = hashlib.sha256(forged_report).hexdigest()
    forged = tmp_path / "forged.zip"
    rezip(path, forged, change={"report.html": forged_report, "manifest.json": canonical_json(manifest, "m")})
    problems = verify_case(forged, _key().public_raw()).problems
    assert [p.subject for p in problems] == ["signature"], problems  # every file matches the forged manifest
    assert problems[0].text.startswith("fails: manifest.json was changed after it was signed")


def test_a_manifest_signed_with_another_key_fails_only_against_the_trusted_one(tmp_path: Path) -> None:
    path = _case(tmp_path)
    other = CentreKey.generate()
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    manifest["exported_by"] = "someone"
    manifest["key"] = {"algorithm": "Ed25519", "public": other.public_text(), "fingerprint": other.fingerprint()}
    data = canonical_json(manifest, "m")
    resigned = tmp_path / "resigned.zip"
    rezip(path, resigned, change={"manifest.json": data, "manifest.sig": base64.b64encode(other.sign(data))})
    untrusted = verify_case(resigned)
    assert untrusted.ok and not untrusted.trusted and untrusted.fingerprint == other.fingerprint()
    trusted = verify_case(resigned, _key().public_raw())
    assert [str(p) for p in trusted.problems] == [
        f"signature: made with key {other.fingerprint()}, not the trusted centre key {_key().fingerprint()}"]
    # a manifest that claims the centre's fingerprint beside another key
    manifest["key"]["fingerprint"] = _key().fingerprint()
    data = canonical_json(manifest, "m")
    rezip(path, resigned, change={"manifest.json": data, "manifest.sig": base64.b64encode(other.sign(data))})
    assert [str(p) for p in verify_case(resigned).problems] == [
        f"manifest.json: key fingerprint '{_key().fingerprint()}' is not that of its public key "
        f"({other.fingerprint()})"]
    # a signature moved from elsewhere, or none at all
    swapped, unsigned = tmp_path / "swapped.zip", tmp_path / "unsigned.zip"
    rezip(path, swapped, change={"manifest.sig": base64.b64encode(other.sign(b"something else"))})
    assert _subjects(swapped) == ["signature"]
    rezip(path, unsigned, change={"manifest.sig": None})
    assert [str(p) for p in verify_case(unsigned).problems] == ["manifest.sig: missing: the manifest is not signed"]


def test_a_manifest_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    path = _case(tmp_path)
    for data, why in ((b"{not json", "not valid JSON"), (b'{"format": "other/9"}', "format 'other/9'"),
                      (canonical_json({"format": "ridgeline-case/1", "key": {"algorithm": "Ed25519",
                                       "public": "c2hvcnQ="}, "files": []}, "m"), "5 bytes")):
        broken = tmp_path / "broken.zip"
        rezip(path, broken, change={"manifest.json": data})
        problems = verify_case(broken).problems
        assert [p.subject for p in problems] == ["manifest.json"] and why in problems[0].text, problems


def test_a_truncated_or_foreign_file_is_a_clear_error(tmp_path: Path) -> None:
    path = _case(tmp_path)
    whole = path.read_bytes()
    for cut in (len(whole) // 2, len(whole) - 1, 0):
        path.write_bytes(whole[:cut])
        with pytest.raises(CaseFileError, match=r"case\.zip: not a readable case file: the ZIP is truncated"):
            verify_case(path)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_byte_flipped_inside_any_member_that_changes_it_is_named(tmp_path_factory: pytest.TempPathFactory,
                                                     data: st.DataObject) -> None:
    path = tmp_path_factory.mktemp("flip") / "case.zip"
    path.write_bytes(_case_bytes())
    spans = member_spans(path)
    member = data.draw(st.sampled_from(sorted(spans)))
    start, length = spans[member]
    at = data.draw(st.integers(start, start + length - 1))
    flipped = flip(_case_bytes(), at, data.draw(st.integers(1, 255)))
    path.write_bytes(flipped)
    check = verify_case(path)
    subjects = [p.subject for p in check.problems]
    with zipfile.ZipFile(io.BytesIO(_case_bytes())) as zf:
        size = zf.getinfo(member).file_size
    if _holds(flipped, member, start, length, size) == _holds(_case_bytes(), member, start, length, size):
        # deflate has bits that carry nothing (the final-block flag of the only block, the
        # padding after the end-of-block code) and a reader stops at the member's size: the
        # member still holds what was signed
        assert subjects in ([], [member]), (member, check.problems)
    else:
        assert member in subjects, (member, check.problems)


def _holds(zip_bytes: bytes, member: str, start: int, length: int, size: int) -> bytes:
    """The first ``size`` bytes a member holds, inflated here byte by byte (not by zipfile) as far as it goes."""
    raw = zip_bytes[start:start + length]
    if member.startswith("evidence/"):  # stored
        return raw
    inflate, out = zlib.decompressobj(-15), b""
    try:
        for i in range(len(raw)):
            out += inflate.decompress(raw[i:i + 1])
    except zlib.error:
        pass
    return out[:size]


def test_content_that_cannot_make_a_case_file_is_refused(tmp_path: Path) -> None:
    good = sample_case()
    image = good.evidence[0]
    cases = {
        "evidence '../x': id '../x'": Evidence(id="../x", event="e", site="s", sensor="c", time=T0, data=image.data),
        "not a JPEG": Evidence(id="x", event="e", site="s", sensor="c", time=T0, data=b"GIF89a"),
    }
    for why, item in cases.items():
        with pytest.raises(CaseFileError, match=why):
            export_case(CaseContent(good.incident, evidence=[item]), tmp_path / "x.zip", _key(), "maria", NOW)
    bad_event = {**good.events[0], "lon": float("nan")}
    with pytest.raises(CaseFileError, match=r"events\.geojson: event 01KB7Y2A0000000000000000E1: position"):
        export_case(CaseContent(good.incident, events=[bad_event]), tmp_path / "x.zip", _key(), "maria", NOW)
    with pytest.raises(CaseFileError, match=r"timeline\.json: cannot be written as JSON"):
        export_case(CaseContent(good.incident, timeline=[{"refs": {1, 2}}]), tmp_path / "x.zip", _key(), "m", NOW)
    assert not (tmp_path / "x.zip").exists() and list(tmp_path.iterdir()) == []


def test_the_centre_key_is_made_once_private_and_a_corrupt_one_is_named(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "centre.key"
    key, created = CentreKey.load_or_create(path)
    assert created and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    again, created = CentreKey.load_or_create(path)
    assert not created and again.public_raw() == key.public_raw() and len(key.public_raw()) == 32
    assert key.fingerprint() == fingerprint(key.public_raw()) and len(key.fingerprint()) == 64
    assert os.listdir(path.parent) == ["centre.key"]  # no temporary left
    path.write_text(path.read_text()[:60])
    with pytest.raises(CentreKeyError, match=r"centre\.key: not a readable centre key"):
        CentreKey.load_or_create(path)
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    path.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    with pytest.raises(CentreKeyError, match=r"centre\.key: a \w+, not an Ed25519 key"):
        CentreKey.load(path)


def test_evidence_comes_from_a_stored_snapshot_unchanged() -> None:
    from ridgeline.store.snapshots import StoredSnapshot

    image = evidence_jpeg(1)
    stored = StoredSnapshot(site="mast-kinsman", id="S9", message_id="M9", event="E9", sensor="cam-north", time=T0,
                            received=NOW, media_type="image/jpeg", width=160, height=120, image=image)
    item = Evidence.of_snapshot(stored)
    assert (item.path, item.event, item.time, item.data) == ("evidence/mast-kinsman-S9.jpg", "E9", T0, image)
