"""The catalog loader: validation rules, the packaged data, and names from the authorities."""

from __future__ import annotations

import importlib.util
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from medcheck.catalog import build_catalog, load_catalog
from medcheck.errors import CatalogError
from medcheck.models import EVIDENCE_LEVELS, Label, Risk
from medcheck.normalize import normalize
from medcheck.sources import source_kind

from .conftest import HEADER, TINY_ROWS

ROOT = Path(__file__).resolve().parent.parent
MAYO = "https://www.mayoclinic.org/symptoms/neutropenia/basics/definition/sym-20050854"
MAYO_EXCERPT = Path(__file__).resolve().parent / "data" / "anc_sources" / "mayo_clinic_2022.txt"
# Mayo Clinic's page "Neutropenia (low neutrophil count)" names these drugs among the causes.
MAYO_DRUGS = [
    "methimazole", "propylthiouracil", "vancomycin", "penicillin g", "oxacillin", "ganciclovir",
    "valganciclovir", "sulfasalazine", "clozapine", "chlorpromazine", "quinidine", "procainamide", "levamisole",
]
# Drugs with more than 10 published reports, Andersohn et al., Ann Intern Med 2007 (PMID 17470834).
ANDERSOHN_DRUGS = [
    "carbimazole", "clozapine", "dapsone", "dipyrone", "methimazole", "penicillin g", "procainamide",
    "propylthiouracil", "rituximab", "sulfasalazine", "ticlopidine",
]


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


NAMES_HEADER = "drug,name,key,kind,match,sources\n"


def load_text(text: str, guard: str | None = None, names: str | None = None, parts: str | None = None):
    return build_catalog(
        ("drugs.csv", text),
        ("names.csv", names) if names is not None else None,
        ("guard.txt", guard) if guard is not None else None,
        parts_file=("parts.csv", parts) if parts is not None else None,
    )


# --- validation rules: each names the file and the line -------------------------------------

def test_tiny_catalog_loads(tiny_catalog_path):
    cat = load_catalog(tiny_catalog_path)
    assert [d.name for d in cat.drugs][:2] == ["clozapine", "methimazole"]
    assert cat.names["tapazole"].name == "methimazole"
    assert cat.abbreviations["tmp smx"].name == "sulfamethoxazole-trimethoprim"


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        ("drug,drug_class,evidence\nx,y,labeled\n", 1, "missing column(s) sources"),
        (HEADER + ",,,,antipsychotic,labeled,,seed,rare\n", 2, "empty drug"),
        (HEADER + "x,,,,,labeled,,seed,rare\n", 2, "empty drug_class"),
        (HEADER + "x,,,,c,,,seed,rare\n", 2, "empty evidence"),
        (HEADER + "x,,,,c,labeled,,,rare\n", 2, "empty sources"),
        (HEADER + "x,,,,c,probably,,seed,rare\n", 2, "evidence 'probably' is not one of"),
        (HEADER + "x,,,,c,labeled,,s,rare\nX,,,,c,labeled,,s,rare\n", 3, "already listed on line 2"),
        (HEADER + "alpha,,Tapazole,,c,labeled,,s,rare\nbeta,,TAPAZOLE,,c,labeled,,s,rare\n", 3, "maps to both 'alpha' and 'beta'"),
        (HEADER + "alpha,,,PTU,c,labeled,,s,rare\nbeta,,ptu,,c,labeled,,s,rare\n", 3, "maps to both"),
        (HEADER + "x,,,,c,labeled,,s,extra,rare\n", 2, "more fields than the header"),
        (HEADER + "x,,250 mg,,c,labeled,,s,rare\n", 2, "nothing left after normalising"),
        (HEADER, None, "no drugs listed"),
    ],
)
def test_drug_list_rules(text, line, fragment):
    with pytest.raises(CatalogError) as info:
        load_text(text)
    assert info.value.path == "drugs.csv"
    assert info.value.line == line
    assert fragment in str(info.value)


def test_guard_name_that_is_a_catalog_name_is_an_error():
    with pytest.raises(CatalogError) as info:
        load_text(HEADER + TINY_ROWS, guard="# comment\nclonazepam\nClozaril\n")
    assert (info.value.path, info.value.line) == ("guard.txt", 3)
    assert "also a name of catalog drug 'clozapine'" in str(info.value)


