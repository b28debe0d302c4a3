"""Make scripts/registers/*.csv.gz from national medicines registers' published files (development time only).

The raw files are not kept in this repository. scripts/registers/SOURCES.json pins each one (SHA-256)
and says where it was published and where the copy used was taken from; put them in one folder:

    FOLDER/fr_bdpm/CIS_bdpm.txt, FOLDER/fr_bdpm/CIS_COMPO_bdpm.txt      (France, BDPM)
    FOLDER/ca_dpd/allfiles.zip, allfiles_ap.zip, allfiles_dr.zip          (Canada, DPD extract)
    FOLDER/ch_swissmedic/Packungen-2026.01.08.xlsx                        (Switzerland, Swissmedic)
    FOLDER/it_aifa/farmaci_classe_A.csv, farmaci_classe_H.csv             (Italy, AIFA class A and H lists)
    FOLDER/tr_titck/ruhsatli_ilaclar_listesi.xlsx                        (Turkey, TİTCK licensed products)
    FOLDER/sg_hsa/listing-of-registered-therapeutic-products.csv          (Singapore, HSA, data.gov.sg)
    FOLDER/za_mpr/Database Of Medicine Prices 21 December 2016.xls        (South Africa, medicine prices)
    FOLDER/us_drugsatfda/Products.txt, MarketingStatus.txt, Applications.txt (United States, Drugs@FDA)
    FOLDER/br_anvisa/DADOS_ABERTOS_MEDICAMENTOS.parquet                   (Brazil, ANVISA registered medicines)
    FOLDER/br_cmed/TA_PRECO_MEDICAMENTO_GOV.parquet                       (Brazil, CMED price list)
    FOLDER/es_nomenclator/raw.parquet                                     (Spain, Nomenclátor of the Ministry of Health)
    FOLDER/ie_pcrs/pcrs-druglist.csv                                      (Ireland, HSE PCRS reimbursable items)
    FOLDER/be_inami/raw.parquet                                           (Belgium, INAMI reimbursable specialties)
    FOLDER/pl_mz/zalacznik-do-obwieszczenia.xlsx                          (Poland, list of reimbursed medicines)
    FOLDER/pe_digemid/catalogoproductos22082025.xlsx                      (Peru, DIGEMID catalogue of marketed products)
    FOLDER/cl_isp/bioequiv.csv                                            (Chile, ISP list of bioequivalent products)
    FOLDER/sa_sfda/sfda_registered_drugs.xlsx                             (Saudi Arabia, SFDA registered drugs)
    FOLDER/ec_arcsa/arcsa_marcas.json                                     (Ecuador, ARCSA valid registrations by brand)
    FOLDER/se_tlv/2602.xlsx                                               (Sweden, TLV exchangeable products)
    FOLDER/uk_bnf/20241101_bsa_bnf.zip                                    (United Kingdom, NHSBSA BNF code information)
    FOLDER/cz_sukl/LEK13_202602v01.csv, dlp_atc.csv                       (Czech Republic, SÚKL LEK-13, ATC table)

then run `python scripts/extract_registers.py FOLDER [--only KEY ...]` and `python scripts/build_names.py`.
Each extract keeps, per product: its id, its name as published (for BDPM the part before the first
comma, which is the form), its active substances as published, and whether it is marketed now.
Veterinary, disinfectant and radiopharmaceutical products of the DPD are left out. Reading the
workbooks (.xlsx) needs openpyxl, the South African one (.xls) xlrd (both in the `dev` extra).
Where a register writes strength and form into the product name (TİTCK, HSA, South Africa, SFDA), the
name is cut before its first number.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import gzip
import hashlib
import io
import json
import re
import sys
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
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
    return _split_outside(text, (",",))


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


def _clean(value: object) -> str:
    """A cell as one line of text."""
    return re.sub(r"\s+", " ", str(value if value is not None else "").replace("\xa0", " ")).strip()


_NUMBER = re.compile(r"\s(?=[%\d])")  # "ABIZOL EASYTAB 10 MG 28 ... TABLET": the name ends before its strength


def _before_strength(name: str) -> str:
    head = _NUMBER.split(name, maxsplit=1)[0].strip()
    return head if any(c.isalpha() for c in head) else name


def _split_outside(text: str, separators: tuple[str, ...]) -> list[str]:
    """Split on any of the separators (case-insensitive) outside () and []."""
    lower = text.lower()
    parts, depth, current, i = [], 0, "", 0
    while i < len(text):
        ch = text[i]
        if ch in "([":
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
        if depth == 0:
            sep = next((s for s in separators if lower.startswith(s, i)), None)
            if sep:
                parts.append(current)
                current, i = "", i + len(sep)
                continue
        current += ch
        i += 1
    return [p.strip() for p in (*parts, current) if p.strip()]


def titck(folder: Path, pins: dict[str, str]) -> list[list[str]]:
    """Turkey: the first sheet of TİTCK's list of licensed human medicinal products, one row per package.

    A licence number may be given to two unrelated products, so a product is a licence number with one
    name; its id is its first package's barcode. ETKİN MADDE lists the substances. The list says nothing
    on marketing: a product whose every package is suspended (codes 1-3) is '0', any other ''.
    """
    import openpyxl

    data = _verified(folder / "ruhsatli_ilaclar_listesi.xlsx", pins)
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    rows: dict[tuple[str, str], list[str]] = {}
    for i, r in enumerate(sheet.iter_rows(values_only=True)):
        if i < 2 or len(r) < 12 or not r[2]:  # a title row, then the header
            continue
        licence = "" if isinstance(r[7], (datetime.date, datetime.datetime)) else _clean(r[7])
        name = _before_strength(_clean(r[2]))
        pid = _clean(r[1])
        subs = _split_outside(_clean(r[3]), (",", "/", "+", ";", " – ", " - ", " ve ", " and "))
        suspended = _clean(r[11]) in {"1", "2", "3"}
        old = rows.setdefault((licence or pid, name.upper()), [pid, name, "", "0" if suspended else ""])
        old[2] = ";".join(_unique([*old[2].split(";"), *subs]))
        if not suspended:
            old[3] = ""
    return list(rows.values())


_EQUIVALENT = re.compile(r"\s+(?:eqv\.?|equivalent to|equiv\.?)\s.*$", re.IGNORECASE)
_DOSE = re.compile(r"\s+[\d.,]+\s*(?:mg|mcg|µg|g|iu|%)(?!\w).*$", re.IGNORECASE)


def hsa(folder: Path, pins: dict[str, str]) -> list[list[str]]:
    """Singapore: HSA's Listing of Registered Therapeutic Products (data.gov.sg), one row per product licence.

    Active ingredients are separated by '&&'; the salt and strength some carry ("Clopidogrel Bisulphate
    97.90mg eqv Clopidogrel") are cut off. The listing has no marketing status.
    """
    text = _verified(folder / "listing-of-registered-therapeutic-products.csv", pins).decode("utf-8-sig")
    rows: dict[str, list[str]] = {}
    for r in csv.DictReader(io.StringIO(text, newline="")):
        pid = r["licence_no"].strip()
        if not pid:
            continue
        subs = [_DOSE.sub("", _EQUIVALENT.sub("", _clean(s))) for s in r["active_ingredients"].split("&&")]
        old = rows.setdefault(pid, [pid, _before_strength(_clean(r["product_name"])), "", ""])
        old[2] = ";".join(_unique([*old[2].split(";"), *subs]))
    return list(rows.values())


def mpr(folder: Path, pins: dict[str, str]) -> list[list[str]]:
    """South Africa: the Database of Medicine Prices (single exit prices), one row per pack (NAPPI code).

    A pack with several active ingredients takes one row per further ingredient, with only the
    ingredient filled in. A product is a registration number with one name cut before its strength;
    its id is the registration number, or the NAPPI code where that is missing. The list is of
    medicines with a single exit price, not the register: a product whose every pack is marked
    'Discontinued' is '0', any other ''.
    """
    import xlrd

    data = _verified(folder / "Database Of Medicine Prices 21 December 2016.xls", pins)
    sheet = xlrd.open_workbook(file_contents=data).sheet_by_index(0)
    rows = [sheet.row_values(i) for i in range(sheet.nrows)]
    header = [_clean(h) for h in rows[1]]
    if header[:8] != ["Applicants MCC Licence No", "Applicant Name", "MCC Medicine Reg. No.", "Nappi Code",
                      "ATC 4", "Medicine Schedule", "Medicine Proprietary Name", "Active Ingredients"]:
        raise SystemExit(f"{folder}: not the columns expected of the medicine price database: {header[:8]}")
    status = header.index("Status")
    products: dict[tuple[str, str], list[str]] = {}
    current: list[str] | None = None
    for r in rows[2:]:
        ingredient = _DOSE.sub("", _EQUIVALENT.sub("", _clean(r[7])))
        if r[3] in (None, ""):  # a further ingredient of the pack above
            if current is not None and ingredient:
                current[2] = ";".join(_unique_folded([*current[2].split(";"), ingredient]))
            continue
        nappi = str(int(r[3])) if isinstance(r[3], float) else _clean(r[3])
        regno = _clean(r[2])
        name = _before_strength(_clean(r[6]))
        if not name:
            current = None
            continue
        discontinued = _clean(r[status]).lower().startswith("discontinu")
        current = products.setdefault((regno or nappi, name.upper()),
                                      [regno or nappi, name, "", "0" if discontinued else ""])
        if not discontinued:
            current[3] = ""
        if ingredient:
            current[2] = ";".join(_unique_folded([*current[2].split(";"), ingredient]))
    return list(products.values())


_VEHICLE = re.compile(r"\s+IN\s+.*$")  # "ANCEF IN DEXTROSE 5% IN PLASTIC CONTAINER": the vehicle or container
_QUOTED = re.compile(r"\s*'[\d.,/ ]+'")  # "AUGMENTIN '875'": a strength in quotes


def drugsatfda(folder: Path, pins: dict[str, str]) -> list[list[str]]:
    """United States: the Drugs@FDA data files, one row per application and product name.

    Products.txt gives each approved product's name and active ingredients (';'-separated),
    MarketingStatus.txt whether it is sold now (prescription or over the counter) or discontinued, and
    Applications.txt the application type (NDA, ANDA, BLA) that makes the id ("NDA 018662"). A name is
    cut before its vehicle or container ("IN PLASTIC CONTAINER") and its strength. A product none of
    whose strengths is sold now (discontinued, or only tentatively approved) is '0', any other '1'.
    """

    def table(name: str) -> list[list[str]]:
        text = _verified(folder / name, pins).decode("ascii")
        return [line.split("\t") for line in text.split("\r\n")[1:] if line.strip()]

    kinds = {r[0]: r[1].strip() for r in table("Applications.txt") if len(r) > 1}
    sold = {(r[1], r[2]) for r in table("MarketingStatus.txt") if r[0] in ("1", "2")}
    rows: dict[tuple[str, str], list[str]] = {}
    for r in table("Products.txt"):
        appl, number, name, ingredients = r[0], r[1], _clean(r[5]), r[6]
        name = _before_strength(_VEHICLE.sub("", _QUOTED.sub("", name)).strip(" -"))
        if not name:
            continue
        pid = f"{kinds.get(appl, 'application')} {appl}"
        old = rows.setdefault((appl, name.upper()), [pid, name, "", "0"])
        old[2] = ";".join(_unique([*old[2].split(";"), *(_clean(i) for i in ingredients.split(";"))]))
        if (appl, number) in sold:
            old[3] = "1"
    return list(rows.values())


def _parquet(path: Path, pins: dict[str, str]) -> list[dict[str, object]]:
    import pyarrow.parquet as pq

    return pq.read_table(io.BytesIO(_verified(path, pins))).to_pylist()


def _text(value: object) -> str:
    """A cell as text; the copies write a missing value as "nan" or None."""
    text = _clean(value)
    return "" if text.lower() in ("nan", "none") else text


def anvisa(folder: Path, pins: dict[str, str]) -> list[list[str]]:
    """Brazil: ANVISA's open data on registered medicines, one row per registration.

    Only valid registrations name their active substances (joined by '+'); the others say nothing of
    what they held and are left out. The register says nothing on marketing: every row is ''.
    """
    rows: dict[tuple[str, str], list[str]] = {}
    for r in _parquet(folder / "DADOS_ABERTOS_MEDICAMENTOS.parquet", pins):
        name, subs = _text(r["NOME_PRODUTO"]), _text(r["PRINCIPIO_ATIVO"])
        if not name or not subs or _text(r["SITUACAO_REGISTRO"]) != "VÁLIDO":
            continue
        pid = _text(r["NUMERO_REGISTRO_PRODUTO"])
        old = rows.setdefault((pid, name.upper()), [pid, name, "", ""])
        old[2] = ";".join(_unique([*old[2].split(";"), *_split_outside(subs, ("+",))]))
    return list(rows.values())


def cmed(folder: Path, pins: dict[str, str]) -> list[list[str]]:
    """Brazil: the CMED list of maximum prices for sales to government, one row per product name and composition.

    Substances are separated by ';'; the id is the first presentation's EAN barcode. A price list says
    nothing on marketing: every row is ''.
    """
    rows: dict[tuple[str, str], list[str]] = {}
    for r in _parquet(folder / "TA_PRECO_MEDICAMENTO_GOV.parquet", pins):
        name, subs = _text(r["PRODUTO"]), _text(r["SUBSTÂNCIA"])
        if not name or not subs:
            continue
        key = (name.upper(), subs.upper())
        rows.setdefault(key, [_text(r["EAN 1"]) or name, name, ";".join(_unique(subs.split(";"))), ""])
    return list(rows.values())


_SPANISH_STATE = {"ALTA": "1", "BAJA GENERAL": "0", "BAJA POR NO COMERCIALIZAR": "0",
                  "SUSPENSION TEMPORAL GENERAL": "0"}


def nomenclator(folder: Path, pins: dict[str, str]) -> list[list[str]]:
    """Spain: the Ministry of Health's Nomenclátor (medicines and health products billed to the health system).

    The copy keeps each row's columns as published, as JSON. A row with no active substance is a
    health product (dressings, devices) and is left out; substances are separated by commas. The id is
    the Código Nacional; a product in state ALTA is '1', one withdrawn or suspended '0'.
    """
    rows: dict[str, list[str]] = {}
    for record in _parquet(folder / "raw.parquet", pins):
        r = json.loads(str(record["raw_fields_json"]))
        subs = _clean(r.get("Principio activo o asociación de principios activos"))
        name = _before_strength(_clean(r.get("Nombre del producto farmacéutico")).split(",")[0])
        if not subs or not name:
            continue
        pid = _clean(r.get("Código Nacional"))
        state = _SPANISH_STATE.get(_clean(r.get("Estado")), "")
        rows[pid] = [pid, name, ";".join(_unique(_split_outside(subs, (",",)))), state]
    return list(rows.values())


_COMPANY = re.compile(r"\s*\([^()]*\)\s*$")  # "SALAZOPYRIN EN (P.C.O. MFG.)": a parallel importer's name


def pcrs(folder: Path, pins: dict[str, str]) -> list[list[str]]:
    """Ireland: the HSE Primary Care Reimbursement Service's list of reimbursable items, one row per code.

    'Name' is the product's name (a parallel importer's name in brackets is cut off), 'INN' its active
    substances, several joined by ' AND ' (for some combinations the list gives the ATC group's name,
    "PERINDOPRIL AND DIURETICS"). An item without an INN (a dressing, an appliance) is left out. The
    list holds items reimbursed now: every row is '1'.
    """
    text = _verified(folder / "pcrs-druglist.csv", pins).decode("utf-8-sig")
    rows: dict[str, list[str]] = {}
    for r in csv.DictReader(io.StringIO(text, newline="")):
        name, inn = _COMPANY.sub("", _clean(r["Name"])), _clean(r["INN"])
        if not name or not inn:
            continue
        pid = _clean(r["Code"])
        rows[pid] = [pid, name, ";".join(_unique(_split_outside(inn, (" and ",)))), "1"]
    return list(rows.values())


def inami(folder: Path, pins: dict[str, str]) -> list[list[str]]:
    """Belgium: INAMI's list of reimbursable specialties, one row per specialty code.

    The copy keeps each row's columns as published, as JSON. S_NAM is the product's name, B_LBL_FR its
    active substances in French (several joined by ' + '); a specialty marked UNAVAILABLE is '0'.
    """
    rows: dict[str, list[str]] = {}
    for record in _parquet(folder / "raw.parquet", pins):
        r = json.loads(str(record["raw_fields_json"]))
        name, subs = _clean(r.get("S_NAM")), _clean(r.get("B_LBL_FR"))
        if not name or not subs:
            continue
        pid = _clean(r.get("S_COD"))
        rows[pid] = [pid, name, ";".join(_unique(_split_outside(subs, (" + ",)))),
                     "0" if _clean(r.get("UNAVAILABLE")) == "1" else "1"]
    return list(rows.values())


# The lists of medicines (A1 pharmacy, B drug programmes, C chemotherapy, D off-label, E, F2); not A2
# (foods for special medical purposes), A3 (medical devices) nor G (preparations made in the pharmacy).
_POLISH_SHEETS = ("A1", "B", "C", "D1", "D2", "E", "F2")


def reimbursement_pl(folder: Path, pins: dict[str, str]) -> list[list[str]]:
    """Poland: the Minister of Health's list of reimbursed medicines (annex to the announcement), one row per GTIN.

    Each sheet starts with a title row, then the header: LP, Substancja czynna (the Latin INN, several
    joined by ' + '), the name with its form and strength (cut at its first comma and strength), the
    pack, the GTIN. The list holds medicines reimbursed now: every row is '1'.
    """
    import openpyxl

    data = _verified(folder / "zalacznik-do-obwieszczenia.xlsx", pins)
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows: dict[str, list[str]] = {}
    for title in (t for t in _POLISH_SHEETS if t in book.sheetnames):
        for i, r in enumerate(book[title].iter_rows(values_only=True)):
            if i < 2 or len(r) < 5 or not r[1] or not r[2]:
                continue
            name = _before_strength(_clean(r[2]).split(",")[0])
            pid = _clean(r[4])
            if name and pid:
                rows[pid] = [pid, name, ";".join(_unique(_split_outside(_clean(r[1]), (" + ",)))), "1"]
    return list(rows.values())


def _records_after(rows: Iterable[Iterable[object]], first: str) -> Iterator[dict[str, str]]:
    """Each row after the header row (the one whose first cell is `first`) as a dict by column; the rows
    before it (a title block, a date) are skipped."""
    header: list[str] | None = None
    for r in rows:
        cells = [_clean(c) for c in r]
        if header is None:
            header = cells if cells and cells[0] == first else None
            continue
        yield dict(zip(header, cells))


def digemid(folder: Path, pins: dict[str, str]) -> list[list[str]]:
    """Peru: DIGEMID's catalogue of pharmaceutical products marketed in the country, one row per product code.

    The sheet starts with a title block (the catalogue's update date), then the header: Cod_Prod,
    Nom_Prod (the product's name), ..., Nom_IFA (its active substances, several joined by ' + '),
    Nom_Rubro, Situación. The catalogue lists products on the market: a row in state ACT is '1'.
    """
    import openpyxl

    data = _verified(folder / "catalogoproductos22082025.xlsx", pins)
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows: dict[str, list[str]] = {}
    for row in _records_after(book[book.sheetnames[0]].iter_rows(values_only=True), "Cod_Prod"):
        name, subs = _before_strength(row.get("Nom_Prod", "")), row.get("Nom_IFA", "")
        if not name or not subs:
            continue
        pid = row["Cod_Prod"].removesuffix(".0")
        rows[pid] = [pid, name, ";".join(_unique(_split_outside(subs, (" + ",)))),
                     "1" if row.get("Situación") == "ACT" else "0"]
    return list(rows.values())


# Where a Chilean product's name ends and its form begins ("LODUX COMPRIMIDOS 25 mg", "PLENICA 75 CÁPSULAS").
_SPANISH_FORM = re.compile(
    r"\s+(?:COMPRIMIDOS?|C[AÁ]PSULAS?|SOLUCI[OÓ]N|SUSPENSI[OÓ]N|POLVO|LIOFILIZADO|INYECTABLE|GRAGEAS?|JARABE|"
    r"GOTAS|GRANULADO|EMULSI[OÓ]N|CREMA|UNG[UÜ]ENTO|AEROSOL|TABLETAS?)\b.*$",
    re.IGNORECASE,
)


def bioequivalent_cl(folder: Path, pins: dict[str, str]) -> list[list[str]]:
    """Chile: the ISP's list of bioequivalent (therapeutically equivalent) products, one row per registration.

    A semicolon-separated file in Windows-1252; a title block (the list's date), then the header: N°,
    Principio Activo (several joined by '/'), Producto (name, form and strength), Registro, Titular,
    Estado (of bioequivalence), Vigencia. The name is cut before its form and strength. The list says
    nothing of what is on the market now: every row is '0'.
    """
    text = _verified(folder / "bioequiv.csv", pins).decode("cp1252")
    rows: dict[str, list[str]] = {}
    for row in _records_after(csv.reader(io.StringIO(text, newline=""), delimiter=";"), "N°"):
        name = _before_strength(_SPANISH_FORM.sub("", row.get("Producto", "")))
        subs, pid = row.get("Principio Activo", ""), row.get("Registro", "")
        if name and subs and pid:
            rows[pid] = [pid, name, ";".join(_unique(_split_outside(subs, ("/", " + ")))), "0"]
    return list(rows.values())


def sfda(folder: Path, pins: dict[str, str]) -> list[list[str]]:
    """Saudi Arabia: the SFDA's list of registered human drugs, one row per registration number.

    A workbook of the SFDA drugs list's fields, one row per registration: Drug Name (name, often with
    strength and form), Registration Number, Scientific Name (several joined by ','), Marketing Status,
    Authorization Status. The name is cut before its strength; a row marketed and valid is '1'.
    """
    import openpyxl

    data = _verified(folder / "sfda_registered_drugs.xlsx", pins)
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows: dict[str, list[str]] = {}
    for row in _records_after(book[book.sheetnames[0]].iter_rows(values_only=True), "Drug Name"):
        name, subs, pid = _before_strength(row.get("Drug Name", "")), row.get("Scientific Name", ""), row.get(
            "Registration Number", "")
        if not name or not subs or not pid:
            continue
        marketed = row.get("Marketing Status") == "Marketed" and row.get("Authorization Status") == "Valid"
        rows[pid] = [pid, name, ";".join(_unique(_split_outside(subs, (",",)))), "1" if marketed else "0"]
    return list(rows.values())


def tlv(folder: Path, pins: dict[str, str]) -> list[list[str]]:
    """Sweden: TLV's "Periodens varor" for February 2026, the exchangeable medicines of the month, one row
    per pack: Produktnamn (name), Substans (several joined by ' + '), NPL ID (the product's id in the
    national product register). It lists only products in generic-substitution groups, and does not say
    which are on the market beyond the month's offer: every row is '0'.
    """
    import openpyxl

    data = _verified(folder / "2602.xlsx", pins)
    book = openpyxl.load_workbook(io.BytesIO(data))  # not read-only: the sheet declares no dimensions
    rows: dict[str, list[str]] = {}
    for row in _records_after(book[book.sheetnames[0]].iter_rows(values_only=True), "Status"):
        name, subs, pid = row.get("Produktnamn", ""), row.get("Substans", ""), row.get("NPL ID", "")
        if name and subs and pid:
            old = rows.setdefault(pid, [pid, _before_strength(name), "", "0"])
            old[2] = ";".join(_unique([*old[2].split(";"), *_split_outside(subs, (" + ",))]))
    return list(rows.values())


def arcsa(folder: Path, pins: dict[str, str]) -> list[list[str]]:
    """Ecuador: ARCSA's report of valid sanitary registrations, as a copy gathers it by brand.

    A JSON object, one entry per brand (Marca_producto of the report): "marca" (the brand as written),
    "principios" (the active substances of its registrations, as the copy parsed them from the report's
    free text), "registros" (their registration numbers). A brand of one registration is one product with
    those substances. A brand of several has them all, and which each registration holds is not told
    (Cassara: propranolol, amorolfine and tobramycin, three products): each substance is then a product
    of its own, so the brand names one composition only if its substances are one ("Clozapina",
    "Clozapina Básica"). Entries whose brand has no letter ("-", ".") are no products. The report lists
    valid registrations, not what is on the market: every row is '0'.
    """
    entries = json.loads(_verified(folder / "arcsa_marcas.json", pins).decode("utf-8"))
    rows: list[list[str]] = []
    for entry in entries.values():
        name, ids = _before_strength(_clean(entry.get("marca", ""))), [_clean(i) for i in entry.get("registros", [])]
        subs = _unique([_clean(s) for s in entry.get("principios", [])])
        if not any(c.isalpha() for c in name) or not subs or not ids:
            continue
        if len(ids) == 1:
            rows.append([ids[0], name, ";".join(subs), "0"])
        else:
            rows += [[f"{ids[0]} ({k})", name, s, "0"] for k, s in enumerate(subs, 1)]
    return rows


# A BNF chemical substance that names a group, not substances ("Other antacid and simeticone preparations",
# "Alginic acid compound preparations", "Atenolol with diuretic"): its named substance, if any, is kept.
_BNF_GROUP = re.compile(r"^other\b|\bpreparations?\b|\bprepartions\b|\bcompounds?\b|\bmixtures\b|^combined\b", re.I)
_BNF_GROUP_TAIL = re.compile(
    r"\s+(?:combined preparations|compound preparations|compound prepartions|compound mixtures"
    r"|with (?:diuretic|thiazides|loop diuretics|calcium channel blocker|progestogen))$", re.I)
_BNF_COMPOUND = re.compile(r"^Co-[\w-]+\s*\((?P<parts>.*)\)$")  # "Co-trimoxazole(Trimethoprim/sulfamethoxazole)"


def _bnf_substances(chemical: str) -> list[str]:
    """The active substances a BNF chemical substance names: a compound's parts, a combination's components."""
    text = _clean(chemical)
    compound = _BNF_COMPOUND.match(text)
    if compound:
        text = compound.group("parts")
    else:
        text = _BNF_GROUP_TAIL.sub("", text)
        if _BNF_GROUP.search(text):
            return []
    parts = _split_outside(text, ("/", " and ", " with ", ", "))
    return [p for p in parts if not any(c.isdigit() for c in p)]


def _without_qualifier(name: str) -> str:
    """A BNF product name without the qualifier in brackets at its end ("Amoxil (Systemic)": Amoxil)."""
    name = _clean(name)
    while name.endswith(")"):
        depth = 0
        for i in range(len(name) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(name[i], 0)
            if depth == 0:
                break
        if i == 0 or depth:
            break
        name = name[:i].strip()
    return name


def bnf(folder: Path, pins: dict[str, str]) -> list[list[str]]:
    """United Kingdom: the NHS Business Services Authority's BNF code information, one row per BNF product.

    One row per presentation: BNF Chapter Code, BNF Chemical Substance (the INN, a compound's name with
    its parts in brackets, components joined by '/', ' and ' or ' with ', or a group's name such as
    "Other antacid and simeticone preparations"), BNF Product (a brand, or for the generic product,
    code letters AA, the substance's name; a qualifier in brackets such as "(Systemic)" is cut off),
    BNF Product Code. Chapters 18 to 23 (diagnostics, other preparations, dressings and appliances) have
    no chemical substance and are left out, as are products of a group with no substance named. The
    codes stay after a product leaves the market: every row is '0'.
    """
    data = _verified(folder / "20241101_bsa_bnf.zip", pins)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        text = z.read(z.namelist()[0]).decode("utf-8-sig")
    rows: dict[str, list[str]] = {}
    for r in csv.DictReader(io.StringIO(text, newline="")):
        if not r["BNF Chapter Code"].isdigit() or int(r["BNF Chapter Code"]) >= 18:
            continue
        subs, name, pid = _bnf_substances(r["BNF Chemical Substance"]), _without_qualifier(r["BNF Product"]), _clean(
            r["BNF Product Code"])
        if subs and name and pid and pid not in rows:
            rows[pid] = [pid, name, ";".join(_unique(subs)), "0"]
    return list(rows.values())


def _atc_substances(name: str, substances: set[str]) -> list[str]:
    """The substances an ATC level-5 name gives: "SULFAMETHOXAZOLE AND TRIMETHOPRIM" two, each a level-5
    substance of its own; none where a part is a class or left unnamed ("AMOXICILLIN AND BETA-LACTAMASE
    INHIBITOR", "IBUPROFEN, COMBINATIONS"), for the product may hold any substance of it."""
    name = _clean(name)
    parts = _split_outside(name, (", ", " and ")) if " AND " in name.upper() else [name]
    return parts if all(p.upper() in substances for p in parts) else []


def lek13(folder: Path, pins: dict[str, str]) -> list[list[str]]:
    """Czech Republic: SÚKL's LEK-13 report of what pharmacies dispensed in February 2026, one row per SÚKL
    code, its substances from its ATC code.

    LEK13_202602v01.csv (';', Windows-1250): ATC7, Kód SÚKL, Název přípravku (the name; its strength and
    form are in another column); dlp_atc.csv, the ATC table of SÚKL's medicines database (ATC, NAZEV_EN).
    The report gives no composition: a product's substances are its ATC code's English name (see
    _atc_substances), so a product whose code is a group (five characters or fewer), or names a class or
    unnamed substances besides its own, is left out. It lists
    products dispensed that month: every row is '1'.
    """
    atc_text = _verified(folder / "dlp_atc.csv", pins).decode("cp1250")
    atc = {r["ATC"]: r["NAZEV_EN"] for r in csv.DictReader(io.StringIO(atc_text, newline=""), delimiter=";")}
    singles = {_clean(n).upper() for code, n in atc.items() if len(code) == 7 and " AND " not in n.upper()
               and "COMBINATION" not in n.upper()}
    text = _verified(folder / "LEK13_202602v01.csv", pins).decode("cp1250")
    rows: dict[str, list[str]] = {}
    for r in csv.DictReader(io.StringIO(text, newline=""), delimiter=";"):
        code, pid, name = _clean(r["ATC7"]), _clean(r["Kód SÚKL"]), _clean(r["Název přípravku"])
        subs = _atc_substances(atc.get(code, ""), singles) if len(code) == 7 else []
        if subs and name and pid:
            rows[pid] = [pid, name, ";".join(_unique(subs)), "1"]
    return list(rows.values())


def _unique_folded(items: list[str]) -> list[str]:
    """_unique, with items that differ only in case ("Sodium chloride", "Sodium Chloride") taken once."""
    seen: dict[str, str] = {}
    for item in items:
        if item.strip():
            seen.setdefault(item.strip().casefold(), item.strip())
    return list(seen.values())


def write(rows: list[list[str]], path: Path) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(sorted(rows, key=lambda r: (r[1], r[0])))
    path.write_bytes(gzip.compress(buf.getvalue().encode("utf-8"), mtime=0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder holding one folder per register with its pinned raw files")
    parser.add_argument("--only", nargs="+", metavar="KEY", help="extract only these registers (fr_bdpm, ...)")
    args = parser.parse_args(argv)
    sources = {s["key"]: s for s in json.loads((HERE / "SOURCES.json").read_text(encoding="utf-8"))}
    readers = {"fr_bdpm": bdpm, "ca_dpd": dpd, "ch_swissmedic": swissmedic, "it_aifa": aifa, "tr_titck": titck,
               "sg_hsa": hsa, "za_mpr": mpr, "us_drugsatfda": drugsatfda, "br_anvisa": anvisa, "br_cmed": cmed,
               "es_nomenclator": nomenclator, "ie_pcrs": pcrs, "be_inami": inami, "pl_mz": reimbursement_pl,
               "pe_digemid": digemid, "cl_isp": bioequivalent_cl, "sa_sfda": sfda,
               "ec_arcsa": arcsa, "se_tlv": tlv, "uk_bnf": bnf,
               "cz_sukl": lek13}
    for key, reader in readers.items():
        if args.only and key not in args.only:
            continue
        rows = reader(args.folder / key, sources[key]["sha256"])
        write(rows, HERE / f"{key}.csv.gz")
        print(f"{key}: {len(rows)} products", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
