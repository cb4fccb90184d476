"""NMEA 0183 AIS lines to vessel positions and static data, counting every line it rejects.

pyais does the bit-level decoding; this module adds what a receiver's raw feed needs and
pyais's own streams leave out: a reason for every line thrown away (pyais skips them
silently), the report time from a tag block (``c:``) or a Gatehouse ``$PGHP`` line, and
bounded memory for multi-sentence messages whose other fragments never come.
"""

from __future__ import annotations

import calendar
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import xor
from typing import Any

from pyais.messages import AISSentence, GatehouseSentence, NMEAMessage, NMEASentenceFactory

from ridgeline.maritime.positions import PositionColumns, Positions, VesselInfo

MAX_LINE_BYTES = 1024
"""Longer lines are rejected unread: a real sentence with a tag block is under 300 bytes."""

MAX_PENDING_FRAGMENTS = 1024
"""Multi-sentence messages waiting for their other parts; the oldest is dropped beyond this."""

POSITION_TYPES = frozenset((1, 2, 3, 18, 19, 27))
STATIC_TYPES = frozenset((5, 19, 24))

REJECT_REASONS = (
    "not_nmea", "too_long", "checksum", "malformed", "fragment_orphan", "fragment_order",
    "fragment_incomplete", "undecodable", "bad_position", "no_time",
)
"""Why a line was thrown away: the keys of ``NmeaDecoder.rejected``."""

SHIP_TYPES = {
    range(20, 30): "wing in ground", range(30, 31): "fishing", range(31, 33): "towing",
    range(33, 34): "dredging", range(34, 35): "diving", range(35, 36): "military",
    range(36, 37): "sailing", range(37, 38): "pleasure craft", range(40, 50): "high speed craft",
    range(50, 51): "pilot", range(51, 52): "search and rescue", range(52, 53): "tug",
    range(53, 54): "port tender", range(55, 56): "law enforcement", range(58, 59): "medical",
    range(60, 70): "passenger", range(70, 80): "cargo", range(80, 90): "tanker",
    range(90, 100): "other",
}


def ship_type_name(code: int | None) -> str | None:
    """The ITU ship type's name ("cargo", "tanker"…), None where the code means nothing."""
    if code is None:
        return None
    for codes, name in SHIP_TYPES.items():
        if code in codes:
            return name
    return None


def _checksum_ok(raw: bytes) -> bool:
    """Whether a sentence (``!…*hh`` or ``$…*hh``, any tag block before it) matches its checksum."""
    start = raw.rfind(b"\\") + 1
    star = raw.rfind(b"*")
    if star <= start + 1 or len(raw) - star < 3:
        return False
    try:
        expected = int(raw[star + 1 : star + 3], 16)
    except ValueError:
        return False
    return bool(reduce(xor, raw[start + 1 : star], 0) == expected)


def _tag_block_ok(raw: bytes) -> bool:
    """Whether a tag block alone on its line (``\\s:…*hh\\``) matches its checksum."""
    body = raw[1:-1]
    star = body.rfind(b"*")
    if star < 1 or len(body) - star != 3:
        return False
    try:
        return bool(reduce(xor, body[:star], 0) == int(body[star + 1 :], 16))
    except ValueError:
        return False


@dataclass
class _Pending:
    parts: list[AISSentence]
    time: float | None


