"""Benchmark `check`: distinct free-text lines matched per second, and time to first result for a paste.

Usage: python benchmarks/bench_check.py [--lines 100000] [--seed 42]
Lines are generated reproducibly from the catalog's names, the guard vocabulary and everyday drugs,
with random doses, routes, frequencies, case, list decoration and one-letter typos.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from medcheck import check_lines, load_catalog  # noqa: E402

EVERYDAY = ["metformin", "lisinopril", "atorvastatin", "amlodipine", "acetaminophen", "levothyroxine", "omeprazole"]
ROUTES = ["PO", "IV", "oral", "by mouth", "IM", "SC", ""]
FREQS = ["daily", "bid", "tid", "q12h", "qhs", "as needed", "twice daily", "weekly", ""]
FORMS = ["tab", "tablet", "capsule", "Oral Tablet", "Injection", "ER", ""]
DECOR = ["", "", "1. ", "- ", "\u2022 ", "* "]


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 8:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + rng.choice("aeioulnrst") + word[i + 1 :]


def make_lines(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    catalog = load_catalog()
    names = list(catalog.names)
    guard = sorted(catalog.guard)
    lines: set[str] = set()
    while len(lines) < n:
        pick = rng.random()
        name = rng.choice(names) if pick < 0.4 else rng.choice(guard) if pick < 0.8 else rng.choice(EVERYDAY)
        if rng.random() < 0.15:
            name = typo(rng, name)
        name = name.upper() if rng.random() < 0.3 else name.title() if rng.random() < 0.5 else name
        amount = rng.choice([0.5, 1, 2.5, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000])
        dose = f"{amount} {rng.choice(['mg', 'MG', 'mcg', 'g', 'units'])}"
        parts = [rng.choice(DECOR) + name, dose, rng.choice(FORMS), rng.choice(ROUTES), rng.choice(FREQS)]
        lines.add(" ".join(p for p in parts if p))
    return sorted(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    lines = make_lines(args.lines, args.seed)
    check_lines(["warm up the catalog and index"])
    start = time.perf_counter()
    report = check_lines(lines)
    elapsed = time.perf_counter() - start
    print(f"{len(lines):,} distinct lines in {elapsed:.2f} s: {len(lines) / elapsed:,.0f} lines/s "
          f"({len(report.flagged):,} flagged, {len(report.possible):,} possible)")

    paste = "\n".join(lines[:: max(1, len(lines) // 20)][:20]) + "\n"
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(paste)
    runs = []
    for _ in range(7):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "medcheck", "check", f.name], capture_output=True, check=False)
        runs.append(time.perf_counter() - t0)
    print(f"20-line paste, start-up included (python -m medcheck check): "
          f"median {statistics.median(runs) * 1000:.0f} ms over {len(runs)} runs")


if __name__ == "__main__":
    main()