@pytest.mark.parametrize(
    "row, fragment",
    [
        ("nodrug,NODRUG,nodrug,generic,fuzzy,FDA UNII X", "drug 'nodrug' is not in the drug list"),
        ("clozapine,Leponex,leponex,trade,fuzzy,FDA UNII X", "kind 'trade' is not one of"),
        ("clozapine,Leponex,leponex,brand,maybe,FDA UNII X", "match 'maybe' is not one of: exact, fuzzy, possible"),
        ("clozapine,Leponex,,brand,fuzzy,FDA UNII X", "empty name or key"),
        ("clozapine,Leponex,leponex,brand,fuzzy,FDA UNII X,extra", "more fields than the header has"),
        ('clozapine,"Leponex,leponex,brand,fuzzy,FDA UNII X', "empty name or key"),  # a quote left open
    ],
)
def test_names_file_rules(row, fragment):
    names = NAMES_HEADER + "clozapine,CLOZARIL,clozaril,brand,fuzzy,FDA UNII J60AR2IKIC\n" + row + "\n"
    with pytest.raises(CatalogError) as info:
        load_text(HEADER + TINY_ROWS, names=names)
    assert (info.value.path, info.value.line) == ("names.csv", 3)
    assert fragment in str(info.value)


def test_a_names_file_without_a_column_is_refused():
    with pytest.raises(CatalogError) as info:
        load_text(HEADER + TINY_ROWS, names="drug,name,key,kind,sources\nclozapine,X,x,brand,FDA UNII X\n")
    assert (info.value.path, info.value.line) == ("names.csv", 1)
    assert "missing column(s) match" in str(info.value)


def test_names_carry_their_authorities_and_match_mode():
    names = NAMES_HEADER + (
        "clozapine,LEPONEX,leponex,brand,fuzzy,FDA UNII J60AR2IKIC; France BDPM 6123\n"
        "clozapine,Fazaclo,fazaclo,brand,exact,FDA UNII J60AR2IKIC\n"
        "clozapine,CLZ,clz,abbreviation,exact,hand-curated PMID:1\n"
    )
    cat = load_text(HEADER + TINY_ROWS, names=names)
    cloz = cat.names["leponex"]
    assert cat.names["fazaclo"] is cloz and cat.abbreviations["clz"] is cloz
    assert "leponex" in cat.fuzzy and "fazaclo" not in cat.fuzzy and "clz" not in cat.fuzzy
    assert "clozapine" in cat.fuzzy and "clozaril" in cat.fuzzy  # canonical and hand-listed names
    shown = {n.name: n for n in cloz.name_sources}
    assert shown["LEPONEX"].sources == ("FDA UNII J60AR2IKIC", "France BDPM 6123")
    assert shown["LEPONEX"].fuzzy and not shown["Fazaclo"].fuzzy
    assert shown["Clozaril"].sources == ("drugs.csv, line 2",)
    assert cloz.unii == ("J60AR2IKIC",)


def test_a_name_another_country_gives_another_medicine_is_only_possible():
    names = NAMES_HEADER + (
        "clozapine,Clopin,clopin,brand,possible,Switzerland Swissmedic 1; another medicine in Brazil ANVISA 2 (X)\n"
    )
    cat = load_text(HEADER + TINY_ROWS, names=names)
    assert "clopin" not in cat.names and "clopin" not in cat.fuzzy
    assert cat.possible["clopin"].name == "clozapine"
    shown = {n.name: n for n in cat.possible["clopin"].name_sources}
    assert shown["Clopin"].possible and not shown["Clopin"].fuzzy
    assert shown["Clopin"].sources[-1] == "another medicine in Brazil ANVISA 2 (X)"
    assert pickle.loads(pickle.dumps(cat)).possible["clopin"].name == "clozapine"


def test_combination_parts_index():
    parts = "drug,part,name,sources\n" + (
        "sulfamethoxazole-trimethoprim,sulfamethoxazole,sulfametoxazol,DrugBank/MeSH DB01015\n"
        "sulfamethoxazole-trimethoprim,sulfamethoxazole,SULFAMETHOXAZOLE,FDA UNII JE42381TNV\n"
        "sulfamethoxazole-trimethoprim,trimethoprim,trimetoprima,DrugBank/MeSH DB00440\n"
        "nodrug,x,xname,nowhere\n"
    )
    cat = load_text(HEADER + TINY_ROWS, parts=parts)
    assert cat.part_counts == {"sulfamethoxazole-trimethoprim": 2}
    assert cat.parts["sulfametoxazol"] == cat.parts["sulfamethoxazole"] == (("sulfamethoxazole-trimethoprim", 0),)
    assert cat.parts["trimetoprima"] == (("sulfamethoxazole-trimethoprim", 1),)
    assert "xname" not in cat.parts


