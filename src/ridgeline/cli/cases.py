"""``ridgeline case``: case files for handover: check one, hand out the centre's public key.

``case key`` prints the centre's public key as one line of base64 (the 32 raw bytes) and
its fingerprint, making the key if there is none; ``--out`` writes that line to a file to
hand to the police beforehand.  ``case verify --public-key`` reads such a file (or a PEM
``PUBLIC KEY`` block).  ``case export`` writes an incident's case file, signed with the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ridgeline.cli.alerts import DEFAULT_DB, ActorOpt, DbOpt
from ridgeline.cli.console import err, out

case_app = typer.Typer(help="Case files for handover: a signed ZIP of an incident; check one; the centre's key.",
                       no_args_is_help=True)
KeyOpt = Annotated[Path, typer.Option("--key", help="The centre's signing key (PEM), made here if missing.")]
#: ``app.casefiles.DEFAULT_KEY``, beside the default database (written here so ``--help`` loads no cryptography).
DEFAULT_KEY_PATH = Path("ridgeline-centre.key")


@case_app.command("export")
def case_export(
    incident: Annotated[str, typer.Argument(help="The incident to hand over.")],
    out_path: Annotated[Path, typer.Option("--out", help="The case file to write (ZIP).")],
    key: KeyOpt = DEFAULT_KEY_PATH,
    by: ActorOpt = "supervisor",
    db: DbOpt = DEFAULT_DB,
) -> None:
    """Export an incident as a case file: its timeline, events and tracks (GeoJSON), evidence images, an HTML
    report, and a manifest of SHA-256s signed with the centre's Ed25519 key; the export is audited."""
    from ridgeline.app.cases import export_incident
    from ridgeline.app.database import opened

    with opened(db) as store:
        done = export_incident(store, incident, out_path, key, by)
    out.print(f"{done.path}: {done.files} files, {done.size} bytes, sha256 {done.sha256}, signed by "
              f"{done.fingerprint}", highlight=False, soft_wrap=True)


@case_app.command("verify")
def case_verify(
    case: Annotated[Path, typer.Argument(help="The case file (ZIP) to check.")],
    public_key: Annotated[Path | None, typer.Option(
        "--public-key", help="The centre's public key ('ridgeline case key --out'): the manifest must be signed "
        "with it. Without it the signing key's fingerprint is shown, not checked.")] = None,
) -> None:
    """Check a case file: exit 0 when every file and the signature check out, 1 naming each file changed,
    missing or added, or the signature that fails."""
    from ridgeline.app.casefiles import load_public_key, verify_case

    trusted = load_public_key(public_key) if public_key is not None else None
    check = verify_case(case, trusted)
    if not check.ok:
        for problem in check.problems:
            err.print(str(problem), highlight=False, soft_wrap=True, markup=False)
        raise typer.Exit(code=1)
    how = "trusted key" if check.trusted else "not checked against a trusted key"
    out.print(f"ok: {check.files} files, signed by {check.fingerprint} ({how})", highlight=False, soft_wrap=True)


@case_app.command("key")
def case_key(
    key: KeyOpt = DEFAULT_KEY_PATH,
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="Also write the public key (one line of base64) to this file, to hand over.")] = None,
) -> None:
    """Print the centre's public key (base64 of its 32 raw bytes) and fingerprint; make the key if missing."""
    from ridgeline.app.casefiles import CentreKey
    from ridgeline.errors import CentreKeyError

    centre, created = CentreKey.load_or_create(key)
    if created:
        err.print(f"made a new centre key in {key} (keep it secret; mode 0600)", highlight=False, soft_wrap=True)
    if out_file is not None:
        try:
            out_file.write_text(centre.public_text() + "\n", encoding="ascii")
        except OSError as exc:
            raise CentreKeyError(f"{out_file}: cannot write the public key ({exc.strerror})") from None
    out.print(f"public key: {centre.public_text()}", highlight=False, soft_wrap=True)
    out.print(f"fingerprint: {centre.fingerprint()}", highlight=False, soft_wrap=True)
