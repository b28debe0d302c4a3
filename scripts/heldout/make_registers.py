"""Build product_name,substances tables from two national drug registers.

Usage: python scripts/heldout/make_registers.py FOLDER
Inputs (FOLDER/raw/, verified by SHA-256 before use):
  raw/medicamentos.csv                 ANMAT vademecum (Argentina), ThinkUpStudios/anmat-vademecum
                                        @ b50f74d4c711ff2fe1a8fb747b00d190d6b94302 : Docs/medicamentos.csv
  raw/CO_medicamentos_aprobados.xlsx   INVIMA CUM (Colombia), FelipeOrtegaC/INVIMA_AnalisisRegistros
                                        @ 62f9b6210a45d456c24600f4a7c62f57c3256797 : data/CO_medicamentos_aprobados.xlsx
Outputs (the REGISTERS folder of scripts/evaluate_heldout.py):
  FOLDER/ar_anmat.csv, FOLDER/co_cum.csv   columns product_name,substances (substances joined by ';')

Python 3.11, stdlib + openpyxl.
"""
import csv
import hashlib
import re
import sys
from pathlib import Path

HERE = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
RAW = HERE / "raw"

SHA = {
    "medicamentos.csv": "0ff47bd531c5bbc0335768fb8f1de48356d9f3d03889229761eef5b5c329afde",
    "CO_medicamentos_aprobados.xlsx": "3f8b48a62bcf47dbb3c49524c365c78597c92f623917f4523cfda7c1f655f38d",
}

# --- dose stripping -------------------------------------------------------
NUM = r"(?:\d[\d.,]*|[.,]\d+)"
UNIT = (r"(?:mg|g|gr|grs|grs?\.|mcg|µg|μg|ug|mcgr|ui|u\.i\.|u|ud|uds|ml|l|%|meq|mmol|mol|"
        r"ufp|ufc|ger|mill|millones|millardos|unidades|unid|und|dosis|ufd|kui|mui|dl|cc|ng|kg|ppm|iu|ie|"
        r"miligramos|microgramos|nanogramos|gramos|gbq|mbq|mci|lf|tcid|dict)")
# a dose token: number + unit (+ optional "/ [number] denominator")
DOSE = re.compile(
    rf"(?<![\w-]){NUM}(?:\s*-\s*{NUM})?\s*{UNIT}(?![\w])\.?"
    rf"(?:\s*%)?"
    rf"(?:\s*(?:/|por|en)\s*(?:{NUM}\s*)?(?:{UNIT}(?![\w])\.?|[a-záéíóúñ]+\.?(?:\s+ampolla)?))?"
    rf"(?:\s*(?:p/v|p/p|v/v))?",
    re.I,
)
LONE_NUM_END = re.compile(r"\s+(?:\d{3,}|\d+[.,]\d*|[.,]\d+)\s*$")  # "CLORHIDRATO 250"; keeps "Alfa 2"
CS = re.compile(r"\s+(?:c\.?s\.?p?\.?|csp)\s*$", re.I)
DE_AFTER_DOSE = re.compile(r"^\s*(?:de|del)\s+", re.I)


GLUED_UNIT = re.compile(rf"(?<=[A-Za-zÁÉÍÓÚÑáéíóúñ)]){NUM}\s*{UNIT}(?=\s|$|[(),]|equivalente|de\b)", re.I)
GLUED_NUM_DOT = re.compile(r"(?<=[A-Za-zÁÉÍÓÚÑáéíóúñ]{4})\d+\.(?=\s|$)")
UNIT_GLUED_WORD = re.compile(r"(?<=\d)\s*(mg|g|mcg)(equivalentes?|de)\b", re.I)


def strip_dose(part: str) -> str:
    """Remove dose tokens glued into a substance string; keep the substance words."""
    s = part
    s = UNIT_GLUED_WORD.sub(lambda m: f" {m.group(1)} {m.group(2)}", s)  # "13.87 MGEQUIVALENTE"
    s = GLUED_UNIT.sub(" ", s)          # "PROPIONATO250MCG"
    s = GLUED_NUM_DOT.sub(" ", s)       # "CLORHIDRATO281." (truncated dose)
    s = re.sub(r"\s-\s?\d+\.(?=\s|$)", " ", s)  # "-235."
    out = []
    pos = 0
    for m in DOSE.finditer(s):
        out.append(s[pos:m.start()])
        pos = m.end()
        # "5 G DE AMOXICILINA" -> "AMOXICILINA"
        rest = DE_AFTER_DOSE.match(s[pos:])
        if rest:
            pos += rest.end()
    out.append(s[pos:])
    s = "".join(out)
    s = re.sub(r"(?<=\s)\d+[.,]\d*(?=\s|$)", " ", s)  # unitless decimal amount "6.935 EQUIVALENTE"
    for _ in range(3):
        s = LONE_NUM_END.sub("", s)
        s = CS.sub("", s)
        s = re.sub(r"\s*[/:,;.+\-]\s*$", "", s)  # dangling separators
        s = re.sub(r"\(\s*\)", "", s)
    s = re.sub(r"\s+", " ", s).strip()
    return s


def split_substances(field: str) -> list[str]:
    out = []
    for p in re.split(r"\s*\+\s*", field or ""):
        p = p.strip()
        if not p:
            continue
        q = strip_dose(p)
        if not q:
            continue
        if q not in out:
            out.append(q)
    return out


def check(name: str) -> Path:
    p = RAW / name
    h = hashlib.sha256(p.read_bytes()).hexdigest()
    if h != SHA[name]:
        sys.exit(f"checksum mismatch for {p}: {h}")
    return p


def write(path: Path, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["product_name", "substances"])
        for r in rows:
            w.writerow(r)


def build_ar():
    p = check("medicamentos.csv")
    rows = []
    with open(p, encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f, delimiter=";"):
            name = r["comercial"].strip()
            subs = split_substances(r["generico"])
            if not name or not subs:
                continue  # no published composition -> cannot be labelled
            rows.append((name, ";".join(subs)))
    write(HERE / "ar_anmat.csv", rows)
    return rows


def build_co():
    import openpyxl
    p = check("CO_medicamentos_aprobados.xlsx")
    wb = openpyxl.load_workbook(p, read_only=True)
    ws = wb["medicamentos"]
    it = ws.iter_rows(values_only=True)
    hdr = next(it)
    rows = []
    for vals in it:
        r = dict(zip(hdr, vals))
        if not r.get("es_vigente") or r.get("estado_regulatorio_final") != "VIGENTE":
            continue
        name = str(r["producto"] or "").strip()
        subs = split_substances(str(r["principio_activo"] or ""))
        if not name or not subs:
            continue
        rows.append((name, ";".join(subs)))
    write(HERE / "co_cum.csv", rows)
    return rows


def stats(tag, rows):
    names = {n for n, _ in rows}
    subs = {s for _, ss in rows for s in ss.split(";")}
    print(f"{tag}: {len(rows)} rows, {len(names)} distinct product names, {len(subs)} distinct substance strings")


if __name__ == "__main__":
    stats("ar_anmat", build_ar())
    stats("co_cum", build_co())