def test_user_list_may_claim_a_guard_name(write):
    own = write("own.csv", HEADER + "clonazepam,,,,benzodiazepine,case-reports,,my own source,rare\n")
    cat = load_catalog(own)
    assert cat.names["clonazepam"].name == "clonazepam"
    assert "clonazepam" not in cat.guard
    assert "quinine" in cat.guard  # the rest of the packaged guard still applies


def test_not_utf8_names_the_line(write):
    path = write("latin.csv", HEADER + "caf\u00e9,,,,c,labeled,,s,rare\n", encoding="latin-1")
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert info.value.line == 2 and "UTF-8" in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(CatalogError, match="file not found"):
        load_catalog(tmp_path / "nope.csv")


# --- the packaged catalog --------------------------------------------------------------------

def test_catalog_size_and_required_fields(catalog):
    assert len(catalog.drugs) >= 120
    for drug in catalog.drugs:
        assert drug.name == drug.name.lower()
        assert drug.drug_class and drug.evidence in EVIDENCE_LEVELS and drug.sources, drug.name


@pytest.mark.parametrize("name", MAYO_DRUGS)
def test_drugs_the_mayo_clinic_page_names_cite_it(catalog, name):
    drug = catalog.names[normalize(name)]
    assert drug.name == name
    assert MAYO in drug.sources
    assert name.split()[0] in MAYO_EXCERPT.read_text(encoding="utf-8").lower()


@pytest.mark.parametrize("name", ANDERSOHN_DRUGS)
def test_andersohn_drugs_present_with_sources(catalog, name):
    drug = catalog.names[normalize(name)]
    assert drug.name == name
    assert "PMID:17470834" in drug.sources


def test_every_source_is_of_an_accepted_kind(catalog):
    for drug in catalog.drugs:
        for src in (*drug.sources, *filter(None, (drug.label_source, drug.leaflet))):
            assert source_kind(src) is not None, (drug.name, src)


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("PMID:17470834", "pmid"), ("DOI:10.1001/archinte.165.8.869", "doi"),
        ("setid:976be6e3-a9db-49c6-9b02-1ab168cf17b1", "label"),
        ("https://www.ema.europa.eu/en/medicines/human/referrals/x", "agency"), (MAYO, "publisher"),
        ("https://120ty.net/drug/x", None), ("http://93.184.216.34/x.html", None), ("seed:003_x.txt", None),
        ("https://globalrph.com/rx-list/tapazole-drug", None), ("https://moam.info/x", None),
        ("https://studylib.net/doc/1", None), ("https://katalog.lib.cas.cz/KNAV/x", None), ("PMID:abc", None),
        ("https://www.fda.gov.evil.example/x", None),
    ],
)
def test_source_kind(source, kind):
    assert source_kind(source) == kind


def test_every_row_has_a_risk_and_a_label_and_a_read_label_cites_its_text(catalog):
    for drug in catalog.drugs:
        assert drug.risk in Risk and drug.label in Label, drug.name
        if drug.label != Label.NOT_READ:
            assert drug.label_quote and source_kind(drug.label_source) in ("label", "agency"), drug.name
        else:
            assert not drug.label_quote and not drug.label_source, drug.name


@pytest.mark.parametrize(
    ("name", "risk"),
    [
        ("clozapine", "high"), ("deferiprone", "high"), ("methimazole", "high"), ("carbimazole", "high"),
        ("dipyrone", "high"), ("sulfasalazine", "high"), ("sulfamethoxazole-trimethoprim", "high"),
        ("ticlopidine", "high"), ("calcium dobesilate", "high"),
        ("interferon beta-1a", "expected"), ("dasatinib", "expected"), ("nilotinib", "expected"),
        ("azathioprine", "expected"), ("cyclophosphamide", "expected"),
        ("vancomycin", "high-dose"), ("penicillin g", "high-dose"), ("flucloxacillin", "high-dose"),
        ("cloxacillin", "high-dose"),
        ("ibuprofen", "rare"), ("clopidogrel", "rare"), ("acetazolamide", "rare"),
    ],
)
def test_risk_tiers_of_well_known_drugs(catalog, name, risk):
    assert catalog.names[normalize(name)].risk == risk


def test_a_leaflet_is_cited_where_advice_points_to_it(catalog):
    with_leaflet = {d.name for d in catalog.drugs if d.leaflet}
    assert {"carbimazole", "propylthiouracil"} <= with_leaflet
    assert all(catalog.names[normalize(n)].risk == Risk.HIGH for n in with_leaflet)


