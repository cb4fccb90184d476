"""Hostile clients on the broker's host, on both brokers: only the centre confirms, a site speaks
only for itself, nobody takes another's session, and what is refused is kept, capped.

Each test reproduces a finding of issue 13 and prints its figures.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from typer.testing import CliRunner

from ridgeline.app.centre import Centre
from ridgeline.cli import app
from ridgeline.model import Envelope, Event, EventType, MessageType, new_id, utc_now
from ridgeline.store.deadletters import DeadLetterLimits
from ridgeline.transport.broker import BrokerConfig
from ridgeline.transport.outbox import Outbox
from ridgeline.transport.publisher import Publisher
from ridgeline.transport.wire import encode

from ..broker import Embedded, Mosquitto, probe
from ..conftest import wait_for
from .conftest import put_events

FORGED = b'{"ranges":[[1,999999]]}'


def refused(reason: object) -> bool:
    return isinstance(reason, str) or bool(reason.is_failure)  # type: ignore[attr-defined]


def close(*clients: mqtt.Client) -> None:
    for c in clients:
        with contextlib.suppress(Exception):
            c.disconnect()
        c.loop_stop()


def config(broker: Mosquitto | Embedded, user: str) -> BrokerConfig:
    return BrokerConfig.from_url(broker.url(user))


def test_strangers_are_refused_and_disturb_no_session(any_broker: Mosquitto | Embedded) -> None:
    centre, reason, centre_gone = probe(any_broker, "centre", client_id="centre")
    assert not refused(reason)
    for user, password in ((None, None), ("gorham", "wrong"), ("nobody", "pw"), ("centre", "wrong")):
        stranger, reason, _ = probe(any_broker, user, password, client_id="centre")
        assert refused(reason), (user, reason)
        close(stranger)
    # a site's own credentials with the centre's client id: its own session, not the centre's
    thief, reason, _ = probe(any_broker, "gorham", client_id="centre")
    time.sleep(1.0)
    assert not centre_gone.is_set(), "the centre was knocked off"
    close(thief, centre)


def test_only_the_centre_confirms_and_a_site_speaks_only_for_itself(any_broker: Mosquitto | Embedded) -> None:
    seen: list[str] = []
    acks: list[bytes] = []
    centre, _, _ = probe(any_broker, "centre")
    centre.on_message = lambda _c, _u, msg: seen.append(msg.topic)
    centre.subscribe("ridgeline/v1/+/+", qos=1)
    victim, _, _ = probe(any_broker, "gorham")
    victim.on_message = lambda _c, _u, msg: acks.append(msg.payload)
    victim.subscribe("ridgeline/v1/gorham/cmd/ack", qos=1)
    time.sleep(0.5)
    site, _, _ = probe(any_broker, "shelburne")
    for topic in ("ridgeline/v1/shelburne/events", "ridgeline/v1/gorham/events", "ridgeline/v1/gorham/cmd/ack",
                  "ridgeline/v1/shelburne/cmd/ack"):
        info = site.publish(topic, FORGED, qos=1)
        with contextlib.suppress(RuntimeError, ValueError):
            info.wait_for_publish(3)
    close(site)
    # a will that would confirm for another site, left behind by a connection that drops
    willer, reason, _ = probe(any_broker, "shelburne", will=("ridgeline/v1/gorham/cmd/ack", FORGED))
    if not refused(reason):
        willer.loop_stop()
        sock = willer.socket()
        if isinstance(sock, socket.socket):
            sock.shutdown(socket.SHUT_RDWR)
            sock.close()
    time.sleep(1.5)
    assert seen == ["ridgeline/v1/shelburne/events"]
    assert acks == [], "a site confirmed for another"
    close(centre, victim)


def test_forged_confirmations_delete_nothing(any_broker: Mosquitto | Embedded, tmp_path: Path) -> None:
    """Finding 1: a retained forged confirmation waiting before the site connects."""
    topic = "ridgeline/v1/gorham/cmd/ack"
    stranger, reason, _ = probe(any_broker, None)
    assert refused(reason)
    close(stranger)
    for user in ("gorham", "centre"):  # the site's own credentials: refused by the ACL; the centre's: retained
        forger, _, _ = probe(any_broker, user)
        with contextlib.suppress(RuntimeError, ValueError):
            forger.publish(topic, FORGED, qos=1, retain=True).wait_for_publish(3)
        close(forger)
    outbox = Outbox(tmp_path / "o.db", "gorham")
    put_events(outbox, 3000)
    publisher = Publisher(outbox, "gorham", config(any_broker, "gorham"), resend_after=5.0)
    centre = Centre(f"sqlite:///{tmp_path / 'c.db'}", config(any_broker, "centre"))
    try:
        publisher.start()
        assert wait_for(lambda: publisher.sent >= 3000 and publisher.ignored_acks >= 1, timeout=15)
        assert outbox.backlog() == 3000
        # not retained, but for seqs the site has not sent (nor yet handed out): ignored as well
        forger, _, _ = probe(any_broker, "centre")
        forger.publish(topic, b'{"ranges":[[3001,999999]]}', qos=1).wait_for_publish(3)
        close(forger)
        time.sleep(0.5)
        put_events(outbox, 100)
        centre.start()
        assert publisher.wait_drained(60), f"backlog {outbox.backlog()}"
        (report,) = centre.store.check(["gorham"])
        print(f"\n{type(any_broker).__name__}: stored {report.received} of 3100 events, "
              f"{publisher.ignored_acks} forged confirmation(s) ignored")
        assert (report.received, report.missing, report.duplicates) == (3100, 0, 0)
    finally:
        publisher.stop()
        centre.stop()
        outbox.close()


def test_forged_envelopes_displace_nothing_silently(broker: Mosquitto, tmp_path: Path, db_url: str) -> None:
    """Finding 2: envelopes reusing a site's seqs, stored before the real ones."""
    now = utc_now()
    forged = [Envelope(id=new_id(), site="gorham", seq=s, type=MessageType.EVENTS, time=now, sent=now,
                       payload=Event(type=EventType.TAMPER, time=now, detail={"forged": s}).model_dump(mode="json"))
              for s in range(1, 108)]
    centre = Centre(db_url, config(broker, "centre"))
    centre.start()
    outbox = Outbox(tmp_path / "o.db", "gorham")
    publisher = Publisher(outbox, "gorham", config(broker, "gorham"), resend_after=5.0)
    try:
        assert wait_for(lambda: centre.workers[0].counters.connected)
        for user in ("shelburne", "gorham"):  # another site: refused by the ACL; the site's own credentials
            forger, _, _ = probe(broker, user)
            sent = [forger.publish("ridgeline/v1/gorham/events", encode(env), qos=1) for env in forged]
            for info in sent:  # every PUBACK (a refused one too) before the forger leaves: a client closed
                info.wait_for_publish(10)  # with messages still queued would simply not send them
            close(forger)
        assert wait_for(lambda: [r.received for r in centre.store.check()[:1]] == [107])
        put_events(outbox, 107)
        publisher.start()
        assert publisher.wait_drained(30)
        (report,) = centre.store.check(["gorham"])
        letters = centre.store.dead_letters(site="gorham", reason="seq_conflict", with_raw=True)
        kept = [json.loads(d.raw)["payload"]["detail"]["i"] for d in letters if d.cut == 0]
        print(f"\nreal events kept whole as dead letters: {len(set(kept))} of 107; store check: conflicts "
              f"{report.conflicts}, quarantined {report.quarantined}, missing {report.missing}")
        assert sorted(kept) == list(range(107))
        assert (report.conflicts, report.quarantined, report.ok) == (107, 107, False)
    finally:
        publisher.stop()
        centre.stop()
        outbox.close()
    result = CliRunner().invoke(app, ["store", "check", "--db", db_url])
    assert result.exit_code == 1 and "107" in result.output, result.output
    shown = CliRunner().invoke(app, ["store", "dead-letters", "show", str(letters[0].pk), "--db", db_url])
    assert shown.exit_code == 0 and '"forged": 1' in shown.output and '"i": 0' in shown.output, shown.output


