"""``ridgeline case key`` and ``case verify``: the key handed over, then a case file checked with it."""

from __future__ import annotations

import base64
import stat
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from ridgeline.app.casefiles import CentreKey, export_case
from tests.app.case_content import rezip, sample_case
from tests.cli.runner import flat, one_line_error, run

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _handed_over(tmp_path: Path) -> tuple[Path, Path, str]:
    """The centre makes its key and hands the public half over, then exports a case: (case, public key, fp)."""
    key_path, public = tmp_path / "centre.key", tmp_path / "centre.pub"
    code, output = run("case", "key", "--key", str(key_path), "--out", str(public))
    assert code == 0 and f"made a new centre key in {key_path}" in flat(output), output
    key = CentreKey.load(key_path)
    assert f"public key: {key.public_text()}" in output and f"fingerprint: {key.fingerprint()}" in output
    assert public.read_text() == key.public_text() + "\n"
    case = tmp_path / "case.zip"
    export_case(sample_case(), case, key, "maria", NOW)
    return case, public, key.fingerprint()


def test_case_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    key_path = tmp_path / "centre.key"
    code, first = run("case", "key", "--key", str(key_path))
    assert code == 0 and stat.S_IMODE(key_path.stat().st_mode) == 0o600, first
    code, second = run("case", "key", "--key", str(key_path))
    assert code == 0 and "made a new" not in second
    assert second.strip().splitlines() == first.strip().splitlines()[-2:]
    assert len(base64.b64decode(second.split()[2])) == 32
    key_path.write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    one_line_error(*run("case", "key", "--key", str(key_path)), "centre.key: not a readable centre key")


def test_case_verify_says_ok_and_by_whose_key(tmp_path: Path) -> None:
    case, public, fp = _handed_over(tmp_path)
    code, output = run("case", "verify", str(case), "--public-key", str(public))
    assert code == 0 and flat(output) == f"ok: 7 files, signed by {fp} (trusted key)", output
    code, output = run("case", "verify", str(case))
    assert code == 0 and flat(output) == f"ok: 7 files, signed by {fp} (not checked against a trusted key)", output


def test_case_verify_names_the_changed_file_and_the_failing_signature(tmp_path: Path) -> None:
    case, public, _ = _handed_over(tmp_path)
    with zipfile.ZipFile(case) as zf:
        report = zf.read("report.html")
    changed = tmp_path / "changed.zip"
    rezip(case, changed, change={"report.html": report.replace(b"apprehended", b"let go, ok.")})
    code, output = run("case", "verify", str(changed), "--public-key", str(public))
    assert code == 1 and flat(output).startswith("report.html: changed: SHA-256 "), output
    assert len(output.strip().splitlines()) == 1
    other = CentreKey.generate()
    resigned = tmp_path / "resigned.zip"
    rezip(case, resigned, change={"manifest.sig": base64.b64encode(other.sign(b"{}"))})
    code, output = run("case", "verify", str(resigned), "--public-key", str(public))
    assert code == 1 and flat(output).startswith("signature: fails: manifest.json was changed"), output


def test_case_verify_of_a_truncated_zip_or_a_bad_key_is_one_clear_error(tmp_path: Path) -> None:
    case, public, _ = _handed_over(tmp_path)
    case.write_bytes(case.read_bytes()[:1000])
    one_line_error(*run("case", "verify", str(case)), "case.zip: not a readable case file", "truncated")
    one_line_error(*run("case", "verify", str(tmp_path / "none.zip")), "none.zip: case file not found")
    public.write_text("not a key\n")
    one_line_error(*run("case", "verify", str(case), "--public-key", str(public)), "centre.pub: not a public key")


def test_case_commands_have_help() -> None:
    from ridgeline.app.casefiles import DEFAULT_KEY
    from ridgeline.cli.cases import DEFAULT_KEY_PATH

    assert DEFAULT_KEY_PATH == DEFAULT_KEY
    for command in ("verify", "key"):
        code, output = run("case", command, "--help")
        assert code == 0 and "Usage" in output, output


def test_an_incident_exported_from_the_database_verifies_and_a_changed_image_is_named(tmp_path: Path) -> None:
    from tests.alerting import Centre

    centre = Centre(f"sqlite:///{tmp_path / 'centre.db'}")
    first = centre.feed("trk-1", 0, lon=-71.30, lat=44.27, snapshot=True)
    alert = centre.alert_of(first)
    centre.close()
    db = f"sqlite:///{tmp_path / 'centre.db'}"
    code, output = run("incident", "open", alert, "--title", "Crossing", "--db", db, "--by", "maria")
    assert code == 0, output
    incident = output.strip()
    key, case = tmp_path / "centre.key", tmp_path / "case.zip"
    code, output = run("case", "export", incident, "--out", str(case), "--key", str(key), "--db", db, "--by", "lead")
    assert code == 0 and f"{case}: " in flat(output) and "signed by" in output, output
    public = tmp_path / "centre.pub"
    assert run("case", "key", "--key", str(key), "--out", str(public))[0] == 0
    code, output = run("case", "verify", str(case), "--public-key", str(public))
    assert code == 0 and "(trusted key)" in output, output
    with zipfile.ZipFile(case) as zf:
        [image] = [n for n in zf.namelist() if n.startswith("evidence/")]
        data = bytearray(zf.read(image))
    data[len(data) // 2] ^= 0x20  # one byte of the evidence image changed
    tampered = tmp_path / "tampered.zip"
    rezip(case, tampered, {image: bytes(data)})
    code, output = run("case", "verify", str(tampered), "--public-key", str(public))
    assert code == 1 and image in output and "report.html" not in output, output
