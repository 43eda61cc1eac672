"""Score `conversations.interpret` on a labelled reply corpus: intent, start and window
accuracy, the misses, every line wrongly read as a cancellation, and what dateparser alone
finds for comparison (bench/README.md)."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conversations import interpret  # noqa: E402

ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZONE)
APPOINTMENT = datetime(2026, 11, 26, 14, 0, tzinfo=ZONE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--no-baseline", action="store_true", help="skip the dateparser column")
    args = parser.parse_args(argv)
    lines = [json.loads(row) for row in args.corpus.read_text("utf-8").splitlines() if row.strip()]
    results = [score(line) for line in lines]
    report(results)
    if not args.no_baseline:
        baseline(lines)
    return 0


def score(line: dict) -> dict:
    reading = interpret(line["text"], now=NOW, locale=line["locale"], appointment_start=APPOINTMENT)
    start = reading.start.isoformat() if reading.start else None
    window = [bound.isoformat() for bound in reading.window] if reading.window else None
    return {
        "line": line,
        "intent": reading.intent.value,
        "start": start,
        "window": window,
        "intent_ok": reading.intent.value == line["intent"],
        "start_ok": _same_instant(start, line["start"])
        or any(_same_instant(start, other) for other in line.get("accept") or ()),
        "window_ok": _same_window(window, line["window"]),
    }


def report(results: list[dict]) -> None:
    total = len(results)
    print(f"corpus: {total} lines, now {NOW.isoformat()}, appointment {APPOINTMENT.isoformat()}")
    for key, label in (("intent_ok", "intent"), ("start_ok", "start"), ("window_ok", "window")):
        right = sum(result[key] for result in results)
        print(f"{label:>7} accuracy: {right}/{total} = {100 * right / max(total, 1):.1f} %")
    timed = [r for r in results if r["line"]["start"] or r["line"]["window"]]
    if timed:
        right = sum(r["start_ok"] and r["window_ok"] for r in timed)
        print(f"   timed lines (start or window expected): {right}/{len(timed)} right")
    all_right = sum(r["intent_ok"] and r["start_ok"] and r["window_ok"] for r in results)
    print(f"    all fields right: {all_right}/{total}")

    print("\nconfusion (expected → got: count), mistakes only:")
    confusion = Counter((r["line"]["intent"], r["intent"]) for r in results if not r["intent_ok"])
    for (expected, got), count in sorted(confusion.items()):
        print(f"  {expected:>10} → {got:<10} {count}")
    if not confusion:
        print("  none")
    per_intent = Counter(r["line"]["intent"] for r in results)
    right_per_intent = Counter(r["line"]["intent"] for r in results if r["intent_ok"])
    shares = [f"{i} {right_per_intent[i]}/{n}" for i, n in sorted(per_intent.items())]
    print("  per intent: " + ", ".join(shares))

    misses = [r for r in results if not (r["intent_ok"] and r["start_ok"] and r["window_ok"])]
    print(f"\nmisses: {len(misses)}")
    for r in misses:
        line = r["line"]
        print(f"  {line['id']} [{line['locale']}] {line['text']!r}")
        print(f"      expected {line['intent']} start={line['start']} window={line['window']}")
        print(f"      got      {r['intent']} start={r['start']} window={r['window']}")

    dangerous = [r for r in results if r["intent"] == "cancel" and r["line"]["intent"] != "cancel"]
    print(f"\nwould cancel an appointment the customer wanted to keep: {len(dangerous)}")
    for r in dangerous:
        print(f"  {r['line']['id']} {r['line']['text']!r} (meant {r['line']['intent']})")


def baseline(lines: list[dict]) -> None:
    """What dateparser alone makes of the reschedule lines that name an exact start."""
    try:
        import dateparser
        from dateparser.search import search_dates
    except ImportError:  # pragma: no cover - dateparser is a dependency
        print("\ndateparser baseline: dateparser is not installed")
        return
    settings = {
        "RELATIVE_BASE": NOW.replace(tzinfo=None),
        "PREFER_DATES_FROM": "future",
        "TIMEZONE": "Europe/Berlin",
        "RETURN_AS_TIMEZONE_AWARE": True,
    }
    wanted = [line for line in lines if line["intent"] == "reschedule" and line["start"]]
    right = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dateparser's own utcnow() deprecation
        for line in wanted:
            languages = [line["locale"]]
            found = dateparser.parse(line["text"], languages=languages, settings=settings)
            if found is None:
                hits = search_dates(line["text"], languages=languages, settings=settings)
                found = hits[0][1] if hits else None
            got = found.astimezone(ZONE).isoformat() if found else None
            accepted = [line["start"], *(line.get("accept") or ())]
            right += any(_same_instant(got, other) for other in accepted)
    print(
        f"\ndateparser alone (parse, else the first search_dates hit), start of the "
        f"{len(wanted)} reschedule lines with an exact start: {right}/{len(wanted)}"
    )


def _same_instant(got: str | None, expected: str | None) -> bool:
    if got is None or expected is None:
        return got is None and expected is None
    return datetime.fromisoformat(got) == datetime.fromisoformat(expected)


def _same_window(got: list[str] | None, expected: list[str] | None) -> bool:
    if got is None or expected is None:
        return got is None and expected is None
    return all(_same_instant(a, b) for a, b in zip(got, expected, strict=True))


if __name__ == "__main__":
    sys.exit(main())
