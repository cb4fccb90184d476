"""``ridgeline store``: the centre's database — the sequence check, the purge and the dead letters."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from ridgeline.app.database import open_existing as _open
from ridgeline.cli.console import err, out
from ridgeline.errors import RidgelineError

store_app = typer.Typer(help="The centre's database.", no_args_is_help=True)
dead_app = typer.Typer(help="What the centre refused: list, read, replay once the cause is fixed.",
                       no_args_is_help=True)
store_app.add_typer(dead_app, name="dead-letters")

DbOpt = Annotated[str, typer.Option("--db", help="Database URL (the database must exist).")]
DEFAULT_DB = "sqlite:///ridgeline-centre.db"
JsonOpt = Annotated[bool, typer.Option("--json", help="JSON on stdout instead of a table.")]


class DeadReason(StrEnum):
    """Why the centre refused a message, as ``--reason`` takes it (the values of ``transport.wire.Reason``)."""

    too_large = "too_large"
    bad_topic = "bad_topic"
    malformed_json = "malformed_json"
    schema = "schema"
    site_mismatch = "site_mismatch"
    type_mismatch = "type_mismatch"
    future_clock = "future_clock"
    seq_conflict = "seq_conflict"
    store_error = "store_error"


def _ranges(ranges: list[tuple[int, int]], most: int = 10) -> str:
    shown = ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges[:most])
    return shown + (" ..." if len(ranges) > most else "")


@store_app.command("check")
def check(
    db: DbOpt = DEFAULT_DB,
    sector_file: Annotated[
        Path | None, typer.Option("--sector", help="Sector file: list every one of its sites, heard from or not.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Per site: every seq stored, quarantined (a dead letter), purged, pending at the site, or missing.

    Exit 1 if any seq is missing or stored twice, two messages claim one seq, or a site's
    refusals passed its dead-letter cap.
    """
    expected: list[str] = []
    if sector_file is not None:
        from ridgeline.config import load_sector

        expected = [s.id for s in load_sector(sector_file).sites]
    store = _open(db)
    reports = store.check(expected)
    dead = store.dead_letter_counts()
    store.close()
    if as_json:
        rows = [{**r.__dict__, "seen": r.seen.isoformat() if r.seen else None, "ok": r.ok} for r in reports]
        out.print_json(json.dumps({"sites": rows, "dead_letters": dead}))
    else:
        _check_table(reports, dead)
    if not all(r.ok for r in reports):
        raise typer.Exit(code=1)


