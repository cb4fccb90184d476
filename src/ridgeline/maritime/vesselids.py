"""Vessel ids of one input: real MMSIs, or anonymised ids (small integers, hashes) kept as stable keys.

Published vessel-track data sets often replace each MMSI by a small integer (``1..N``) or a hash
(``3fa2c9…``).  Such ids say nothing about what sends them, so the MMSI rules (aids to
navigation ``99…``, coast stations ``00…``, SAR aircraft ``111…`` are not vessels) must not be
applied to them; doing so drops every row.  Whether an input's ids are MMSIs is decided once for
the whole input, by its rows: MMSIs when most rows carry an id of one of the ITU MMSI forms with a
valid MID (201 to 775), anonymised otherwise.  In an anonymised input, what the input's ship
type calls an aid to navigation or a station (``station_type``) is not a vessel either.

Every id becomes an int64 *key*, the same whatever the decision: an integer id is its own key; any
other id (a hash, a name) gets a key in a range no integer id reaches (``TEXT_KEY_BASE`` and up),
from a hash of its text, so the same text has the same key in every file and every run.  The
texts are kept beside their keys, so an anonymised id prints as it was written.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

TEXT_KEY_BASE = 1 << 62
"""Keys of ids that are not integers start here; integer ids at or above it are taken as text."""

MAX_ID_LENGTH = 64
"""A longer id is a broken row, not a vessel: refused, so a hostile file cannot store megabyte ids."""

MAX_TEXT_IDS = 1_000_000
"""Distinct text ids kept per input; past this, rows with new ones are refused (bounded memory)."""

MISSING = frozenset({"", "NULL", "NAN", "NONE", "NA", "N/A", "-"})
"""What data sets write where there is no id."""

STATION_TYPES = re.compile(
    r"\b(reference point|racon|fixed structure|wreck marking|light,? with(out)? sectors|leading light|beacon|"
    r"cardinal mark|hand mark|preferred channel|isolated danger|safe water|special mark|light vessel|lanby|"
    r"navigation aid|aid to navigation|base station|vts|aircraft)\b"
)
"""Types an input gives to what is not a vessel: the aids to navigation of ITU-R M.1371 (message 21),
base and VTS stations, aircraft.  With anonymised ids the type is the only sign left of them."""

FIRST_MID, LAST_MID = 201, 775
"""Maritime Identification Digits (the flag state) run from 201 (Albania) to 775 (Venezuela)."""


def plausible_mmsi(n: int) -> bool:
    """Whether ``n`` is an MMSI of one of the ITU forms (ship, group, coast station, SAR aircraft,
    craft associated with a ship, aid to navigation, SART/MOB/EPIRB) with a valid MID."""
    if not 0 < n < 1_000_000_000:
        return False
    if n >= 970_000_000:
        head = n // 1_000_000
        if head in (970, 972, 974):  # SART, man overboard, EPIRB-AIS
            return True
        if head >= 980:  # 98MIDxxxx, 99MIDxxxx
            return FIRST_MID <= (n // 10_000) % 1000 <= LAST_MID
        return False
    if n >= 111_000_000 and n // 1_000_000 == 111:  # 111MIDxxx
        return FIRST_MID <= (n // 1000) % 1000 <= LAST_MID
    if n >= 100_000_000:  # MIDxxxxxx
        return FIRST_MID <= n // 1_000_000 <= LAST_MID
    if n >= 10_000_000:  # 0MIDxxxxx
        return FIRST_MID <= n // 100_000 <= LAST_MID
    if n >= 1_000_000:  # 00MIDxxxx
        return FIRST_MID <= n // 10_000 <= LAST_MID
    return False


def station_type(ship_type: str | None) -> bool:
    """Whether a type (as an input writes it, any case, ``_`` as space) is one of ``STATION_TYPES``."""
    return ship_type is not None and STATION_TYPES.search(ship_type.lower().replace("_", " ")) is not None


def text_key(text: str) -> int:
    """The key of an id that is not an integer: ``TEXT_KEY_BASE`` plus 62 bits of its BLAKE2b hash."""
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return TEXT_KEY_BASE | (int.from_bytes(digest, "big") & (TEXT_KEY_BASE - 1))


def integer_id(text: str) -> int | None:
    """The integer an id is written as (``205366000``, ``205366000.0``, ``002190067``), or None.

    Only plain ASCII digits count (no sign, exponent or underscores: ``1e5`` is a hex hash, not
    100000); zero-padding is an integer only at nine digits (an MMSI written in full), so a
    hash such as ``0042`` keeps its text.
    """
    head, dot, tail = text.partition(".")
    if not (head.isascii() and head.isdigit()) or (dot and not (tail.isascii() and tail.strip("0") == "")):
        return None
    if head[0] == "0" and len(head) not in (1, 9):
        return None
    value = int(head)
    return value if value < TEXT_KEY_BASE else None


@dataclass
class VesselIds:
    """The ids of one input: their keys, the texts of text ids, and how many rows were MMSI-like.

    ``forced_mmsi`` is for inputs whose ids are MMSIs by definition (NMEA: the MMSI is a field
    of every message).  ``key`` turns a cell into a key (None for a row to refuse, with
    ``refused`` saying why); ``are_mmsis`` is the decision for the input so far.
    """

    forced_mmsi: bool = False
    texts: dict[int, str] = field(default_factory=dict)
    rows: int = 0
    mmsi_rows: int = 0
    integers: set[int] = field(default_factory=set)
    """The distinct integer ids (for the note: how many, from which to which)."""
    refused: str = ""

    @staticmethod
    def mmsi() -> VesselIds:
        """The ids of an input that only ever carries MMSIs."""
        return VesselIds(forced_mmsi=True)

    def key(self, cell: str) -> int | None:
        """The key of an id as written in a cell; None (and ``refused`` set) for no id or a bad one."""
        text = cell.strip().strip('"').strip()
        if text.upper() in MISSING:
            self.refused = "bad_field"
            return None
        if len(text) > MAX_ID_LENGTH or not text.isprintable():
            self.refused = "bad_field"
            return None
        value = integer_id(text)
        if value is None:
            value = self._text(text)
            if value is None:
                return None
        else:
            self.mmsi_rows += plausible_mmsi(value)
            self.integers.add(value)
        self.rows += 1
        return value

    def _text(self, text: str) -> int | None:
        value = text_key(text)
        while (known := self.texts.get(value)) is not None and known != text:
            value = TEXT_KEY_BASE | ((value + 1) & (TEXT_KEY_BASE - 1))  # two texts, one hash: the next free key
        if known is None:
            if len(self.texts) >= MAX_TEXT_IDS:
                self.refused = "too_many_ids"
                return None
            self.texts[value] = text
        return value

    @property
    def are_mmsis(self) -> bool:
        """Whether the MMSI rules apply: forced, or most rows carry a plausible MMSI (and no rows, yes)."""
        return self.forced_mmsi or self.rows == 0 or 2 * self.mmsi_rows > self.rows

    def label(self, key: int) -> str:
        """The id as the input wrote it (an integer as its digits)."""
        return self.texts.get(key, str(key))

    @property
    def kind(self) -> str:
        """``mmsi`` or ``id``: what an event's object id says the numbers are."""
        return "mmsi" if self.are_mmsis else "id"

    def note(self) -> str | None:
        """One line for the summary when the ids are not MMSIs (what they are instead); None when they are."""
        if self.are_mmsis:
            return None
        numbers, texts = len(self.integers), len(self.texts)
        if not texts:
            what = f"{numbers:,} integers, {min(self.integers):,}..{max(self.integers):,}"
        elif not numbers:
            what = f"{texts:,} hashes or names"
        else:  # a hash column where a few hashes happen to be all digits
            what = f"{texts:,} hashes or names and {numbers:,} integer{'s' if numbers > 1 else ''}"
        return f"ids are not MMSIs ({what}): MMSI rules not applied"
