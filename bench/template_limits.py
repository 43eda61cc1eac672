"""How fast the bounded sandbox refuses hostile message texts, on saving and on rendering,
and what the renderer before it did with them (bench/README.md)."""

from __future__ import annotations

import argparse
import copy
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.errors import DomainError  # noqa: E402
from bot.services.texts import check_source  # noqa: E402
from outbound.policy.rendering import (  # noqa: E402
    MESSAGES_DIR,
    SUPPORTED_LOCALES,
    RenderError,
    TextTemplate,
    render,
)
from tests.support.message_contexts import full_context  # noqa: E402
from tests.support.sandbox_payloads import PAYLOADS  # noqa: E402


def load_baseline(rev: str):
    """outbound/policy/rendering.py at `rev`, as a module of its own."""
    source = subprocess.run(
        ["git", "show", f"{rev}:outbound/policy/rendering.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "baseline_rendering.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("baseline_rendering", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["baseline_rendering"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def timed(function, *args) -> tuple[float, str]:
    """Milliseconds `function(*args)` took and what happened: refused, rendered,
    or another exception."""
    started = time.perf_counter()
    try:
        function(*args)
        outcome = "rendered"
    except (RenderError, DomainError):
        outcome = "refused"
    except Exception as error:  # the baseline's 500s
        outcome = type(error).__name__
    return (time.perf_counter() - started) * 1000, outcome


def figures(values: list[float]) -> str:
    if not values:
        return "n/a (hangs/oom on baseline)"
    return f"median {statistics.median(values):6.2f}  max {max(values):6.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline-rev", default="4664887")
    arguments = parser.parse_args()
    baseline = load_baseline(arguments.baseline_rev)
    variables = full_context()

    checks, renders, before = defaultdict(list), defaultdict(list), defaultdict(list)
    skipped, outcomes, slowest = defaultdict(int), defaultdict(lambda: defaultdict(int)), []
    for payload in PAYLOADS:
        group = payload.group
        check_ms, check_outcome = timed(check_source, payload.source, "body", variables)
        checks[group].append(check_ms)
        rounds = [
            timed(render, TextTemplate(payload.source), variables) for _ in range(arguments.rounds)
        ]
        render_ms = statistics.median(ms for ms, _ in rounds)
        renders[group].append(render_ms)
        slowest.append((max(check_ms, render_ms), group, payload.source))
        assert check_outcome == "refused" and all(o == "refused" for _, o in rounds), (
            payload,
            check_outcome,
            rounds,
        )
        if payload.unsafe_for_baseline:
            skipped[group] += 1
            continue
        # A fresh copy: jinja2's stock sandbox lets {{ slots.clear() }} empty the list.
        ms, outcome = timed(
            baseline.render, baseline.TextTemplate(payload.source), copy.deepcopy(variables)
        )
        before[group].append(ms)
        outcomes[group][outcome] += 1

    print(f"{len(PAYLOADS)} payloads, times in ms; render = median of {arguments.rounds} rounds")
    print(f"baseline: outbound/policy/rendering.py at {arguments.baseline_rev}\n")
    for group in dict.fromkeys(payload.group for payload in PAYLOADS):
        count = len(checks[group])
        print(f"{group:10s} ({count:3d})  save check {figures(checks[group])}")
        print(f"{'':17s}render     {figures(renders[group])}")
        line = f"{'':17s}baseline   {figures(before[group])}"
        if before[group]:
            seen = ", ".join(f"{n} {what}" for what, n in sorted(outcomes[group].items()))
            line += f"  ({seen})"
        if skipped[group] and before[group]:
            line += f"; {skipped[group]} n/a (hangs/oom on baseline)"
        print(line)
    every = [ms for group in checks for ms in checks[group] + renders[group]]
    print(f"\nall refusals: median {statistics.median(every):.2f} ms, max {max(every):.2f} ms")
    for ms, group, source in sorted(slowest, reverse=True)[:5]:
        print(f"  {ms:6.2f} ms  {group:9s} {source[:70]!r}")

    defaults = []
    for locale in SUPPORTED_LOCALES:
        with open(MESSAGES_DIR / f"{locale}.toml", "rb") as handle:
            defaults += [s for table in tomllib.load(handle).values() for s in table.values()]
    bounded = sys.modules["outbound.policy.rendering"]
    for name, module in (("bounded", bounded), ("baseline", baseline)):
        for source in defaults:  # compile once, as a running worker has
            module.render(module.TextTemplate(source), variables)
        started = time.perf_counter()
        for _ in range(20):
            for source in defaults:
                module.render(module.TextTemplate(source), variables)
        per_text = (time.perf_counter() - started) * 1000 / (20 * len(defaults))
        print(f"default texts ({len(defaults)}), warm render per text, {name}: {per_text:.3f} ms")


if __name__ == "__main__":
    main()
