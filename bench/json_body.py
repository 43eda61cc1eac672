"""How long the bounded JSON loader (`bot.api.json_body.loads`) takes on hostile bodies of
up to about 1 MiB, next to plain `json.loads` where that survives (the figures are in
docs/RELIABILITY.md)."""

from __future__ import annotations

import json
import time

from bot.api.json_body import JsonRefused, loads

MIB = 1 << 20
BODIES = {
    "100 000 levels of [": "[" * 100_000 + "]" * 100_000,
    "1 MiB of [, unclosed": "[" * MIB,
    "[[] repeated (no long run)": "[[]" * 300_000,
    "1 MiB of escaped quotes": '"' + '\\"' * (MIB // 2),
    "flat list of 20 000 objects": json.dumps([{"name": "x" * 20, "n": i} for i in range(20_000)]),
    "brackets inside one string": json.dumps({"a": "[[[[" * 100_000}),
    "5 001-digit number": '{"a": ' + "9" * 5001 + "}",
    "1 MiB number": '{"a": ' + "9" * MIB + "}",
}


def best_of(function, text: str, runs: int = 5) -> tuple[float, str]:
    timings, outcome = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        try:
            function(text)
            outcome = "read"
        except JsonRefused as error:
            outcome = f"refused: {error.problem}"
        except (ValueError, RecursionError) as error:
            outcome = f"{type(error).__name__}"
        timings.append(time.perf_counter() - start)
    return min(timings) * 1000, outcome


def main() -> None:
    print(f"{'body':32} {'bytes':>9}  {'bounded ms':>10}  {'json.loads ms':>13}  outcome")
    for name, text in BODIES.items():
        bounded, outcome = best_of(loads, text)
        plain, plain_outcome = best_of(json.loads, text)
        plain_text = f"{plain:13.1f}" if plain_outcome != "RecursionError" else "RecursionError"
        print(f"{name:32} {len(text):9d}  {bounded:10.1f}  {plain_text:>13}  {outcome}")


if __name__ == "__main__":
    main()
