"""The edge's resend policy: confirmations only of what it awaits; again on evidence of loss; probes paced."""

from __future__ import annotations

from ridgeline.transport.unconfirmed import Unconfirmed


def test_only_awaited_seqs_are_confirmed() -> None:
    window = Unconfirmed(limit=10)
    window.sent([1, 2, 3], now=0.0)
    assert window.confirm([(1, 999_999)]) == [1, 2, 3]  # a wide range costs no more than the window
    assert window.ignored == 999_996 and len(window) == 0 and window.room() == 10
    window.sent([4, 5], now=0.0)
    assert window.confirm([(5, 5), (7, 9)]) == [5] and 4 in window


def test_a_silent_centre_gets_paced_probes_not_the_whole_window_again() -> None:
    window = Unconfirmed(limit=20_000, resend_after=15.0, probe_size=200)
    window.sent(range(1, 20_001), now=0.0)
    resent = 0
    probes_at = []
    for tick in range(0, 106 * 2):  # 105 s of silence, checked twice a second
        now = tick / 2
        due = window.due(now, most=100_000)
        if due:
            probes_at.append(now)
            window.sent(due, now)
            resent += len(due)
    assert probes_at == [15.0, 45.0, 105.0] and resent == 600  # not 7 x 20,000


def test_seqs_shown_lost_are_sent_again_and_those_merely_waiting_are_not() -> None:
    window = Unconfirmed(limit=1000, resend_after=5.0, probe_size=10)
    window.sent(range(1, 101), now=0.0)  # lost by a broker that died
    window.sent(range(101, 201), now=1.0)  # sent after it came back
    window.confirm([(101, 150)])  # the centre confirms the later ones: the first hundred were lost
    due = window.due(6.5, most=1000)
    assert due[:100] == list(range(1, 101))
    assert set(due[100:]) <= set(range(151, 201)) and len(due) <= 110  # of the waiting ones, one probe at most


def test_a_window_the_broker_dropped_whole_comes_back_in_growing_probes() -> None:
    window = Unconfirmed(limit=20_000, resend_after=5.0, probe_size=200)
    window.sent(range(1, 20_001), now=0.0)  # all lost: no centre session at the broker
    sizes = []
    now = 5.0
    while len(window) and now < 60:
        due = window.due(now, most=100_000)
        if due:
            sizes.append(len(due))
            window.sent(due, now)
            window.confirm([(min(due), max(due))])  # the probe's copies arrive: each was lost
        now += 0.5
    assert len(window) == 0 and sizes[:4] == [200, 400, 800, 1600] and now < 15
