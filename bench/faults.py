"""The fault matrix's timeline, for docs/reliability.md: the runs of tests/live/test_faults.py.

    make bench-faults      # .venv/bin/python -m bench.faults [--repeats 3]

Each fault on the real processes of `make run` (an external Redis on a second one), with a
screen that behaves as the browser does: when the launcher had a new process running, when the
screen streamed again, how it learned, the seq gaps it saw, how long /healthz was not 200, and
how many lines the processes logged meanwhile (/healthz's own access lines aside). Medians of
``--repeats`` runs.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

from tests.live.faults import Outcome, run_matrix


def cell(values: list) -> str:
    numbers = [v for v in values if isinstance(v, int | float)]
    if not numbers:
        return "-"
    return f"{statistics.median(numbers):.1f}"


def markdown(runs: list[dict[str, Outcome]]) -> str:
    lines = [
        f"Fault timeline (`.venv/bin/python -m bench.faults --repeats {len(runs)}`), seconds "
        "after the fault, medians of the runs",
        "",
        "| fault | restarted | screen told | streaming again | seq gaps | /healthz not 200 "
        "| back to 200 | log lines |",
        "|---|---:|---|---:|---|---:|---:|---:|",
    ]
    for key, first in runs[0].items():
        if not isinstance(first, Outcome) or key == "after":
            continue
        outcomes = [run[key] for run in runs]
        told = sorted({str(t) for o in outcomes for t in o.told}) or ["-"]
        gaps = "; ".join(sorted({str(g) for o in outcomes for g in o.gaps})) or "none"
        lines.append(
            f"| {first.fault} | {cell([o.restarted_after_s for o in outcomes])} "
            f"| {', '.join(told)} | {cell([o.streaming_again_after_s for o in outcomes])} "
            f"| {gaps} | {cell([o.unhealthy_s for o in outcomes])} "
            f"| {cell([o.healthy_again_after_s for o in outcomes])} "
            f"| {cell([o.log_lines for o in outcomes])} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    runs = [
        asyncio.run(run_matrix(Path(tempfile.mkdtemp(prefix="bench-faults-"))))
        for _ in range(args.repeats)
    ]
    print(markdown(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