def test_a_read_label_needs_its_source_and_quote(write):
    header = HEADER.rstrip("\n") + ",label,label_source,label_quote\n"
    with pytest.raises(CatalogError, match="needs the label_source and label_quote"):
        load_catalog(write("l.csv", header + "zorblax,,,,c,labeled,,PMID:1,high,warning,,\n"))
    with pytest.raises(CatalogError, match="risk 'severe' is not one of"):
        load_catalog(write("r.csv", header + "zorblax,,,,c,labeled,,PMID:1,severe,,,\n"))
    with pytest.raises(CatalogError, match="label 'boxed' is not one of"):
        load_catalog(write("b.csv", header + "zorblax,,,,c,labeled,,PMID:1,high,boxed,setid:x,q\n"))
    drug = load_catalog(write("ok.csv", header + "zorblax,,,,c,labeled,,PMID:1,high,warning,setid:x,neutropenia\n")).drugs[0]
    assert (drug.risk, drug.label, drug.label_quote) == (Risk.HIGH, Label.WARNING, "neutropenia")
    assert load_catalog(write("none.csv", HEADER + "zorblax,,,,c,labeled,,PMID:1,rare\n")).drugs[0].label == Label.NOT_READ


@pytest.mark.parametrize(
    "name, drug",
    [
        ("Tapazole", "methimazole"),
        ("thiamazole", "methimazole"),
        ("Clozaril", "clozapine"),
        ("Leponex", "clozapine"),
        ("benzylpenicillin", "penicillin g"),
        ("Tegretol", "carbamazepine"),
        ("Valcyte", "valganciclovir"),
        ("Azulfidine", "sulfasalazine"),
        ("Rituxan", "rituximab"),
        ("Bactrim", "sulfamethoxazole-trimethoprim"),
        ("co-trimoxazole", "sulfamethoxazole-trimethoprim"),
        ("metamizole", "dipyrone"),
        ("Novalgin", "dipyrone"),
        ("Ferriprox", "deferiprone"),
        ("Neo-Mercazole", "carbimazole"),
        ("Vancocin", "vancomycin"),
        ("quinidine gluconate", "quinidine"),
        ("penicillin G potassium", "penicillin g"),
        ("Klozapin", "clozapine"),  # Turkey's register
        ("Thyromazol", "methimazole"),
        ("Baktrol", "sulfamethoxazole-trimethoprim"),
        ("Nebupent", "pentamidine"),  # the FDA list's pentamidine isethionate
    ],
)
def test_other_names_map_to_their_drug(catalog, name, drug):
    assert catalog.names[normalize(name)].name == drug


@pytest.mark.parametrize("abbr, drug", [("PTU", "propylthiouracil"), ("TMP-SMX", "sulfamethoxazole-trimethoprim")])
def test_abbreviations(catalog, abbr, drug):
    assert catalog.abbreviations[normalize(abbr)].name == drug


def test_salts_and_prodrugs_stay_apart(catalog):
    """Penicillin V is not penicillin G; valganciclovir is not ganciclovir (FDA traps, issue 2)."""
    assert "penicillin v" not in catalog.names
    assert catalog.names["valganciclovir"].name == "valganciclovir"
    assert catalog.names["ganciclovir"].name == "ganciclovir"
    for drug in catalog.drugs:
        for n in drug.names:
            assert "IMPURITY" not in n.upper(), (drug.name, n)
    carbamazepine = catalog.names["carbamazepine"]
    assert not any("OXCARBAZEPINE" in n.upper() or "OXCARBAMAZEPINE" in n.upper() for n in carbamazepine.names)
    assert catalog.names["methamizole"].name == "dipyrone"  # FDA files METHAMIZOLE under metamizole


# Look-alike pairs: FDA and ISMP Lists of Look-Alike Drug Names with Recommended Tall Man Letters
# (https://www.ismp.org/recommendations/tall-man-letters-list and its 2008 edition copied at
# https://ar.scribd.com/document/293889102/Appendix-2-Tallman): OXcarbazepine/carBAMazepine,
# quiNINE/quiNIDine, chlorproMAZINE/chlorproPAMIDE and chlordiazePOXIDE, QUEtiapine/OLANZapine;
# valGANciclovir/vALAcyclovir and Valcyte/Valtrex (Kaestli et al., Swiss Med Wkly 2012,
# doi:10.4414/smw.2012.13639); clozapine/clonazepam, methimazole/metronidazole and metolazone,
# Tegretol/Toradol as issue 2 names them.
LOOK_ALIKES = [
    ("carbamazepine", "oxcarbazepine"),
    ("carbamazepine", "oxcarbamazepine"),
    ("quinidine", "quinine"),
    ("chlorpromazine", "chlorpropamide"),
    ("chlorpromazine", "chlordiazepoxide"),
    ("olanzapine", "quetiapine"),
    ("valganciclovir", "valacyclovir"),
    ("valcyte", "valtrex"),
    ("clozapine", "clonazepam"),
    ("clozapine", "klonopin"),
    ("methimazole", "metronidazole"),
    ("methimazole", "metolazone"),
    ("tegretol", "toradol"),
    ("penicillin g", "penicillin v"),
]


