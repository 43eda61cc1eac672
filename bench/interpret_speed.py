"""How fast `conversations.interpret` reads one message, cold (a fresh process, with and
without `warm_up()`) and warm (every corpus line read many times: p50, p99 and slowest, in
wall and CPU time) (bench/README.md)."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_CORPUS = ROOT / "tests" / "conversations" / "corpus" / "replies-dev.jsonl"
ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZONE)
APPOINTMENT = datetime(2026, 11, 26, 14, 0, tzinfo=ZONE)

# Runs in a fresh interpreter; prints the timings as JSON.
_COLD = """
import json, sys, time
from datetime import datetime
from zoneinfo import ZoneInfo
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
import conversations
t1 = time.perf_counter()
if {warm}:
    conversations.warm_up()
t2 = time.perf_counter()
zone = ZoneInfo("Europe/Berlin")
conversations.interpret({text!r}, now=datetime(2026, 11, 25, 10, tzinfo=zone), locale="de",
                        appointment_start=datetime(2026, 11, 26, 14, tzinfo=zone))
t3 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "warm_up": t2 - t1, "first": t3 - t2}}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, nargs="?", default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args(argv)
    lines = [json.loads(row) for row in args.corpus.read_text("utf-8").splitlines() if row.strip()]

    text = "Können wir auf Freitag um 15 Uhr verschieben?"
    for warm in (True, False):
        cold = _cold_start(text, warm=warm)
        total = cold["import"] + cold["warm_up"] + cold["first"]
        label = "with warm_up()" if warm else "without warm_up()"
        print(
            f"fresh process {label:<19}: import {_ms(cold['import'])}, "
            f"warm_up {_ms(cold['warm_up'])}, first interpret {_ms(cold['first'])} "
            f"(all {_ms(total)})"
        )

    from conversations import interpret, warm_up

    warm_up()
    timings: list[tuple[float, str]] = []
    cpu: list[float] = []
    for _ in range(args.rounds):
        for line in lines:
            started, on_cpu = time.perf_counter(), time.thread_time()
            interpret(line["text"], now=NOW, locale=line["locale"], appointment_start=APPOINTMENT)
            timings.append((time.perf_counter() - started, line["text"]))
            cpu.append(time.thread_time() - on_cpu)
    seconds = sorted(t for t, _ in timings)
    p50 = statistics.median(seconds)
    p99 = seconds[min(len(seconds) - 1, int(len(seconds) * 0.99))]
    slowest = max(timings)
    print(
        f"warm, {len(lines)} messages x {args.rounds} rounds = {len(seconds)} calls: "
        f"p50 {_ms(p50)}, p99 {_ms(p99)}, max {_ms(slowest[0])} ({slowest[1]!r})"
    )
    cpu.sort()
    print(
        f"warm CPU time per message: p50 {_ms(statistics.median(cpu))}, "
        f"p99 {_ms(cpu[min(len(cpu) - 1, int(len(cpu) * 0.99))])}, max {_ms(cpu[-1])}"
    )
    print(f"targets: p99 <= 20 ms warm ({'met' if p99 <= 0.020 else 'MISSED'}), ", end="")
    first = _cold_start(text, warm=True)
    cold_total = first["import"] + first["warm_up"] + first["first"]
    print(f"first call incl. import and warm_up <= 1 s ({'met' if cold_total <= 1 else 'MISSED'})")
    return 0


def _cold_start(text: str, *, warm: bool) -> dict[str, float]:
    code = _COLD.format(root=str(ROOT), warm=warm, text=text)
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


if __name__ == "__main__":
    sys.exit(main())
