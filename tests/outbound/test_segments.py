"""SMS segment counting (R0.8), checked against the rules Twilio's calculator uses."""

import pytest

from outbound.policy.segments import GSM7, UCS2, count_segments, gsm7_suggestion


@pytest.mark.parametrize(
    ("text", "segments", "encoding"),
    [
        ("", 0, GSM7),
        ("a" * 160, 1, GSM7),
        ("a" * 161, 2, GSM7),
        ("a" * 306, 2, GSM7),
        ("a" * 307, 3, GSM7),
        ("Grüße aus Köln, Straße ÄÖÜ ß é è à ñ", 1, GSM7),
        ("€" * 80, 1, GSM7),  # extension characters cost two septets
        ("€" * 81, 2, GSM7),
        ("a" * 70 + "’", 2, UCS2),  # one curly quote forces UCS-2: 71 units
        ("a" * 69 + "’", 1, UCS2),
        ("a" * 134, 1, GSM7),
        ("ë" * 134, 2, UCS2),
        ("ë" * 135, 3, UCS2),
        ("😀" * 35, 1, UCS2),  # an emoji takes two UTF-16 units
        ("😀" * 36, 2, UCS2),
    ],
)
def test_segment_counts(text, segments, encoding):
    counted = count_segments(text)
    assert (counted.segments, counted.encoding) == (segments, encoding)


def test_a_part_never_splits_an_escape_pair():
    # 152 plain septets then a euro sign (2 septets): the euro does not fit in part one,
    # so 153 + 2 + ... needs one more part than plain division would say.
    text = "a" * 152 + "€" + "a" * 152
    assert count_segments(text).units == 306
    assert count_segments(text).segments == 3


def test_a_part_never_splits_a_surrogate_pair():
    text = "ë" * 66 + "😀" + "ë" * 66  # 134 units: 2 parts by division, 3 without splitting 😀
    assert count_segments(text).units == 134
    assert count_segments(text).segments == 3


def test_names_the_characters_that_force_ucs2_and_suggests_replacements():
    text = "Wir freuen uns – bis “morgen”’"
    counted = count_segments(text)
    assert counted.non_gsm_characters == ("–", "“", "”", "’")
    suggestion = gsm7_suggestion(text)
    assert suggestion == 'Wir freuen uns - bis "morgen"\''
    assert count_segments(suggestion).encoding == GSM7
