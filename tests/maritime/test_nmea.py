"""NMEA decoding: times from $PGHP and tag blocks, fragments, and every bad line counted, none fatal."""

from __future__ import annotations

import random
from functools import reduce
from operator import xor
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ridgeline.maritime.feeds import file_lines
from ridgeline.maritime.nmea import NmeaDecoder

DATA = Path(__file__).resolve().parents[1] / "data" / "ais"
STREAM = DATA / "dma_aislib_stream_2010-06-11.nmea"

POSITION = b"!AIVDM,1,1,,A,13@:`L001N0ded0O6Fp8wW<00<0t,0*7B"  # type 1, MMSI 218278000
PART1 = b"!AIVDM,2,1,1,,53cMa3@000010WSW?V105=<45B2222222222220t388151:9e2UiDm851DTh,0*65"
PART2 = b"!AIVDM,2,2,1,,j1C32CQp888,2*17"


def nmea(body: bytes, start: bytes = b"!") -> bytes:
    """A sentence with its checksum."""
    return start + body + b"*" + f"{reduce(xor, body, 0):02X}".encode()


def test_real_stream_is_decoded_and_every_line_accounted_for() -> None:
    decoder = NmeaDecoder()
    lines = [line for line in file_lines(STREAM) if line.strip()]
    decoder.feed_lines(lines)
    positions = decoder.take()
    assert decoder.accepted == len(positions) > 2500
    counted = decoder.accepted + decoder.static_count + decoder.other + decoder.rejected_total + decoder.pending
    assert counted == len(lines)
    # the stream's $PGHP times: 2010-06-11 11:46, 28 s of traffic
    assert 1276256700 < positions.time.min() < positions.time.max() < 1276256830
    assert ((positions.lat >= -90) & (positions.lat <= 90)).all()
    assert decoder.statics, "type 5 and 24 static reports become vessel info"
    assert any(info.name for info in decoder.statics.values())


def test_tag_block_time_wins_and_gatehouse_time_applies_to_the_next_sentence() -> None:
    decoder = NmeaDecoder()
    decoder.feed(b"\\s:rx1,c:1671620143*" + f"{reduce(xor, b's:rx1,c:1671620143', 0):02X}".encode() + b"\\" + POSITION)
    decoder.feed(b"$PGHP,1,2013,11,12,12,0,0,11,219,,2190067,1,62*26")
    decoder.feed(POSITION)
    decoder.feed(POSITION, received=1_700_000_000.0)  # no time of its own: the receive time
    decoder.feed(POSITION)  # no time at all
    p = decoder.take()
    assert p.time.tolist() == [1671620143.0, 1384257600.011, 1_700_000_000.0]
    assert p.vessel.tolist() == [218278000] * 3
    assert decoder.rejected["no_time"] == 1


def test_two_part_message_is_assembled_and_broken_fragments_are_rejected() -> None:
    decoder = NmeaDecoder()
    decoder.feed_lines([PART1, PART2], received=0.0)
    assert decoder.static_count == 1 and decoder.other == 1 and not decoder.rejected
    decoder.feed(PART2, received=0.0)  # a second part with no first
    decoder.feed(PART1, received=0.0)
    decoder.feed(PART1, received=0.0)  # a new first part: the pending one never completes
    decoder.feed(nmea(b"AIVDM,2,3,1,,j1C32CQp888,2"[1:], b"!A"), received=0.0)  # part 3 of a 2-part message
    assert decoder.rejected["fragment_orphan"] == 1
    assert decoder.rejected["fragment_incomplete"] == 1


def is_position(line: bytes) -> bool:
    """Whether a line alone decodes to one vessel position."""
    decoder = NmeaDecoder()
    decoder.feed(line, received=0.0)
    return decoder.accepted == 1


def mutate(line: bytes, rng: random.Random) -> bytes:
    """A line that is certainly bad: truncated, wrong checksum, huge, garbage or an out-of-order part."""
    kind = rng.randrange(5)
    if kind == 0:
        return line[: rng.randrange(1, len(line) - 3)]
    if kind == 1:
        star = line.rindex(b"*")
        good = int(line[star + 1 :], 16)
        return line[: star + 1] + f"{(good + rng.randrange(1, 256)) % 256:02X}".encode()
    if kind == 2:
        return line + bytes(rng.randrange(256) for _ in range(rng.randrange(1100, 5000)))
    if kind == 3:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 120)))
    return PART2


def test_100000_mutated_lines_are_each_rejected_and_the_good_lines_between_them_kept() -> None:
    rng = random.Random(7)
    good = [line for line in file_lines(STREAM) if line.startswith(b"!") and is_position(line)][:400]
    reference = NmeaDecoder()
    reference.feed_lines(good, received=1.0)
    expected = reference.take()
    decoder = NmeaDecoder()
    bad = 0
    lines: list[bytes] = []
    for k in range(100_000):
        line = mutate(good[k % len(good)], rng)
        if not line.strip():
            line = b"\x00garbage"
        lines.append(line)
        bad += 1
        if k % 250 == 0:
            lines.append(good[(k // 250) % len(good)])
    decoder.feed_lines(lines, received=1.0)
    got = decoder.take()
    assert decoder.rejected_total == bad
    assert decoder.accepted == len(got) == len(lines) - bad
    assert got.vessel.tolist() == [expected.vessel[i % len(expected)] for i in range(len(got))]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=20))
def test_random_bytes_never_raise(lines: list[bytes]) -> None:
    decoder = NmeaDecoder()
    decoder.feed_lines(lines, received=0.0)
    decoder.take()
    counted = decoder.accepted + decoder.static_count + decoder.other + decoder.rejected_total
    assert counted <= sum(1 for line in lines if line.strip())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789,AB!$*\\:cs.-", max_size=90))
def test_sentence_shaped_text_never_raises(text: str) -> None:
    decoder = NmeaDecoder()
    decoder.feed(text.encode(), received=0.0)
    decoder.feed(nmea(text.encode()), received=0.0)
