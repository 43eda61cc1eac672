"""How many SMS parts a text takes, and in which encoding (R0.8).

GSM-7 fits 160 characters in one SMS and 153 per part when split; characters
from the extension table (^ { } \\ [ ~ ] | €) cost two septets. Any character
outside GSM-7 switches the whole text to UCS-2: 70 units in one SMS, 67 per
part, where a character outside the Basic Multilingual Plane (most emoji)
takes two units. A part never splits an escape pair or a surrogate pair, so
the count can be one more than plain division (docs/PLATFORM.md, "SMS
segments"; Twilio's message-segment-calculator is the reference).
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

# Characters that force UCS-2 in German and Dutch texts, with a GSM-7 stand-in.
GSM7_REPLACEMENTS = {
    "’": "'",
    "‘": "'",
    "‚": ",",
    "“": '"',
    "”": '"',
    "„": '"',
    "–": "-",
    "—": "-",
    "…": "...",
    "\u00a0": " ",
    "ë": "e",
    "ï": "i",
    "ç": "c",
    "á": "a",
    "í": "i",
    "ó": "o",
    "ú": "u",
    "â": "a",
    "ê": "e",
    "ô": "o",
}

GSM7 = "GSM-7"
UCS2 = "UCS-2"


@dataclass(frozen=True)
class SegmentCount:
    segments: int
    encoding: str  # GSM-7 or UCS-2
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    non_gsm_characters: tuple[str, ...]  # what forced UCS-2, in order of appearance


def count_segments(text: str) -> SegmentCount:
    """Count the SMS parts `text` needs. An empty text takes no part."""
    offending = tuple(dict.fromkeys(c for c in text if not _is_gsm7(c)))
    if not offending:
        widths = [2 if c in GSM7_EXTENSION else 1 for c in text]
        return SegmentCount(_pack(widths, single=160, part=153), GSM7, sum(widths), ())
    widths = [2 if ord(c) > 0xFFFF else 1 for c in text]
    return SegmentCount(_pack(widths, single=70, part=67), UCS2, sum(widths), offending)


def gsm7_suggestion(text: str) -> str:
    """`text` with the usual UCS-2 troublemakers replaced by GSM-7 look-alikes."""
    return "".join(GSM7_REPLACEMENTS.get(c, c) for c in text)


def _is_gsm7(character: str) -> bool:
    return character in GSM7_BASIC or character in GSM7_EXTENSION


def _pack(widths: list[int], *, single: int, part: int) -> int:
    """Parts needed when characters of the given widths may not be split."""
    total = sum(widths)
    if total == 0:
        return 0
    if total <= single:
        return 1
    parts, used = 1, 0
    for width in widths:
        if used + width > part:
            parts += 1
            used = 0
        used += width
    return parts