@dataclass
class NmeaDecoder:
    """Feed it lines (bytes, one sentence each, in receive order); take positions in chunks.

    ``received`` is the time a live feed got the line: used only where the line carries no
    time of its own.  Every line ends up counted once: as a position, as static data, as
    ``other`` (valid but not a vessel report, e.g. a base station or a first fragment that
    later completes), or in ``rejected`` under one of ``REJECT_REASONS``.
    """

    positions: PositionColumns = field(default_factory=PositionColumns)
    statics: dict[int, VesselInfo] = field(default_factory=dict)
    rejected: Counter[str] = field(default_factory=Counter)
    accepted: int = 0
    static_count: int = 0
    other: int = 0
    _pending: OrderedDict[tuple[object, ...], _Pending] = field(default_factory=OrderedDict)
    _wrapper_time: float | None = None

    @property
    def pending(self) -> int:
        """Fragments waiting for the rest of their message."""
        return sum(len(p.parts) for p in self._pending.values())

    @property
    def rejected_total(self) -> int:
        """Lines thrown away, all reasons together."""
        return sum(self.rejected.values())

    def feed_lines(self, lines: Iterable[bytes], received: float | None = None) -> None:
        """Feed many lines."""
        for line in lines:
            self.feed(line, received)

    def feed(self, line: bytes, received: float | None = None) -> None:
        """Decode one line; positions and static data accumulate, rejects are counted."""
        line = line.strip()
        if not line:
            return
        if len(line) > MAX_LINE_BYTES:
            self.rejected["too_long"] += 1
            return
        first = line[0]
        if first == 0x5C and line.rfind(b"\\") == len(line) - 1:  # a tag block alone on its line
            if _tag_block_ok(line):
                self.other += 1
            else:
                self.rejected["checksum"] += 1
            return
        if first not in (0x21, 0x24, 0x5C):  # ! $ \
            self.rejected["not_nmea"] += 1
            return
        if line.startswith(b"$PGHP,1,"):  # Gatehouse time wrapper: parsed here, at a third of pyais's cost
            self._gatehouse(line)
            return
        try:
            sentence = NMEASentenceFactory.produce(line)
        except Exception:  # pyais raises several kinds on hostile input; all mean the same here
            if first == 0x24 and _checksum_ok(line):  # another talker's sentence ($PSTT…): fine, unused
                self.other += 1
            else:
                self.rejected["malformed"] += 1
            return
        if not _checksum_ok(sentence.raw):
            self.rejected["checksum"] += 1
            self._wrapper_time = None
            return
        if isinstance(sentence, GatehouseSentence):
            self._wrapper_time = calendar.timegm(sentence.timestamp.timetuple()) + sentence.timestamp.microsecond / 1e6
            self.other += 1
            return
        if not isinstance(sentence, AISSentence):
            self.other += 1
            return
        time = self._sentence_time(sentence, received)
        if sentence.frag_cnt == 1:  # pyais's is_single is False for one-part messages with a sequence id
            self._decode(sentence, time)
            return
        self._fragment(sentence, time)

    def _gatehouse(self, line: bytes) -> None:
        self._wrapper_time = None
        if not _checksum_ok(line):
            self.rejected["checksum"] += 1
            return
        try:
            f = line.split(b",", 9)
            self._wrapper_time = calendar.timegm(
                (int(f[2]), int(f[3]), int(f[4]), int(f[5]), int(f[6]), int(f[7]))
            ) + int(f[8]) / 1000.0
        except (ValueError, IndexError, OverflowError):
            self.rejected["malformed"] += 1
            return
        self.other += 1

    def _sentence_time(self, sentence: AISSentence, received: float | None) -> float | None:
        wrapper, self._wrapper_time = self._wrapper_time, None
        tag = sentence.tag_block
        if tag is not None:
            try:
                tag.init()
                stamp = tag.receiver_timestamp
                if stamp:
                    value = float(stamp)
                    return value / 1000.0 if value > 1e11 else value
            except Exception:  # a broken tag block leaves the sentence itself usable
                pass
        return wrapper if wrapper is not None else received

    def _fragment(self, sentence: AISSentence, time: float | None) -> None:
        key = (sentence.seq_id, sentence.channel, sentence.talker_id, sentence.frag_cnt)
        if sentence.frag_num == 1:
            if key in self._pending:
                self.rejected["fragment_incomplete"] += len(self._pending.pop(key).parts)
            self._pending[key] = _Pending([sentence], time)
            if len(self._pending) > MAX_PENDING_FRAGMENTS:
                _, dropped = self._pending.popitem(last=False)
                self.rejected["fragment_incomplete"] += len(dropped.parts)
            return
        pending = self._pending.get(key)
        if pending is None:
            self.rejected["fragment_orphan"] += 1
            return
        if sentence.frag_num != len(pending.parts) + 1:
            self.rejected["fragment_order"] += 1
            return
        pending.parts.append(sentence)
        if len(pending.parts) < sentence.frag_cnt:
            return
        del self._pending[key]
        try:
            whole = NMEAMessage.assemble_from_iterable(pending.parts)
        except Exception:
            self.rejected["malformed"] += len(pending.parts)
            return
        self.other += len(pending.parts) - 1
        self._decode(whole, pending.time)

    def _decode(self, sentence: AISSentence, time: float | None) -> None:
        try:
            message: Any = sentence.decode()  # one of pyais's 50-odd message classes
            kind = message.msg_type
        except Exception:
            self.rejected["undecodable"] += 1
            return
        mmsi = int(getattr(message, "mmsi", 0) or 0)
        used = False
        if kind in STATIC_TYPES:
            self._static(message, mmsi)
            used = True
        if kind in POSITION_TYPES:
            lat = message.lat
            lon = message.lon
            if lat is None or lon is None or not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
                if lat == 91.0 or lon == 181.0:  # "not available": a valid report with no place
                    self.other += 1
                else:
                    self.rejected["bad_position"] += 1
                return
            if time is None:
                self.rejected["no_time"] += 1
                return
            speed = message.speed
            course = message.course
            self.positions.append(
                time, mmsi, lat, lon,
                float("nan") if speed is None or speed >= 102.3 else float(speed),
                float("nan") if course is None or course >= 360.0 else float(course),
            )
            self.accepted += 1
            return
        if used:
            self.static_count += 1
        else:
            self.other += 1

    def _static(self, message: object, mmsi: int) -> None:
        name = getattr(message, "shipname", None)
        code = getattr(message, "ship_type", None)
        bow, stern = getattr(message, "to_bow", None), getattr(message, "to_stern", None)
        port, starboard = getattr(message, "to_port", None), getattr(message, "to_starboard", None)
        info = VesselInfo(
            mmsi=mmsi,
            name=(str(name).strip(" @") or None) if name else None,
            ship_type=ship_type_name(int(code)) if code is not None else None,
            length_m=float(bow + stern) if bow is not None and stern is not None and bow + stern > 0 else None,
            width_m=(float(port + starboard) if port is not None and starboard is not None and port + starboard > 0
                     else None),
        )
        known = self.statics.get(mmsi)
        if known is None:
            self.statics[mmsi] = info
        else:
            known.merge(info)

    def take(self) -> Positions:
        """The positions decoded since the last call, as columns."""
        return self.positions.drain()
