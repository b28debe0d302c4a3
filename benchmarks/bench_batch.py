"""Benchmark `medcheck batch` against the I/O floor: pyarrow reading the file as text and writing it back.

Usage: python benchmarks/bench_batch.py [--rows 10000000] [--free-rows 1000000] [--seed 7]
       [--dir /tmp/medcheck-bench] [--repeat 3]

Two exports are generated reproducibly (seeded): an EHR-like one with about 600 distinct medication
strings, and one of nearly all distinct free text (random doses, routes, frequencies, case). For each,
the floor (pyarrow streaming read with every column as a string, streaming CSV write) and
`python -m medcheck batch` (start-up included, peak memory from each run's own rusage) are timed in the
same run (interleaved, median of --repeat runs; each starts with its earlier output deleted and the
disk synced), and a naive pandas + rapidfuzz.process.extractOne per
row is timed on a sample.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from medcheck import load_catalog  # noqa: E402

FORMS = ["Oral Tablet", "Oral Capsule", "Injection", "Injectable Solution", "Extended Release Oral Tablet"]
EVERYDAY = ["Metformin", "Lisinopril", "Atorvastatin", "Amlodipine", "Acetaminophen", "Levothyroxine Sodium",
            "Omeprazole", "Simvastatin", "Losartan Potassium", "Hydrochlorothiazide", "Albuterol", "Sertraline"]
ROUTES = ["PO", "IV", "oral", "by mouth", "IM", "SC", ""]
FREQS = ["daily", "bid", "tid", "q12h", "qhs", "as needed", "twice daily", "weekly", "q8h", ""]


def distinct_strings(rng: random.Random, n: int) -> list[str]:
    catalog = load_catalog()
    drugs = [d.name for d in catalog.drugs] + sorted(catalog.guard)[:2000:10] + EVERYDAY * 5
    out: set[str] = set()
    while len(out) < n:
        out.add(f"{rng.choice(drugs).title()} {rng.choice([5, 10, 25, 50, 100, 200, 250, 500])} MG {rng.choice(FORMS)}")
    return sorted(out)


def free_text(rng: random.Random, names: list[str]) -> str:
    name = rng.choice(names)
    name = name.upper() if rng.random() < 0.3 else name.lower() if rng.random() < 0.5 else name
    dose = f"{rng.randint(1, 2000) / rng.choice([1, 10, 100]):g} {rng.choice(['mg', 'MG', 'mcg', 'g', 'units'])}"
    return " ".join(p for p in (name, dose, rng.choice(ROUTES), rng.choice(FREQS), f"x{rng.randint(1, 90)} days") if p)


def write_export(path: Path, rows: int, meds: list[str] | None, seed: int) -> None:
    """Write a CSV export in chunks: ids, dates, codes, costs and the medication text."""
    rng = random.Random(seed)
    names = [d.name for d in load_catalog().drugs] + EVERYDAY
    patients = [f"{rng.getrandbits(64):016x}" for _ in range(50_000)]
    schema = pa.schema([(c, pa.string()) for c in ("START", "PATIENT", "CODE", "DESCRIPTION", "BASE_COST")])
    with pacsv.CSVWriter(str(path), schema) as writer:
        done = 0
        while done < rows:
            n = min(500_000, rows - done)
            desc = [rng.choice(meds) if meds else free_text(rng, names) for _ in range(n)]
            cols = [
                [f"20{rng.randint(10, 24)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}" for _ in range(n)],
                [rng.choice(patients) for _ in range(n)],
                [str(rng.randint(100000, 999999)) for _ in range(n)],
                desc,
                [f"{rng.random() * 500:.2f}" for _ in range(n)],
            ]
            writer.write(pa.RecordBatch.from_arrays([pa.array(c) for c in cols], schema=schema))
            done += n


def settle(out: Path) -> None:
    """Start each timed run alike: no earlier output to delete, no dirty pages of the last run to flush.

    Otherwise a run pays for freeing and writing back the file the run before left, which costs the
    larger output (medcheck's, with its seven columns) more and varied by seconds between runs.
    """
    out.unlink(missing_ok=True)
    os.sync()


def floor(path: Path, out: Path) -> float:
    """Seconds for pyarrow to stream the file in as text and write it out again."""
    start = time.perf_counter()
    names = pacsv.open_csv(str(path)).schema.names
    reader = pacsv.open_csv(
        str(path),
        read_options=pacsv.ReadOptions(block_size=1 << 22),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}),
    )
    with pacsv.CSVWriter(str(out), reader.schema) as writer:
        for batch in reader:
            writer.write(batch)
    return time.perf_counter() - start


def medcheck_run(path: Path, out: Path) -> tuple[float, float]:
    """(seconds, peak MB) for `python -m medcheck batch path -o out` in a child process.

    The peak is that child's own (os.wait4), not the largest of every child so far, which
    getrusage(RUSAGE_CHILDREN) would give.
    """
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "medcheck", "batch", str(path), "-o", str(out)],
                                stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):
            err.seek(0)
            raise SystemExit(err.read().decode("utf-8", "replace"))
    return elapsed, usage.ru_maxrss / 1024


def naive(path: Path, sample: int) -> float:
    """Rows per second for pandas read + rapidfuzz extractOne against every catalog name, per row."""
    import pandas as pd
    from rapidfuzz import fuzz, process

    choices = list(load_catalog().names)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, nrows=sample)
    start = time.perf_counter()
    frame["match"] = [process.extractOne(t, choices, scorer=fuzz.WRatio, score_cutoff=90) for t in frame["DESCRIPTION"]]
    return len(frame) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--free-rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/medcheck-bench"))
    parser.add_argument("--repeat", type=int, default=3, help="runs of the floor and of medcheck, interleaved")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)

    rng = random.Random(args.seed)
    cases = [
        (f"EHR-like, {args.rows:,} rows, 600 distinct strings", args.rows, distinct_strings(rng, 600)),
        (f"free text, {args.free_rows:,} rows, nearly all distinct", args.free_rows, None),
    ]
    for label, rows, meds in cases:
        src = args.dir / ("ehr.csv" if meds else "free.csv")
        if not src.exists():
            write_export(src, rows, meds, args.seed)
        size = src.stat().st_size / 1e6
        floors, runs, peaks = [], [], []
        for _ in range(args.repeat):  # interleaved, so both see the same machine
            settle(args.dir / "floor-out.csv")
            floors.append(floor(src, args.dir / "floor-out.csv"))
            settle(args.dir / "medcheck-out.csv")
            seconds, peak = medcheck_run(src, args.dir / "medcheck-out.csv")
            runs.append(seconds)
            peaks.append(peak)
        t_floor, t_med = statistics.median(floors), statistics.median(runs)
        rate = naive(src, 20_000)
        print(f"{label} ({size:,.0f} MB), median of {args.repeat}")
        print(f"  pyarrow read+write floor: {t_floor:6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in floors)})")
        print(f"  medcheck batch:           {t_med:6.2f} s  = {t_med / t_floor:.2f}x the floor, "
              f"{rows / t_med:,.0f} rows/s, peak memory {max(peaks):,.0f} MB "
              f"(runs: {', '.join(f'{p:.0f}' for p in peaks)} MB)  "
              f"(runs: {', '.join(f'{t:.2f}' for t in runs)})")
        print(f"  naive pandas + extractOne per row: {rate:,.0f} rows/s (20,000-row sample) "
              f"= {rows / rate:,.0f} s for the file")


if __name__ == "__main__":
    main()
