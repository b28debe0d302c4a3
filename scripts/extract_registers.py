"""Make scripts/registers/*.csv.gz from national medicines registers' published files (development time only).

The raw files are not kept in this repository. scripts/registers/SOURCES.json pins each one (SHA-256)
and says where it was published and where the copy used was taken from; put them in one folder:

    FOLDER/fr_bdpm/CIS_bdpm.txt, FOLDER/fr_bdpm/CIS_COMPO_bdpm.txt      (France, BDPM)
    FOLDER/ca_dpd/allfiles.zip, allfiles_ap.zip, allfiles_dr.zip          (Canada, DPD extract)
    FOLDER/ch_swissmedic/Packungen-2026.01.08.xlsx                        (Switzerland, Swissmedic)
    FOLDER/it_aifa/farmaci_classe_A.csv, farmaci_classe_H.csv             (Italy, AIFA class A and H lists)

then run `python scripts/extract_registers.py FOLDER` and `python scripts/build_names.py`.
Each extract keeps, per product: its id, its name as published (for BDPM the part before the first
comma, which is the form), its active substances as published, and whether it is marketed now.
Veterinary, disinfectant and radiopharmaceutical products of the DPD are left out. Reading the
Swissmedic list needs openpyxl (in the `dev` extra).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent / "registers"
COLUMNS = ["product_id", "product_name", "substances", "marketed"]


def _verified(path: Path, pins: dict[str, str]) -> bytes:
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if pins.get(path.name) != digest:
        raise SystemExit(f"{path}: SHA-256 {digest} is not the one pinned in {HERE / 'SOURCES.json'}")
    return data


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(i.strip() for i in items if i.strip()))


def bdpm(folder: Path, pins: dict[str, str]) -> list[list[str]]:
    """France: CIS_bdpm.txt (products) and CIS_COMPO_bdpm.txt (compositions; nature SA = active substance)."""
    cis = _verified(folder / "CIS_bdpm.txt", pins).decode("cp1252")
    compo = _verified(folder / "CIS_COMPO_bdpm.txt", pins).decode("cp1252")
    substances: dict[str, list[str]] = defaultdict(list)
    for line in compo.splitlines():
        f = line.split("\t")
        if len(f) >= 7 and f[6].strip() == "SA":
            substances[f[0].strip()].append(f[3])
    rows = []
    for line in cis.splitlines():
        f = line.split("\t")
        if len(f) < 7:
            continue
        marketed = f[6].strip() == "Commercialisée"
        rows.append([f[0].strip(), f[1].split(",")[0].strip(), ";".join(_unique(substances[f[0].strip()])),
                     "1" if marketed else "0"])
    return rows


def _zip_table(z: zipfile.ZipFile, name: str) -> list[list[str]]:
    """The rows of the UTF-8 CSV file `name` inside the archive `z`."""
    return list(csv.reader(io.StringIO(z.read(name).decode("utf-8"), newline="")))


def dpd(folder: Path, pins: dict[str, str]) -> list[list[str]]:
    """Canada: drug, ingred and status files of the marketed, approved and dormant extracts (human products)."""
    rows: dict[str, list[str]] = {}
    for archive, suffix in (("allfiles.zip", ""), ("allfiles_ap.zip", "_ap"), ("allfiles_dr.zip", "_dr")):
        with zipfile.ZipFile(io.BytesIO(_verified(folder / archive, pins))) as z:
            ingredients: dict[str, list[str]] = defaultdict(list)
            for r in _zip_table(z, f"ingred{suffix}.txt"):
                ingredients[r[0]].append(r[2])
            status = {r[0]: r[2] for r in _zip_table(z, f"status{suffix}.txt") if r[1] == "Y"}
            for r in _zip_table(z, f"drug{suffix}.txt"):
                if r[2] != "Human" or r[0] in rows:
                    continue
                rows[r[0]] = [r[0], r[4].strip(), ";".join(_unique(ingredients[r[0]])),
                              "1" if status.get(r[0]) == "MARKETED" else "0"]
    return list(rows.values())


def _top_level(text: str) -> list[str]:
    """Split on commas outside parentheses ("a (b, c), d" is two parts)."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [p.strip() for p in (*parts, current) if p.strip()]


def swissmedic(folder: Path, pins: dict[str, str]) -> list[list[str]]:
    """Switzerland: the list of authorised packages of human medicines; one row per authorised strength."""
    import openpyxl

    data = _verified(folder / "Packungen-2026.01.08.xlsx", pins)
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    rows: dict[str, list[str]] = {}
    for i, r in enumerate(sheet.iter_rows(values_only=True)):
        if i < 6 or r[0] is None:  # six rows of title and notes before the header
            continue
        pid = f"{int(r[0]):05d}-{int(r[1]):02d}"
        name = str(r[2] or "").split(",")[0].strip()
        old = rows.setdefault(pid, [pid, name, "", "1"])
        old[2] = ";".join(_unique([*old[2].split(";"), *_top_level(str(r[16] or ""))]))
    return list(rows.values())


def aifa(folder: Path, pins: dict[str, str]) -> list[list[str]]:
    """Italy: the class A and class H lists; one row per medicinal product (the first six digits of the AIC)."""
    rows: dict[str, list[str]] = {}
    for file, aic_column, header in (("farmaci_classe_A.csv", 5, False), ("farmaci_classe_H.csv", 7, True)):
        text = _verified(folder / file, pins).decode("cp1252")
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
        if header:
            next(reader)
        for r in reader:
            if len(r) <= aic_column or not r[aic_column].strip().isdigit():
                continue
            pid = r[aic_column].strip()[:6]
            name = r[2].split("*")[0].strip()
            old = rows.setdefault(pid, [pid, name, "", "1"])
            old[2] = ";".join(_unique([*old[2].split(";"), *(p.strip() for p in r[0].split("/"))]))
    return list(rows.values())


def write(rows: list[list[str]], path: Path) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(sorted(rows, key=lambda r: (r[1], r[0])))
    path.write_bytes(gzip.compress(buf.getvalue().encode("utf-8"), mtime=0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder holding fr_bdpm/ and ca_dpd/ with the pinned raw files")
    args = parser.parse_args(argv)
    sources = {s["key"]: s for s in json.loads((HERE / "SOURCES.json").read_text(encoding="utf-8"))}
    for key, reader in (("fr_bdpm", bdpm), ("ca_dpd", dpd), ("ch_swissmedic", swissmedic), ("it_aifa", aifa)):
        rows = reader(args.folder / key, sources[key]["sha256"])
        write(rows, HERE / f"{key}.csv.gz")
        print(f"{key}: {len(rows)} products", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