def test_a_flood_of_refusals_is_capped_and_a_retained_one_kept_once(broker: Mosquitto, tmp_path: Path) -> None:
    """Finding 6: 1 MB refusals as fast as a site can send them, and a retained one seen at every restart."""
    db = tmp_path / "c.db"
    limits = DeadLetterLimits(max_per_site=50, max_bytes_per_site=8 * 1024 * 1024)
    centre = Centre(f"sqlite:///{db}", config(broker, "centre"), dead_letters=limits)
    centre.start()
    flooder, _, _ = probe(broker, "gorham")
    try:
        assert wait_for(lambda: centre.workers[0].counters.connected)
        flooder.publish("ridgeline/v1/gorham/logs", b"\x00retained junk" * 70_000, qos=1, retain=True)
        started = time.monotonic()
        for i in range(200):
            flooder.publish("ridgeline/v1/gorham/events", b'{"seq": %d, "junk": "' % i + b"x" * 1_000_000 + b'"}',
                            qos=1)
        assert wait_for(lambda: centre.workers[0].counters.batches > 0
                        and sum(centre.workers[0].counters.dead.values()) >= 201, timeout=60)
        tally = centre.store.tallies()["gorham"]
        print(f"\n200 x 1 MB refusals in {time.monotonic() - started:.1f} s: dead letters kept {tally['dead_letters']}"
              f" ({tally['dead_bytes'] / 2**20:.1f} MiB), over the cap {tally['dead_overflow']} "
              f"({tally['dead_overflow_bytes'] / 2**20:.0f} MiB), database {db.stat().st_size / 2**20:.1f} MiB")
        assert tally["dead_letters"] <= 50 and tally["dead_bytes"] <= limits.max_bytes_per_site
        assert tally["dead_overflow"] >= 150
        assert db.stat().st_size < 24 * 1024 * 1024
    finally:
        close(flooder)
        centre.stop()
    for _ in range(2):  # the retained one comes again at each start: one row, counted
        again = Centre(f"sqlite:///{db}", config(broker, "centre"), dead_letters=limits)
        again.start()
        assert wait_for(lambda c=again: c.workers[0].counters.batches > 0, timeout=20)  # type: ignore[misc]
        again.stop()
    retained = [d for d in again.store.dead_letters(site="gorham") if d.topic.endswith("/logs")]
    print(f"retained refusal after two restarts: {len(retained)} row, seen {retained[0].repeats} times")
    assert len(retained) == 1 and retained[0].repeats == 3
