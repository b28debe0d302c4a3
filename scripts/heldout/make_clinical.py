"""Extract distinct clinical strings from the MIMIC-III demo and eICU demo files.

Usage: python scripts/heldout/make_clinical.py FOLDER
Reads FOLDER/mimic3_demo/ and FOLDER/eicu_demo/ (the files pinned below; scripts/heldout_sources.json
says where each was taken from) and writes FOLDER/strings/<source>.txt, one distinct string per
line, sorted. The hand labels of these strings are labels/clinical_labels.csv.gz.

Column choices (see labels/LABEL_RULES.md for the counts):
  mimic3_prescriptions  PRESCRIPTIONS.csv: DRUG  union  DRUG_NAME_GENERIC
  mimic3_inputs         D_ITEMS.csv: LABEL where LINKSTO in {inputevents_mv, inputevents_cv}
  eicu_medication       medication.csv.gz: drugname
  eicu_infusion         infusionDrug.csv.gz: drugname
  eicu_admission        admissionDrug.csv.gz: drugname
  eicu_intake           intakeOutput.csv.gz: celllabel where cellpath is under
                        'flowsheet|Flowsheet Cell Labels|I&O|Intake (ml)|'
Every value is stripped of surrounding whitespace; empty values are dropped.
"""
import csv
import gzip
import hashlib
import os
import sys

HERE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
MIMIC = os.path.join(HERE, "mimic3_demo")
EICU = os.path.join(HERE, "eicu_demo")
OUT = os.path.join(HERE, "strings")

SHA256 = {
    "mimic3_demo/PRESCRIPTIONS.csv": "a26b4df00cc89ba73933cc8160b102c3602af7c58c0b4e7044902e9e17e7fb9a",
    "mimic3_demo/D_ITEMS.csv": "c8e6efc24216230adf3e86b7fd4bcbcc82d8625882044daa7494d767a4f22ad9",
    "mimic3_demo/INPUTEVENTS_MV.csv": "e9dc422431c9ec9c4c5eb859939be6352d21a29011a115c13e01e33151bc6ebb",
    "mimic3_demo/LICENSE.txt": "136454b9c13b6e1fe49cede8a7eedae5447ffd7c33abe14d458c6370f8eb943b",
    "mimic3_demo/SHA256SUMS.txt": "0eaf704593733663bef516d2358cd675d2e1659ce003d9a54b22adf1d5ec9da1",
    "eicu_demo/medication.csv.gz": "480a251570a27932110452f66f248061f712c306663c274f78f90875648cb720",
    "eicu_demo/infusionDrug.csv.gz": "3b9f024d28682884a820763ac516ae68b247ebf17903fee4f38240c04886d527",
    "eicu_demo/admissionDrug.csv.gz": "fcf0af0de0efe18ec932199d2fcb308143886df6d50daea869bea48464ea6d68",
    "eicu_demo/intakeOutput.csv.gz": "45db8ee0e64a4e3745284bde5828f740175770c45d00ea0c27daff789d18106e",
    "eicu_demo/patient.csv.gz": "15e1eb52169828e3cfff3b67132a087298de4d0365bbb31bb294f6043bffd474",
    "eicu_demo/LICENSE.txt": "fa3b6710382eb2b225841ef0270ce2538b4a032d866a1833dd1dede971b1abb2",
}

INTAKE_PREFIX = "flowsheet|Flowsheet Cell Labels|I&O|Intake (ml)|"


def verify():
    bad = []
    for rel, want in SHA256.items():
        h = hashlib.sha256()
        with open(os.path.join(HERE, rel), "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        if h.hexdigest() != want:
            bad.append(rel)
    return bad


def read_csv(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", newline="", encoding="utf-8") as f:
        yield from csv.DictReader(f)


def distinct(values):
    out = set()
    for v in values:
        if v is None:
            continue
        v = v.strip()
        if v:
            out.add(v)
    return out


def mimic3_prescriptions():
    vals = []
    for r in read_csv(os.path.join(MIMIC, "PRESCRIPTIONS.csv")):
        vals.append(r["DRUG"])
        vals.append(r["DRUG_NAME_GENERIC"])
    return distinct(vals)


def mimic3_inputs():
    return distinct(
        r["LABEL"]
        for r in read_csv(os.path.join(MIMIC, "D_ITEMS.csv"))
        if r["LINKSTO"] in ("inputevents_mv", "inputevents_cv")
    )


def eicu_column(fname, col, keep=lambda r: True):
    return distinct(r[col] for r in read_csv(os.path.join(EICU, fname)) if keep(r))


SOURCES = {
    "mimic3_prescriptions": mimic3_prescriptions,
    "mimic3_inputs": mimic3_inputs,
    "eicu_medication": lambda: eicu_column("medication.csv.gz", "drugname"),
    "eicu_infusion": lambda: eicu_column("infusionDrug.csv.gz", "drugname"),
    "eicu_admission": lambda: eicu_column("admissionDrug.csv.gz", "drugname"),
    "eicu_intake": lambda: eicu_column(
        "intakeOutput.csv.gz", "celllabel",
        lambda r: r["cellpath"].startswith(INTAKE_PREFIX)),
}


def main():
    bad = verify()
    if bad:
        print("checksum mismatch:", ", ".join(bad), file=sys.stderr)
        return 1
    os.makedirs(OUT, exist_ok=True)
    for name, fn in SOURCES.items():
        strings = sorted(fn())
        with open(os.path.join(OUT, name + ".txt"), "w", encoding="utf-8", newline="\n") as f:
            for s in strings:
                f.write(s + "\n")
        print(f"{name}\t{len(strings)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