@pytest.mark.parametrize("catalog_name, other", LOOK_ALIKES)
def test_look_alikes_are_in_the_guard(catalog, catalog_name, other):
    assert normalize(catalog_name) in catalog.names
    assert normalize(other) in catalog.guard
    assert normalize(other) not in catalog.names


def test_guard_leaves_out_non_medicines(catalog):
    """Reagents that tie with real misspellings of catalog brands stay out (icilin/Bicillin, cymene/Cymevene)."""
    assert "icilin" not in catalog.guard
    assert "cymene" not in catalog.guard


def test_packaged_catalog_loads_from_another_directory(tmp_path):
    code = "import medcheck; c = medcheck.load_catalog(); print(len(c.drugs), c.names['clozapine'].name)"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    count, name = out.stdout.split()
    assert int(count) >= 120 and name == "clozapine"


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("drug_named_entity_recognition") is None, reason="needs the dev extra"
)
def test_generated_files_are_current():
    """data/names.csv, combination_parts.csv, guard_names.txt and names_build.json are what scripts/build_names.py makes."""
    spec = importlib.util.spec_from_file_location("build_names", ROOT / "scripts" / "build_names.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_names"] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    files, _ = module.generate()
    for name, text in files.items():
        assert (ROOT / "data" / name).read_text(encoding="utf-8") == text, f"data/{name} is stale"


def test_notes_never_tell_anyone_to_stop_a_medicine(catalog):
    import re

    for drug in catalog.drugs:
        assert not re.search(r"\b(stop|hold|interrupt|discontinue)\b", drug.note, re.I), (drug.name, drug.note)


def test_catalog_pickles(catalog):
    """A catalog crosses process boundaries (Dask workers) whole: same drugs, indexes, guard and version."""
    import pickle
    from types import MappingProxyType

    copy = pickle.loads(pickle.dumps(catalog))
    assert copy.drugs == catalog.drugs and copy.version == catalog.version and copy.source == catalog.source
    assert dict(copy.names) == dict(catalog.names) and dict(copy.abbreviations) == dict(catalog.abbreviations)
    assert copy.guard == catalog.guard and dict(copy.labels) == dict(catalog.labels)
    assert isinstance(copy.names, MappingProxyType)  # still read-only
    assert copy.names["clozapine"] is copy.drugs[[d.name for d in copy.drugs].index("clozapine")]


def test_shipped_guard_sounds_are_the_guard_names_sound_keys(catalog):
    """data/guard_sounds.txt spares start-up 60,000 sound keys; it must hold every guard name's."""
    from medcheck.matcher import sound_key

    assert catalog.guard_sounds == {sound_key(g) for g in catalog.guard}


@pytest.mark.parametrize("name", ["guard_names.txt", "guard_sounds.txt", "ordinary_words.txt", "product_suffixes.txt"])
def test_generated_word_files_read_as_written_are_what_a_full_read_makes(name):
    """Start-up takes these files' lines as the build wrote them; read line by line, stripped and normalised,
    they must give the same entries."""
    from medcheck.catalog import _read_guard, _words

    text = (ROOT / "data" / name).read_text(encoding="utf-8")
    assert set(_words(text)) == (_read_guard(text) if name == "guard_names.txt" else {
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")})


def test_the_guard_comes_in_order_from_the_packaged_file_and_a_users_list(catalog, tiny_catalog_path):
    """The matcher bisects the guard names in the order the loader keeps (sorting them would cost start-up)."""
    assert catalog.guard_order == tuple(sorted(catalog.guard))
    user = load_catalog(tiny_catalog_path)  # less the names the user's list claims
    assert user.guard_order == tuple(sorted(user.guard))


def test_a_user_list_computes_its_own_guard_sounds(tiny_catalog_path):
    assert load_catalog(tiny_catalog_path).guard_sounds is None