def _check_table(reports: list[Any], dead: dict[str, int]) -> None:
    def red(n: int) -> str:
        return f"[red]{n}[/]" if n else "0"

    seqs = Table(title="Seqs per site", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for col in ("site", "stored", "last seq", "missing", "quarantined", "conflicts", "doubled"):
        seqs.add_column(col, justify="left" if col == "site" else "right", no_wrap=True)
    for r in reports:
        seqs.add_row(r.site, str(r.received), str(max(r.max_seq, r.reported_seq)) if r.heard else "-",
                     red(r.missing),
                     f"[yellow]{r.quarantined}[/]" if r.quarantined else "0", red(r.conflicts), red(r.duplicates))
    out.print(seqs)
    tallies = Table(title="Also per site", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for col in ("site", "pending", "purged", "redelivered", "thinned", "clock ahead", "over cap", "online"):
        tallies.add_column(col, justify="left" if col == "site" else "right", no_wrap=True)
    for r in reports:
        if r.pending or r.purged or r.redelivered or r.thinned or r.clock_ahead or r.dead_overflow:
            tallies.add_row(r.site, str(r.pending), str(r.purged), str(r.redelivered), str(r.thinned),
                            str(r.clock_ahead), red(r.dead_overflow),
                            "-" if r.online is None else ("yes" if r.online else "no"))
    if tallies.row_count:
        out.print(tallies)
    silent = [r.site for r in reports if not r.heard]
    if silent:
        out.print(f"never heard from: {', '.join(silent)}", highlight=False)
    for r in reports:
        if r.missing_ranges:
            label = "missing" if r.missing else "pending"
            out.print(f"{r.site} {label} seqs: {_ranges(r.missing_ranges)}", highlight=False)
    if dead:
        out.print("dead letters: " + ", ".join(f"{k} {v}" for k, v in sorted(dead.items()))
                  + "  (ridgeline store dead-letters list)", highlight=False)


@store_app.command("purge")
def purge(
    db: DbOpt = DEFAULT_DB,
    sector_file: Annotated[
        Path | None, typer.Option("--sector", help="Sector file whose retention applies (the defaults without).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would go; remove nothing.")] = False,
) -> None:
    """Remove evidence and messages past their retention, keeping what incidents hold; audited."""
    from ridgeline.app.database import opened
    from ridgeline.app.retention import purge_expired
    from ridgeline.config.sector import RetentionConfig
    from ridgeline.model import utc_now

    retention = RetentionConfig()
    if sector_file is not None:
        from ridgeline.config import load_sector

        retention = load_sector(sector_file).retention
    with opened(db) as store:
        report = purge_expired(store, retention, utc_now(), dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    kinds = ", ".join(f"{n} {kind}" for kind, n in report.messages.items()) or "none"
    out.print(f"messages received before {report.events_before:%Y-%m-%d %H:%M} UTC: {verb} {kinds}",
              highlight=False)
    out.print(f"evidence images received before {report.evidence_before:%Y-%m-%d %H:%M} UTC: {verb} "
              f"{report.snapshots}", highlight=False)
    if report.unit_positions:
        out.print(f"units' position reports received before {report.events_before:%Y-%m-%d %H:%M} UTC: {verb} "
                  f"{report.unit_positions}", highlight=False)
    for why, label in (("legal_hold", "legal hold"), ("open_incident", "open incidents")):
        per = report.held.get(why, {})
        out.print(f"held back by {label}: {per.get('messages', 0)} messages, {per.get('snapshots', 0)} images",
                  highlight=False)
    if report.audit_seqs:
        err.print(f"audit entries {', '.join(map(str, report.audit_seqs))}")


@dead_app.command("list")
def dead_list(
    db: DbOpt = DEFAULT_DB,
    site: Annotated[str | None, typer.Option(help="Only this site's.")] = None,
    reason: Annotated[DeadReason | None, typer.Option(help="Only this reason.")] = None,
    include_resolved: Annotated[bool, typer.Option("--all", help="Resolved ones too.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, oldest first.")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """Dead letters, oldest first."""
    store = _open(db)
    letters = store.dead_letters(site=site, reason=reason.value if reason else None, unresolved=not include_resolved,
                                 limit=limit)
    store.close()
    if as_json:
        out.print_json(json.dumps([_letter_dict(d) for d in letters]))
        return
    table = Table(title="Dead letters", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    columns = ["id", "received (UTC)", "site", "seq", "reason", "bytes", "repeats"]
    for col in [*columns, "resolved"] if include_resolved else columns:
        table.add_column(col, no_wrap=True, justify="right" if col in ("id", "seq", "bytes", "repeats") else "left")
    for d in letters:
        size = f"{d.size} (cut {d.cut})" if d.cut else str(d.size)
        row = [str(d.pk), d.received.strftime("%Y-%m-%d %H:%M:%S"), d.site or "?", str(d.seq or "-"), d.reason,
               size, str(d.repeats)]
        table.add_row(*row, *(["yes" if d.resolved else "no"] if include_resolved else []))
    out.print(table)
    if not letters:
        err.print("no dead letters" + (" matching" if site or reason else ""))


def _letter_dict(d: Any, raw: bool = False) -> dict[str, Any]:
    data = {k: v for k, v in d.__dict__.items() if k != "raw"}
    for k in ("received", "last_received", "resolved"):
        data[k] = data[k].isoformat() if data[k] else None
    if raw:  # as JSON where it is JSON, so it reads as the envelope it was
        try:
            data["raw"] = json.loads(d.raw)
        except (ValueError, RecursionError):
            data["raw"] = d.raw.decode(errors="replace")
    return data


@dead_app.command("show")
def dead_show(
    letter_id: Annotated[int, typer.Argument(help="The dead letter's id (from `list`).")],
    db: DbOpt = DEFAULT_DB,
    raw_out: Annotated[Path | None, typer.Option("--raw", help="Write its bytes to this file.")] = None,
) -> None:
    """One dead letter in full: why it was refused, its bytes, and for a seq conflict the message that holds the seq."""
    store = _open(db)
    found = store.dead_letters([letter_id], unresolved=False, with_raw=True)
    if not found:
        raise RidgelineError(f"no dead letter {letter_id} in {db}")
    letter = found[0]
    holder = store.message_at(letter.site, letter.seq) if letter.site and letter.seq else None
    store.close()
    data = _letter_dict(letter, raw=raw_out is None)
    if holder is not None:
        data["stored_at_this_seq"] = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in holder.items()}
    out.print_json(json.dumps(data, default=str))
    if raw_out is not None:
        raw_out.write_bytes(letter.raw)
        err.print(f"{len(letter.raw)} bytes written to {raw_out}")


@dead_app.command("replay")
def dead_replay(
    letter_ids: Annotated[list[int] | None, typer.Argument(help="Ids to replay (from `list`).")] = None,
    db: DbOpt = DEFAULT_DB,
    site: Annotated[str | None, typer.Option(help="Every open dead letter of this site.")] = None,
    reason: Annotated[DeadReason | None, typer.Option(help="Every open dead letter with this reason.")] = None,
    sector_file: Annotated[
        Path | None, typer.Option("--sector", help="Sector file: run its rules on what is stored (alerts).")
    ] = None,
) -> None:
    """Judge dead letters again (after fixing a clock, a schema...); store and resolve what is accepted now."""
    if not letter_ids and site is None and reason is None:
        raise typer.BadParameter("give dead letter ids, --site or --reason")
    from ridgeline.transport.deadletter_replay import replay_dead_letters

    store = _open(db)
    hook = None
    if sector_file is not None:
        from ridgeline.config import load_sector
        from ridgeline.rules.engine import RuleEngine
        from ridgeline.rules.service import AlertService

        hook = AlertService(store, RuleEngine(list(load_sector(sector_file).rules))).apply
    letters = store.dead_letters(letter_ids or (), site=site, reason=reason.value if reason else None,
                                 unresolved=not letter_ids,
                                 with_raw=True)
    missing = set(letter_ids or ()) - {d.pk for d in letters}
    if missing:
        raise RidgelineError(f"no dead letter {', '.join(map(str, sorted(missing)))} in {db}")
    outcomes = replay_dead_letters(store, letters, hook=hook)
    store.close()
    for o in outcomes:
        out.print(f"{o.pk}: {o.outcome}", highlight=False)
    done = sum(o.resolved for o in outcomes)
    err.print(f"{done} of {len(outcomes)} replayed")
    if done < len(outcomes):
        raise typer.Exit(code=1)
