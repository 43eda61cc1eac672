"""How often `conversations.language.guess_language` names a corpus line's language:
right, wrong or left open per language, the time per guess, and how many lines are read
right in the business's, the guessed and the line's own language (bench/README.md)."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from conversations.language import guess_language  # noqa: E402

CORPORA = sorted((ROOT / "tests" / "conversations" / "corpus").glob("*.jsonl"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", type=Path, default=CORPORA)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args()
    texts = []
    totals = {"right": 0, "wrong": 0, "none": 0}
    for path in args.corpora:
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        counts: dict[str, dict[str, int]] = {}
        for line in lines:
            guess = guess_language(line["text"])
            outcome = "none" if guess is None else "right" if guess == line["locale"] else "wrong"
            counts.setdefault(line["locale"], {"right": 0, "wrong": 0, "none": 0})[outcome] += 1
            totals[outcome] += 1
            texts.append(line["text"])
            if outcome == "wrong" and args.misses:
                print(f"  wrong {line['id']} {line['locale']}→{guess}: {line['text']}")
        print(f"{path.name}: {len(lines)} lines")
        for locale in sorted(counts):
            print(f"  {locale}: {_figures(counts[locale])}")
        print(f"  all: {_figures(_sum(counts.values()))}")
    print(f"all corpora: {_figures(totals)}")
    timings = []
    for _ in range(args.rounds):
        for text in texts:
            start = time.perf_counter()
            guess_language(text)
            timings.append(time.perf_counter() - start)
    _reading(args.corpora)
    timings.sort()
    p99 = timings[int(len(timings) * 0.99)]
    print(
        f"time per text: p50 {statistics.median(timings) * 1e6:.1f} µs,"
        f" p99 {p99 * 1e6:.1f} µs ({len(timings)} guesses)"
    )


def _reading(corpora: list[Path]) -> None:
    from score_replies import score  # bench/score_replies.py: the same facts and scoring

    lines = [
        json.loads(line)
        for path in corpora
        for line in path.read_text(encoding="utf-8").splitlines()
        if line
    ]
    for business in ("de", "en", "nl"):
        figures = []
        for label, locale_of in (
            ("business's", lambda line, business=business: business),
            ("guessed", lambda line, business=business: guess_language(line["text"]) or business),
            ("own", lambda line: line["locale"]),
        ):
            results = [score({**line, "locale": locale_of(line)}) for line in lines]
            right = sum(r["intent_ok"] and r["start_ok"] and r["window_ok"] for r in results)
            figures.append(f"{label} {right}/{len(lines)}")
        print(f"read right, {business} business, in the language: " + ", ".join(figures))


def _sum(counts) -> dict[str, int]:
    total = {"right": 0, "wrong": 0, "none": 0}
    for count in counts:
        for key, value in count.items():
            total[key] += value
    return total


def _figures(count: dict[str, int]) -> str:
    n = sum(count.values()) or 1
    return "  ".join(
        f"{key} {count[key]} ({100 * count[key] / n:.1f} %)" for key in ("right", "wrong", "none")
    )


if __name__ == "__main__":
    main()
