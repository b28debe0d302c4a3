"""Benchmark `medcheck batch --engine dask` on a multi-file export: rows per second for 1 and 2 local workers.

Usage: python benchmarks/bench_dask.py [--files 8] [--rows 250000] [--seed 7] [--dir /tmp/medcheck-bench-dask]

The export is generated reproducibly (seeded) with bench_batch.py's generator: FILES CSV files of ROWS
EHR-like rows each, drawn from about 600 distinct medication strings. Timed, each as a child process
(`python -m medcheck batch ...`, start-up included):

- the default engine, one file after another (as a shell loop would run it);
- the Dask engine with 1 and 2 local worker processes, started by medcheck (cluster start-up included);
- the Dask engine with --scheduler, on a local cluster of 1 and 2 workers started beforehand.

Each is run --runs times, in rounds (median shown).
Every Dask output part is compared with the default engine's output for the same file.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batch import distinct_strings, write_export


def medcheck(*args: str) -> float:
    """Seconds for one `python -m medcheck batch ...` child process."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "medcheck", "batch", *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr)
    return elapsed


def same_output(files: list[Path], reference: Path, parts: Path) -> bool:
    return all((reference / f.name).read_bytes() == (parts / f"part-{i:05d}.csv").read_bytes()
               for i, f in enumerate(files))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--rows", type=int, default=250_000, help="rows per file")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3, help="runs of each, the median is shown")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/medcheck-bench-dask"))
    args = parser.parse_args()

    export = args.dir / "export"
    export.mkdir(parents=True, exist_ok=True)
    meds = distinct_strings(random.Random(args.seed), 600)
    files = [export / f"meds-{i:03d}.csv" for i in range(args.files)]
    for i, path in enumerate(files):
        if not path.exists():
            write_export(path, args.rows, meds, args.seed + i)
    total = args.files * args.rows
    size = sum(f.stat().st_size for f in files) / 1e6
    print(f"{args.files} files x {args.rows:,} rows = {total:,} rows ({size:,.0f} MB), "
          f"{len(meds)} distinct strings; {os.cpu_count()} cores")

    from distributed import LocalCluster

    logging.getLogger("distributed").setLevel(logging.ERROR)
    reference, out = args.dir / "default", args.dir / "out"
    shutil.rmtree(reference, ignore_errors=True)
    reference.mkdir()
    clusters = {}
    for workers in (1, 2):  # started once, before the runs; not timed
        clusters[workers] = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                         dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                                         silence_logs=logging.ERROR)
    configs: dict[str, Callable[[], float]] = {
        "default engine, one file after another": lambda: sum(
            medcheck(str(f), "-o", str(reference / f.name)) for f in files),
        "dask, 1 local worker started by medcheck": lambda: medcheck(
            str(export), "--engine", "dask", "--workers", "1", "-o", str(out)),
        "dask, 2 local workers started by medcheck": lambda: medcheck(
            str(export), "--engine", "dask", "--workers", "2", "-o", str(out)),
        "dask, 1 worker running, via --scheduler": lambda: medcheck(
            str(export), "--engine", "dask", "--scheduler", clusters[1].scheduler_address, "-o", str(out)),
        "dask, 2 workers running, via --scheduler": lambda: medcheck(
            str(export), "--engine", "dask", "--scheduler", clusters[2].scheduler_address, "-o", str(out)),
    }
    times: dict[str, list[float]] = {label: [] for label in configs}
    try:
        # Round after round, each configuration once per round: timings on a small shared machine drift,
        # and interleaving spreads a slow spell over all of them.
        for _ in range(args.runs):
            for label, run in configs.items():
                times[label].append(run())
                if label.startswith("dask") and not same_output(files, reference, out):
                    raise SystemExit(f"{label}: the output differs from the default engine's")
    finally:
        for cluster in clusters.values():
            cluster.close()
    for label, seconds in times.items():
        median = statistics.median(seconds)
        print(f"  {label:42} {median:5.1f} s  {total / median:>10,.0f} rows/s  "
              f"(runs: {', '.join(f'{t:.1f}' for t in seconds)} s)")
    print("  every Dask output part is the same bytes as the default engine's output for its file")


if __name__ == "__main__":
    main()
