"""The name build (scripts/namebuild): authorities' names filtered, merged and owned as README says."""

from __future__ import annotations

import csv
import gzip
import io
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from namebuild import merge, ordinary, records, registers  # noqa: E402
from namebuild.records import BRAND, DNER, GENERIC, HAND, SYNONYM, UNII, Name  # noqa: E402

ORDER = [HAND, UNII, "France BDPM", DNER]


def name(drug: str, text: str, kind: str = BRAND, authority: str = UNII, marketed: bool = False) -> Name:
    return Name(drug, text, records.usable(text) or text.lower(), kind, authority, "ref", marketed)


@pytest.mark.parametrize(
    "text, kept",
    [
        ("CLOZAPINE", "clozapine"),
        ("VANCOMYCIN HYDROCHLORIDE", "vancomycin"),
        ("CLOZAPINE IMPURITY C", None),  # a lab material, not the medicine
        ("hydrochloride, vancomycin", None),  # an inverted MeSH form
        ("cap-palmitate", None),  # a form word: normalising would leave a fragment
        ("H.BACTER", None),  # a lone first letter: after a list number it reads as a unit
        ("L-NARPENOL", "l narpenol"),  # joined by a hyphen, it stays with the name
        ("MMI", None),  # three letters: abbreviations are curated by hand
        ("1,2-dimethyl-3-hydroxypyridin-4-one", None),  # systematic
        ("ALLO 647", None),  # a code: its number would be dropped as a dose, leaving "allo"
        ("BIND 014", None),
        ("5-FLUOROURACIL", "5-fluorouracil"),
    ],
)
def test_usable_names(text, kept):
    assert records.usable(text) == kept


def test_research_codes_are_not_names_from_the_dictionary():
    assert records.usable("CAMPATH-1H", digits=False) is None
    assert records.usable("CAMPATH-1H") == "campath"


@pytest.mark.parametrize(
    "published, form",
    [
        ("VANCOMYCINE (CHLORHYDRATE DE)", "vancomycin"),
        ("SODIUM (VALPROATE DE)", "valproate"),
        ("ACIDE VALPROÏQUE", "valproic acid"),
        ("CLINDAMYCINE (CHLORHYDRATE DE) HYDRATÉ", "clindamycin"),
        ("VANCOMYCIN (VANCOMYCIN HYDROCHLORIDE)", "vancomycin"),
        ("metamizolum natricum monohydricum", "metamizol"),
        ("doxorubicini hydrochloridum", "doxorubicin"),
        ("Amoxicillina", "amoxicillin"),
        ("ceftarolinum fosamilum", "ceftaroline fosamil"),
        ("CLOPIDOGREL (HYDROGÉNOSULFATE DE)", "clopidogrel"),
        ("PENTAMIDINE (ISÉTIONATE DE)", "pentamidine"),
        ("tiklopidin hidroklorür", "tiklopidin"),  # Turkish, with its salt
        ("KLOZAPİN", "klozapin"),  # Turkish capital dotted I
        ("Clopidogrel Bisulphate", "clopidogrel"),  # as Singapore's list writes it
        ("CLORIDRATO DE VANCOMICINA", "vancomicina"),  # Portuguese, salt first
        ("DIPIRONA MONOIDRATADA", "dipirona"),
        ("AMOXICILINA TRI-HIDRATADA", "amoxicilina"),
        ("METAMIZOL SODICO MONOHIDRATO", "metamizol"),  # Spanish, salt after
        ("ATOMOXETINA HIDROCLORURO", "atomoxetina"),
        ("ÁCIDO VALPRÓICO", "valproic acid"),
        ("SULFADIAZINA DE PRATA", "sulfadiazine silver"),  # silver is part of the name, not a salt
        ("sulfadiazinum argenticum", "sulfadiazine silver"),
    ],
)
def test_published_substances_in_their_forms(published, form):
    assert form in registers.substance_forms(published)


def test_the_register_language_form_comes_first():
    assert registers.substance_forms("CHLORHYDRATE DE VANCOMYCINE")[0] == "vancomycine"


def test_a_substance_too_close_to_call_is_told_by_the_brands_it_is_sold_as():
    """DIVALPROATO DE SÓDIO is two edits from valproato (valproic acid); sold as DEPAKOTE, which the FDA list
    gives valproic acid, it is valproic acid. Brands that disagree, or none, leave it uncertain."""
    from namebuild.registers import REGISTERS, Identities, Product, _brand_evidence

    names = {"valproic acid": {"valproato", "divalproex"}, "gemcitabine": {"gemcitabina"},
             "decitabine": {"decitabina"}}
    brands = {"depakote": "valproic acid", "gemzar": "gemcitabine", "dacogen": "decitabine"}

    def told(*sold: tuple[str, str]) -> dict[str, str | None]:
        ids = Identities(names, {})
        products = [Product(REGISTERS[0], str(i), name, (substance,), True) for i, (name, substance) in enumerate(sold)]
        evidence: dict[str, set[str]] = {}
        _brand_evidence(products, ids, brands, evidence)
        ids.resolve(evidence)
        return {substance: ids.of(substance)[0] for _, substance in sold}

    assert told(("DEPAKOTE ER 500 MG", "DIVALPROATO DE SÓDIO")) == {"DIVALPROATO DE SÓDIO": "valproic acid"}
    assert told(("GEMZAR", "CLORIDRATO DE GENCITABINA")) == {"CLORIDRATO DE GENCITABINA": "gemcitabine"}
    assert told(("GEMZAR", "CLORIDRATO DE GENCITABINA"), ("GENCITABINA ACCORD", "GENCITABINA")) == {
        "CLORIDRATO DE GENCITABINA": "gemcitabine", "GENCITABINA": "gemcitabine"}  # the same name, salt apart
    assert told(("GEMZAR", "CLORIDRATO DE GENCITABINA"), ("DACOGEN", "CLORIDRATO DE GENCITABINA")) == {
        "CLORIDRATO DE GENCITABINA": None}  # brands of two drugs: still too close to call
    assert told(("NOVOLAB", "DIVALPROATO DE SÓDIO")) == {"DIVALPROATO DE SÓDIO": None}  # no brand known elsewhere


def test_a_substance_near_a_brand_is_another_substance_not_a_misspelt_brand():
    """A register's substance column holds substances: "Calcium chloride" two edits from the brand
    Chloridin is calcium chloride, while "florourasil" two edits from the generic fluorouracil stays
    too close to call."""
    from namebuild.registers import Identities

    names = {"pyrimethamine": {"pyrimethamine", "chloridine"}, "fluorouracil": {"fluorouracil"}}
    ids = Identities(names, {}, brand_norms={"chloridine"})
    assert ids.of("Calcium chloride") == (None, "chloride")  # calcium is its salt word
    assert ids.of("florourasil")[1] == "?"
    assert Identities(names, {}).of("Calcium chloride")[1] == "?"  # weighed against the brand too: uncertain


def test_a_substance_named_without_its_subtype_names_no_one_subtype():
    """The BNF's "Interferon beta" holds interferon beta-1a (Avonex) and beta-1b (Betaferon): it is neither,
    and its products give no names; "Interferon beta-1a", and a substance named without a subtype that has
    none, are told as before."""
    from namebuild.registers import Identities

    names = {"interferon beta-1a": {"interferon beta 1a", "interferon beta"}, "clozapine": {"clozapine"}}
    ids = Identities(names, {}, other_norms={"interferon beta 1b", "clozapine n oxide"})
    assert ids.of("Interferon beta") == (None, "?")
    assert ids.of("Interferon beta-1a")[0] == "interferon beta-1a"
    assert ids.of("Clozapine")[0] == "clozapine"
    alone = Identities(names, {}, other_norms={"clozapine n oxide"})
    assert alone.of("Interferon beta")[0] == "interferon beta-1a"  # no other subtype known: it is the one


def test_ordinary_words_that_are_a_name_with_a_suffix_glued_on_are_kept(monkeypatch):
    monkeypatch.setattr(ordinary, "ordinary_words", lambda: {"inflamed", "infinite", "basement"})
    words = ordinary.near_names([], {"infla", "nurofen"}, generic_names=["basem"], suffixes=["med", "caps"])
    assert words == ["inflamed"]  # "basement": ment is no salt word; "infinite": no name begins it


def test_owner_of_a_product():
    combos = {frozenset({"sulfamethoxazole", "trimethoprim"}): "sulfamethoxazole-trimethoprim"}
    drugs = {"clozapine": set(), "trimethoprim": set(), "amoxicillin": set(), "sulfamethoxazole-trimethoprim": set()}

    def owner(*found: tuple[str | None, str]) -> str:
        return registers._owner([("x", i, f) for i, f in found], combos, drugs)

    assert owner(("clozapine", "clozapine")) == "clozapine"
    assert owner((None, "metformin")) == ""  # another medicine: its names guard
    assert owner(("sulfamethoxazole", "s"), ("trimethoprim", "t")) == "sulfamethoxazole-trimethoprim"
    assert owner(("trimethoprim", "t")) == "trimethoprim"
    assert owner(("amoxicillin", "a"), (None, "clavulanic acid")) == "amoxicillin"  # held among others
    assert owner(("amoxicillin", "a"), ("clozapine", "c")) == "?"  # two catalog drugs: neither
    assert owner(("clozapine", "?")) == "?"  # too close to a catalog name to call
    assert owner() == "?"


def test_merge_prefers_hand_then_the_most_precise_authority_and_records_every_source():
    names = [
        name("clozapine", "Leponex", BRAND, HAND),
        name("clozapine", "LEPONEX", BRAND, UNII),
        name("clozapine", "LEPONEX", BRAND, "France BDPM", marketed=True),
        name("mycophenolate mofetil", "CELLCEPT", BRAND, UNII),
        name("mycophenolic acid", "cellcept", SYNONYM, DNER),  # the dictionary files it elsewhere
        name("alpha", "Twoway", BRAND, DNER),
        name("beta", "Twoway", BRAND, DNER),  # two drugs, one authority: left out
        name("", "clonazepam", GENERIC, UNII),
    ]
    canonical = {d: d for d in ("clozapine", "mycophenolate mofetil", "mycophenolic acid", "alpha", "beta")}
    rows, guard, counts = merge.merge(names, canonical, ORDER)
    by_norm = {m.norm: m for m in rows}
    assert by_norm["leponex"].display == "Leponex"
    assert list(by_norm["leponex"].sources) == [HAND, UNII, "France BDPM"]
    assert by_norm["cellcept"].drug == "mycophenolate mofetil"
    assert "twoway" not in by_norm and counts["names two catalog drugs share (left out, and guard)"] == 1
    assert guard == {"clonazepam", "twoway"}


def test_registers_of_two_countries_share_a_rank_so_a_brand_they_give_two_drugs_is_no_name():
    names = [
        name("clozapine", "CLOPIN", BRAND, "Switzerland Swissmedic", marketed=True),
        name("clopidogrel", "CLOPIN", BRAND, "Brazil ANVISA", marketed=True),
        name("clopidogrel", "PLAVIX", BRAND, "Brazil ANVISA", marketed=True),
        name("clozapine", "PLAVIX", BRAND, DNER),  # the dictionary ranks below the registers
    ]
    order = [HAND, UNII, ("Switzerland Swissmedic", "Brazil ANVISA"), DNER]
    rows, guard, _ = merge.merge(names, {"clozapine": "clozapine", "clopidogrel": "clopidogrel"}, order)
    assert {(m.drug, m.norm) for m in rows} == {("clopidogrel", "plavix")}
    assert "clopin" in guard


def test_a_one_country_brand_another_country_gives_another_medicine_is_only_possible():
    other = Name("", "TEFIN", "tefin", BRAND, "Brazil CMED", "789", True, "CLORIDRATO DE BUTENAFINA")
    names = [
        name("ibuprofen", "TEFIN", BRAND, "Ireland PCRS", marketed=True), other,
        name("ibuprofen", "NUROFEN", BRAND, "Ireland PCRS", marketed=True),
        name("ibuprofen", "NUROFEN", BRAND, "France BDPM", marketed=True),
        Name("", "NUROFEN", "nurofen", BRAND, "Brazil CMED", "790", True, "DIPIRONA"),
    ]
    order = [HAND, UNII, ("Ireland PCRS", "France BDPM", "Brazil CMED"), DNER]
    rows, _, _ = merge.merge(names, {"ibuprofen": "ibuprofen"}, order)
    by_norm = {m.norm: m for m in rows}
    assert by_norm["tefin"].elsewhere == "Brazil CMED 789 (CLORIDRATO DE BUTENAFINA)"
    assert not by_norm["tefin"].fuzzy
    assert by_norm["nurofen"].elsewhere == "" and by_norm["nurofen"].fuzzy  # two countries give it ibuprofen


def test_a_one_country_brand_that_leads_the_fda_names_of_another_substance_is_only_possible():
    from namebuild import unii

    text = "\n".join([
        "Name\tTYPE\tUNII\tDisplay Name",
        "METHOTREXATE\tof\tM1\tMETHOTREXATE",
        "TREXALL 5\tbn\tM1\tMETHOTREXATE",  # the catalog drug's own brands make no family
        "HYPROMELLOSE 2910\tof\tH1\tHYPROMELLOSE 2910 (10000 MPA.S)",
        "METHOCEL E10M\tbn\tH1\tHYPROMELLOSE 2910 (10000 MPA.S)",
        "METHOCEL K4M\tbn\tH1\tHYPROMELLOSE 2910 (10000 MPA.S)",
        "NEODOL\tbn\tH1\tHYPROMELLOSE 2910 (10000 MPA.S)",  # one word: no family, the name itself
        "PROPYL GALLATE\tof\tP1\tPROPYL GALLATE",  # any kind of name: a substance's own
        "METHOTREXATE SODIUM\tcn\tM1\tMETHOTREXATE",  # the catalog drug's: none
    ])
    families = unii.UniiNames(text, [unii.CatalogRow("methotrexate", ("METHOTREXATE",))]).name_families()
    assert families == {"methocel": "H1 (HYPROMELLOSE 2910 (10000 MPA.S))", "propyl": "P1 (PROPYL GALLATE)"}
    names = [
        name("methotrexate", "METHOCEL", BRAND, "Peru DIGEMID", marketed=True),
        name("methotrexate", "METHOCEL", SYNONYM, UNII),  # had the FDA list given it the drug: the drug's
    ]
    order = [HAND, UNII, ("Peru DIGEMID",), DNER]
    rows, _, _ = merge.merge(names[:1], {"methotrexate": "methotrexate"}, order, families)
    assert rows[0].elsewhere == "FDA UNII H1 (HYPROMELLOSE 2910 (10000 MPA.S))" and not rows[0].fuzzy
    rows, _, _ = merge.merge(names, {"methotrexate": "methotrexate"}, order, families)
    assert rows[0].elsewhere == ""


@pytest.mark.parametrize(
    "kind, sources, marketed, fuzzy",
    [
        (GENERIC, {DNER: "x"}, False, True),  # a generic name in any language
        (BRAND, {UNII: "x"}, False, False),  # a brand one list alone knows
        (BRAND, {UNII: "x", DNER: "y"}, False, False),  # two dictionaries, no register marketing it now
        (BRAND, {"France BDPM": "x", UNII: "y"}, True, True),  # marketed now, known in two countries
        (BRAND, {"Spain Nomenclátor": "x"}, True, False),  # marketed in one country only
        (BRAND, {"US Drugs@FDA": "x", UNII: "y", DNER: "z"}, True, False),  # the US lists only (and a dictionary)
        (BRAND, {HAND: "x"}, True, True),  # a current leaflet read by hand
        (records.ABBREVIATION, {HAND: "x", UNII: "y"}, False, False),  # abbreviations: exact only
    ],
)
def test_which_names_a_misspelling_may_match(kind, sources, marketed, fuzzy):
    m = merge.Merged("d", "n", "N", kind, dict(sources), marketed)
    assert m.fuzzy is fuzzy


def test_a_guard_name_holding_a_catalog_name_is_left_out():
    names = [name("ampicillin", "AMPICILLIN", GENERIC), name("", "ampicillin sulbactam", GENERIC)]
    rows, guard, counts = merge.merge(names, {"ampicillin": "ampicillin"}, ORDER)
    assert merge.without_holders(guard, rows, set(), counts) == set()
    assert counts["guard names holding a catalog name (left out)"] == 1
    # a catalog name a later rule drops ("sulph", a word other products carry) takes no guard name with it
    assert merge.without_holders({"morph sulph"}, [], {"ampicillin"}, counts) == {"morph sulph"}


def write_extract(folder: Path, key: str, rows: list[tuple[str, str, str, str]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["product_id", "product_name", "substances", "marketed"])
    writer.writerows(rows)
    (folder / f"{key}.csv.gz").write_bytes(gzip.compress(buf.getvalue().encode("utf-8")))


def one_register(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: list[tuple[str, str, str, str]],
                 languages: tuple[str, ...] = ("en",)) -> None:
    """Make tmp_path a register folder of one register, R1 in these languages, with these products."""
    write_extract(tmp_path, "r1", rows)
    monkeypatch.setattr(registers, "REGISTERS", (registers.Register("r1", "R1", "test register", languages),))
    (tmp_path / "SOURCES.json").write_text('[{"name": "R1"}]', encoding="utf-8")


def test_product_suffixes_come_from_brands_of_one_substance(tmp_path, monkeypatch):
    rows = []
    for i, brand in enumerate(["NUROFEN", "ADVIL", "DOLIPRANE", "TEGRETOL"]):
        rows += [(f"{i}a", brand, f"S{i}", "1"), (f"{i}b", f"{brand}CAPS", f"S{i}", "1")]
    rows += [("9a", "ZEBRA", "X", "1"), ("9b", "ZEBRATABS", "Y", "1")]  # another substance: no evidence
    for i, inn in enumerate(["AMIODARONE", "HYDROMORPHONE", "PREDNISOLONE"]):  # a name cut short: no suffix "one"
        rows += [(f"c{i}", inn[:-3], inn, "1"), (f"d{i}", inn, inn, "1")]
    write_extract(tmp_path, "r1", rows)
    monkeypatch.setattr(registers, "REGISTERS", (registers.Register("r1", "R1", "test register", ("en",)),))
    assert registers.product_suffixes(tmp_path) == ["caps"]


def test_register_names_brands_generics_and_guard(tmp_path, monkeypatch):
    one_register(tmp_path, monkeypatch, [
        ("1", "LEPONEX 100 mg", "CLOZAPINE", "1"),
        ("2", "CLOZAPINE MYLAN 25 mg", "CLOZAPINE", "1"),  # named after its substance: no brand
        ("3", "METFORAL 500 mg", "METFORMINE (CHLORHYDRATE DE)", "1"),  # another medicine: guard
        ("4", "ACID REDUCER", "CLOZAPINE", "0"),  # ordinary words: no brand
        ("5", "TWIN", "CLOZAPINE", "1"), ("6", "TWINLY", "METFORMINE", "1"),
    ], ("en", "fr"))
    catalog = {"clozapine": {"clozapine"}}
    out, _, pins, uncertain, _ = registers.names(tmp_path, catalog, {}, {"metformin"}, {"clozapine": {"clozapine"}})
    got = {(n.drug, n.norm, n.kind) for n in out}
    assert ("clozapine", "leponex", BRAND) in got
    assert ("clozapine", "clozapine", GENERIC) in got
    assert not any(n.norm.startswith("clozapine mylan") for n in out)
    assert ("", "metforal", BRAND) in got and ("", "metformine", GENERIC) in got
    assert not any(n.norm == "acid reducer" for n in out)
    assert pins[0]["extract"] == "scripts/registers/r1.csv.gz" and uncertain == {}


def test_a_substance_written_as_the_dictionary_writes_it_is_the_catalog_drug(tmp_path, monkeypatch):
    """CLORANFENICOL (the dictionary's name, not the FDA list's) makes ARIFENICOL chloramphenicol's brand,
    not a guard name; the dictionary's names are matched exactly, so "kodein" stays another medicine."""
    one_register(tmp_path, monkeypatch, [
        ("1", "ARIFENICOL", "SUCCINATO SODICO DE CLORANFENICOL", "1"),
        ("2", "OKODIN", "KODEIN FOSFAT", "1"),
    ], ("pt",))
    known = {"chloramphenicol": {"chloramphenicol"}, "cocaine": {"cocaine"}}
    written = {"chloramphenicol": {"cloranfenicol"}, "cocaine": {"kokain"}}
    generic = {"chloramphenicol": {"chloramphenicol"}, "cocaine": {"cocaine"}}
    out, _, _, uncertain, _ = registers.names(tmp_path, known, {}, set(), generic, written)
    got = {(n.drug, n.norm) for n in out if n.kind == BRAND}
    assert ("chloramphenicol", "arifenicol") in got and ("", "okodin") in got
    assert uncertain == {}
    out, *_ = registers.names(tmp_path, known, {}, set(), generic)
    assert ("", "arifenicol") in {(n.drug, n.norm) for n in out if n.kind == BRAND}


def test_a_word_other_products_carry_after_their_own_name_is_no_brand(tmp_path, monkeypatch):
    """MEPHA, a company, follows the substance in many products' names; LEPONEX is one medicine's."""
    one_register(tmp_path, monkeypatch, [
        ("1", "Pantoprazol-Mepha 40 mg", "pantoprazolum", "1"),
        ("2", "Metformin-Mepha 500 mg", "metformini hydrochloridum", "1"),
        ("3", "Captopril-Mepha 25 mg", "captoprilum", "1"),
        ("4", "Leponex 25 mg", "clozapinum", "1"),
        ("5", "Clozapin Leponex", "clozapinum", "1"),
    ], ("de",))
    known = {"captopril": {"captopril", "captoprilum"}, "clozapine": {"clozapine", "clozapinum"}}
    *_, later = registers.names(tmp_path, known, {}, set(), known)
    rows = [merge.Merged("captopril", "mepha", "MEPHA", SYNONYM, {UNII: "ref"}),
            merge.Merged("clozapine", "leponex", "Leponex", BRAND, {"R1": "4"}),
            merge.Merged("clozapine", "clozapin", "Clozapin", GENERIC, {"R1": "5"})]
    canonical = {"captopril": "captopril", "clozapine": "clozapine"}
    assert merge.later_words(rows, later, canonical) == {"mepha"}
    person = [merge.Merged("captopril", "mepha", "MEPHA", SYNONYM, {HAND: "ref"})]
    assert merge.later_words(person, later, canonical) == set()


def test_a_product_named_with_an_ordinary_word_is_no_guard_name():
    """PINE (a heparin in Peru) would claim "pine" in "cloza pine"; aspirin, a substance, stays a guard name."""
    assert ordinary.plain_names({"pine", "aspirin", "pine tar", "refraxol"}, {"aspirin"}) == {"pine"}


def test_a_product_named_after_its_substance_in_another_form_is_no_brand(tmp_path, monkeypatch):
    one_register(tmp_path, monkeypatch, [
        ("1", "MICOFENOLATO DE MOFETIL STADA", "MICOFENOLATO DE MOFETILO", "1"),  # the INN without its ending
        ("2", "CELLCEPT", "MICOFENOLATO DE MOFETILO", "1"),
    ], ("es",))
    drug = "mycophenolate mofetil"
    out, *_ = registers.names(tmp_path, {drug: {"mycophenolate mofetil"}}, {}, set(), {drug: {"mycophenolate mofetil"}})
    brands = {n.norm for n in out if n.kind == BRAND}
    assert brands == {"cellcept"}


def test_the_first_word_of_a_brand_is_no_generic_word(tmp_path, monkeypatch):
    """BICILLIN begins the catalog brand BICILLIN C-R and is a brand itself; "penicillin" begins a generic name."""
    one_register(tmp_path, monkeypatch, [("1", "BICILLIN L-A", "PENICILLIN G BENZATHINE", "1"),
                                         ("2", "PENICILLIN G SANDOZ", "PENICILLIN G BENZATHINE", "1")], ("en",))
    drug = "penicillin g"
    known = {drug: {"penicillin g", "bicillin", "bicillin c r"}}
    out, *_ = registers.names(tmp_path, known, {}, set(), {drug: {"penicillin g"}})
    brands = {n.norm for n in out if n.kind == BRAND}
    assert "bicillin l" in brands and not any(b.startswith("penicillin") for b in brands)


def test_a_generic_word_spelt_another_way_is_no_brand_either(tmp_path, monkeypatch):
    """The Czech "PENICILIN G DRASELNÁ SŮL" begins with penicillin spelt another way: no brand "penicilin"."""
    one_register(tmp_path, monkeypatch, [("1", "PENICILIN G DRASELNA SUL", "BENZYLPENICILLIN", "1"),
                                         ("2", "PENICILIN G BIOTIKA", "BENZYLPENICILLIN", "1")], ("cs",))
    drug = "penicillin g"
    known = {drug: {"penicillin g", "benzylpenicillin"}}
    out, *_ = registers.names(tmp_path, known, {}, set(), {drug: {"penicillin g", "benzylpenicillin"}})
    assert not {n.norm for n in out if n.kind == BRAND and n.norm.startswith("penicilin")}


def test_a_product_named_after_the_generic_spelt_another_way_gives_that_spelling_as_a_generic_name(
        tmp_path, monkeypatch):
    """"OXACILIN AVMC" (Czech) is oxacillin spelt another way and a company: the spelling is a generic name."""
    one_register(tmp_path, monkeypatch, [("1", "OXACILIN AVMC", "OXACILLIN", "1"),
                                         ("2", "PROSTAPHLIN", "OXACILLIN", "1")], ("cs",))
    drug = "oxacillin"
    out, *_ = registers.names(tmp_path, {drug: {"oxacillin"}}, {}, set(), {drug: {"oxacillin"}})
    assert {(n.norm, n.kind) for n in out if n.drug == drug} >= {("oxacilin", GENERIC), ("prostaphlin", BRAND)}
    assert not any(n.norm.startswith("oxacilin") and n.kind == BRAND for n in out)


@pytest.mark.parametrize(
    "name, languages, ordinary_word",
    [
        ("ibalgin", ("cs",), False),  # a brand Czech texts use, and only they
        ("repriman", ("es",), False),
        ("zillion", ("en",), True),  # an English word other languages' texts use too
        ("remus", ("es",), True),  # a person's name travels
        ("acid reducer", ("en",), True),
    ],
)
def test_a_name_its_country_knows_well_is_no_ordinary_word(name, languages, ordinary_word):
    assert registers._ordinary(name, languages) is ordinary_word


def test_a_synonym_two_substances_share_hands_no_drug_the_others_names():
    """'MONOMYCIN' names erythromycin ethylsuccinate in the FDA list and 'monomycin A' names paromomycin in
    the dictionary: paromomycin's names must not become erythromycin's; an entry holding the catalog
    drug's own name ('ceftaroline' with 'ceftaroline fosamil') is the drug's."""
    import bz2
    import pickle

    from namebuild import dner

    raw = bz2.compress(pickle.dumps({
        "drug_variant_to_canonical": {
            "paromomycin": ["paromomycin"], "monomycin a": ["paromomycin"], "humatin": ["paromomycin"],
            "ceftaroline": ["ceftaroline"], "ceftaroline fosamil": ["ceftaroline"], "teflaro": ["ceftaroline"],
        },
        "drug_canonical_to_data": {"paromomycin": {"drugbank_id": "DB01421", "medline_plus_id": "x"},
                                   "ceftaroline": {"drugbank_id": "DB06590"}},
        "drug_variant_to_variant_data": {"humatin": {"is_brand": True}, "teflaro": {"is_brand": True}},
    }))
    catalog = {"erythromycin": {"erythromycin", "monomycin"}, "ceftaroline fosamil": {"ceftaroline fosamil"}}
    found, _ = dner.names(raw, catalog, {}, set())
    assert not [n for n in found if n.drug == "erythromycin"]
    assert {n.display for n in found if n.drug == "ceftaroline fosamil"} == {"ceftaroline", "ceftaroline fosamil",
                                                                        "teflaro"}
    assert {n.display for n in found if n.drug == ""} >= {"paromomycin", "humatin"}  # another medicine: the guard


def test_a_class_of_substances_and_a_peptide_hand_a_drug_no_names():
    """MeSH 'Interferon alpha-2' holds alfa-2a's names and alfa-2b's: Roferon-A is not alfa-2b. 'Cocaine- and
    amphetamine-regulated transcript protein' is a peptide, not cocaine combined with another drug."""
    import bz2
    import pickle

    from namebuild import dner

    raw = bz2.compress(pickle.dumps({
        "drug_variant_to_canonical": {
            "interferon alpha-2": ["interferon alpha-2"], "interferon alfa-2a": ["interferon alpha-2"],
            "interferon alfa-2b": ["interferon alpha-2"], "reaferon": ["interferon alpha-2"],
            "cart peptide": ["cocaine- and amphetamine-regulated transcript protein"],
            "cocaine- and amphetamine-regulated transcript protein": [
                "cocaine- and amphetamine-regulated transcript protein"],
            "ceftaroline": ["ceftaroline"], "ceftaroline fosamil": ["ceftaroline"],
        },
        "drug_canonical_to_data": {"interferon alpha-2": {"mesh_id": "D000998"},
                                   "cocaine- and amphetamine-regulated transcript protein": {"mesh_id": "D1"},
                                   "ceftaroline": {"drugbank_id": "DB06590"}},
        "drug_variant_to_variant_data": {},
    }))
    catalog = {"interferon alfa-2b": {"interferon alfa 2b"}, "cocaine": {"cocaine"},
               "ceftaroline fosamil": {"ceftaroline fosamil"}}
    found, _ = dner.names(raw, catalog, {}, set(), {"interferon alfa 2a", "ceftaroline"})
    assert {n.drug for n in found} == {"ceftaroline fosamil"}  # its moiety's name is no other substance
    assert records.usable("publisher=universal-publishers") is None


def test_paromomycin_is_not_read_as_erythromycin():
    from medcheck import check_text

    for line in ("Humatin 250 mg", "paromomycin 500 mg PO tid", "aminosidine"):
        assert all(f.drug.name != "erythromycin" for r in check_text(line).results for f in r.findings), line


def test_a_brand_the_fda_list_gives_another_substance_is_left_out_unless_the_fda_or_a_person_gives_it():
    names = [
        name("ibuprofen", "SUDAFED", BRAND, "France BDPM", marketed=True),  # one register's product
        name("", "SUDAFED", BRAND, UNII),  # the FDA list: a pseudoephedrine brand
        name("pentamidine", "PENTACARINAT", BRAND, UNII),
        name("", "PENTACARINAT", BRAND, UNII),  # another UNII of the same list (a salt): the FDA name stays
        name("quinidine", "Cardioquin", BRAND, HAND),
        name("", "CARDIOQUIN", BRAND, UNII),  # a person's source decides
    ]
    rows, guard, counts = merge.merge(names, {d: d for d in ("ibuprofen", "pentamidine", "quinidine")}, ORDER)
    assert {m.norm for m in rows} == {"pentacarinat", "cardioquin"}
    assert "sudafed" in guard and counts["brands the FDA list gives another substance (left out)"] == 1


@pytest.mark.parametrize("line", ["Sudafed 30 mg", "SUDAFED", "Roferon-A 3 MIU"])
def test_a_brand_of_another_medicine_in_the_us_is_no_catalog_drug(line):
    from medcheck import check_text

    found = [f.drug.name for r in check_text(line).results for f in r.findings]
    assert "ibuprofen" not in found and "interferon alfa-2b" not in found, (line, found)


def test_drugs_at_fda_products_with_their_marketing_status(tmp_path):
    import hashlib

    import extract_registers

    files = {
        "Applications.txt": "ApplNo\tApplType\tApplPublicNotes\tSponsorName\r\n050575\tNDA\t\tGSK\r\n",
        "Products.txt": (
            "ApplNo\tProductNo\tForm\tStrength\tReferenceDrug\tDrugName\tActiveIngredient\tReferenceStandard\r\n"
            "050575\t001\tTABLET;ORAL\t500MG\t0\tAUGMENTIN '500'\tAMOXICILLIN; CLAVULANATE POTASSIUM\t0\r\n"
            "050575\t002\tTABLET;ORAL\t875MG\t0\tAUGMENTIN '875'\tAMOXICILLIN; CLAVULANATE POTASSIUM\t0\r\n"
            "050576\t001\tINJECTABLE\t1G\t0\tANCEF IN PLASTIC CONTAINER\tCEFAZOLIN SODIUM\t0\r\n"
        ),
        "MarketingStatus.txt": "MarketingStatusID\tApplNo\tProductNo\r\n3\t050575\t001\r\n1\t050575\t002\r\n"
                               "3\t050576\t001\r\n",
    }
    pins = {}
    for name, text in files.items():
        (tmp_path / name).write_bytes(text.encode("ascii"))
        pins[name] = hashlib.sha256(text.encode("ascii")).hexdigest()
    rows = sorted(extract_registers.drugsatfda(tmp_path, pins))
    assert rows == [["NDA 050575", "AUGMENTIN", "AMOXICILLIN;CLAVULANATE POTASSIUM", "1"],  # one strength sold now
                    ["application 050576", "ANCEF", "CEFAZOLIN SODIUM", "0"]]  # discontinued


def test_irish_reimbursable_items_with_their_substances(tmp_path):
    import hashlib

    import extract_registers

    text = ("Code,Drug Name,Pack Size,Strength Measure,Name,Reimbursement Price,Non Proprietary Name,Ref Price,"
            "Dental,Reference Priced,INN\n"
            "45721,Septrin Tabs. 480 mg. 100,100,480MG,SEPTRIN,5.0,,0.0,N,N,SULFAMETHOXAZOLE AND TRIMETHOPRIM\n"
            "48379,Salazopyrin EN Tabs. 500 mg. 100,100,500MG,SALAZOPYRIN EN (P.C.O. MFG.),9.0,,0.0,N,N,SULFASALAZINE\n"
            "99999,Dressing 10 cm,1,,MEPORE,1.0,,0.0,N,N,\n")  # no substance: a dressing
    (tmp_path / "pcrs-druglist.csv").write_text(text, encoding="utf-8")
    pins = {"pcrs-druglist.csv": hashlib.sha256(text.encode("utf-8")).hexdigest()}
    assert sorted(extract_registers.pcrs(tmp_path, pins)) == [
        ["45721", "SEPTRIN", "SULFAMETHOXAZOLE;TRIMETHOPRIM", "1"],
        ["48379", "SALAZOPYRIN EN", "SULFASALAZINE", "1"],  # the parallel importer's name cut off
    ]


def _pin(path) -> dict[str, str]:
    import hashlib

    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()}


def _workbook(path, rows: list[list[object]]):
    """A one-sheet workbook of these rows, saved at path."""
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_belgian_specialties_with_their_availability(tmp_path):
    import json

    import extract_registers
    import pyarrow as pa
    import pyarrow.parquet as pq

    records = [{"S_NAM": "LEPONEX", "B_LBL_FR": "Clozapine", "S_COD": "00044052", "UNAVAILABLE": "0"},
               {"S_NAM": "EUSAPRIM", "B_LBL_FR": "Sulfaméthoxazole + Triméthoprime", "S_COD": "00034756",
                "UNAVAILABLE": "1"}]
    path = tmp_path / "raw.parquet"
    pq.write_table(pa.table({"raw_fields_json": [json.dumps(r) for r in records]}), path)
    assert sorted(extract_registers.inami(tmp_path, _pin(path))) == [
        ["00034756", "EUSAPRIM", "Sulfaméthoxazole;Triméthoprime", "0"],  # unavailable
        ["00044052", "LEPONEX", "Clozapine", "1"],
    ]


def test_polish_reimbursed_medicines_from_the_medicine_sheets_only(tmp_path):
    import extract_registers
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    header = ["LP", "Substancja czynna", "Nazwa  postać i dawka", "Zawartość opakowania", "Numer GTIN"]
    for title, row in (("A1", ["1", "Clozapinum", "Klozapol, tabl., 25 mg", "50 szt.", "05909990139521"]),
                       ("A3", ["1", "Chlorhexidinum", "Plaster, opatrunek", "1 szt.", "05900000000001"]),
                       ("C", ["1", "Sulfamethoxazolum + Trimethoprimum", "Biseptol 480, tabl., 400+80 mg", "20 szt.",
                              "05909990117819"])):
        sheet = book.create_sheet(title)
        sheet.append([f"{title}. title"])
        sheet.append(header)
        sheet.append(row)
    path = tmp_path / "zalacznik-do-obwieszczenia.xlsx"
    book.save(path)
    assert sorted(extract_registers.reimbursement_pl(tmp_path, _pin(path))) == [
        ["05909990117819", "Biseptol", "Sulfamethoxazolum;Trimethoprimum", "1"],
        ["05909990139521", "Klozapol", "Clozapinum", "1"],  # A3 (medical devices) is not read
    ]


def test_peruvian_catalogue_after_its_title_block(tmp_path):
    import extract_registers

    path = _workbook(tmp_path / "catalogoproductos22082025.xlsx", [
        [None],
        ["Catálogo de Productos Farmacéuticos actualizado diariamente"],
        ["Fec. de actualizac.:", "22/08/2025 05:28:35 PM"],
        ["Cod_Prod", "Nom_Prod", "Concent", "Nom_Form_Farm", "Presentac", "Fracción", "Num_RegSan",
         "Nom_Titular", "Nom_Fabricante", "Nom_IFA", "Nom_Rubro", "Situación"],
        [34698.0, "REFRAXOL", "100 mg", "Tableta", "Caja x 30", 1.0, "EE00001", "T", "F", "CLOZAPINA",
         "ESPECIALIDAD FARMACEUTICA", "ACT"],
        [56858.0, "BUSCAPINA COMPOSITUM", "", "Tableta", "", 1.0, "EE00002", "T", "F",
         "METAMIZOL DE SODIO + N-BUTILBROMURO DE HIOSCINA", "ESPECIALIDAD FARMACEUTICA", "ACT"],
        [1.0, "SIN IFA", "", "", "", 1.0, "", "", "", None, "", "ACT"],  # no substance: not read
    ])
    assert sorted(extract_registers.digemid(tmp_path, _pin(path))) == [
        ["34698", "REFRAXOL", "CLOZAPINA", "1"],
        ["56858", "BUSCAPINA COMPOSITUM", "METAMIZOL DE SODIO;N-BUTILBROMURO DE HIOSCINA", "1"],
    ]


def test_chilean_bioequivalent_list_in_windows_1252(tmp_path):
    import extract_registers

    text = ("; Listado de productos Bioequivalentes, actualizado al 31 de Mayo de 2016;;\n"
            "N°;Principio Activo;Producto ;Registro;Titular;Estado;Vigencia;Uso / Tratamiento\n"
            "34;CLOZAPINA;LODUX COMPRIMIDOS 25 mg (CLOZAPINA);F-21886/15;SYNTHON;EQUIVALENTE;Sí;Mental\n"
            "1;PREGABALINA;PLENICA 75 CÁPSULAS 75 mg ;F-18790/16;DEUTSCHE;EQUIVALENTE;Sí;Anticonvulsivantes\n"
            "9;AMOXICILINA/ÁCIDO CLAVULÁNICO;CLAVINEX DUO COMPRIMIDOS RECUBIERTOS;F-1/16;X;EQUIVALENTE;No;\n")
    path = tmp_path / "bioequiv.csv"
    path.write_bytes(text.encode("cp1252"))
    assert sorted(extract_registers.bioequivalent_cl(tmp_path, _pin(path))) == [
        ["F-1/16", "CLAVINEX DUO", "AMOXICILINA;ÁCIDO CLAVULÁNICO", "0"],
        ["F-18790/16", "PLENICA", "PREGABALINA", "0"],  # the name ends before its strength and form
        ["F-21886/15", "LODUX", "CLOZAPINA", "0"],
    ]


def test_product_names_cut_before_their_strength():
    import extract_registers

    assert extract_registers._before_strength("ABIZOL EASYTAB 10 MG 28 AGIZDA DAGILAN TABLET") == "ABIZOL EASYTAB"
    assert extract_registers._before_strength("% 20 SODYUM KLORÜR") == "% 20 SODYUM KLORÜR"  # no name before it
    assert extract_registers._split_outside("a (b, c), d ve e", (",", " ve ")) == ["a (b, c)", "d", "e"]


def test_saudi_drugs_list_one_row_per_registration(tmp_path):
    import extract_registers

    path = _workbook(tmp_path / "sfda_registered_drugs.xlsx", [
        ["Drug Name", "Manufacturing Company", "Registration Number", "Scientific Name", "Marketing Status",
         "Authorization Status"],
        ["LEPONEX 100MG TAB", "Mylan", "0812258750", "CLOZAPINE", "Marketed", "Valid"],
        ["BACTRIM FORTE TAB", "Roche", "1004257224", "SULFAMETHOXAZOLE,TRIMETHOPRIM", "Marketed", "Suspended"],
        ["NO NUMBER", "X", None, "CLOZAPINE", "Marketed", "Valid"],  # no registration: not read
    ])
    assert sorted(extract_registers.sfda(tmp_path, _pin(path))) == [
        ["0812258750", "LEPONEX", "CLOZAPINE", "1"],
        ["1004257224", "BACTRIM FORTE TAB", "SULFAMETHOXAZOLE;TRIMETHOPRIM", "0"],  # suspended: not on sale
    ]


def test_swedish_exchangeable_products_by_product_id(tmp_path):
    import extract_registers

    packs = [["PV", "Clozapine Accord", pack, "25 mg", "", "Klozapin", "Tablett", "", "20140902000044"]
             for pack in ("1", "2")]  # two packs of one product
    path = _workbook(tmp_path / "2602.xlsx", [
        ["Status", "Produktnamn", "Varunummer", "Styrka", "Förpackningsstorleksgrupp", "Substans",
         "Beredningsform", "Storlek", "NPL ID"],
        *packs,
        ["Nej", "Eusaprim® forte", "3", "", "", "Trimetoprim + sulfametoxazol", "", "", "19770909000088"],
    ])
    assert sorted(extract_registers.tlv(tmp_path, _pin(path))) == [
        ["19770909000088", "Eusaprim® forte", "Trimetoprim;sulfametoxazol", "0"],
        ["20140902000044", "Clozapine Accord", "Klozapin", "0"],
    ]


def test_ecuadorian_brands_of_several_registrations_pool_no_composition(tmp_path):
    """A brand of one registration is a product with its substances; one of several registrations, whose
    substances the copy pools, gives a product per substance, so it names a drug only if they are one."""
    import json

    import extract_registers

    entries = {
        "clopsine": {"marca": "Clopsine", "principios": ["Clozapina"], "registros": ["27.168-07-06"]},
        "cassara": {"marca": "Cassara", "principios": ["Propranolol Clorhidrato", "Tobramicina"],
                    "registros": ["10177-MEE-0825", "9064-MEE-0524"]},
        "bactricida": {"marca": "Bactricida", "principios": ["Sulfametoxazol", "Trimetoprima"],
                       "registros": ["03584-MAN-04-05"]},
        "-": {"marca": "-", "principios": ["Paracetamol"], "registros": ["1"]},  # no brand
    }
    path = tmp_path / "arcsa_marcas.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    assert sorted(extract_registers.arcsa(tmp_path, _pin(path))) == [
        ["03584-MAN-04-05", "Bactricida", "Sulfametoxazol;Trimetoprima", "0"],
        ["10177-MEE-0825 (1)", "Cassara", "Propranolol Clorhidrato", "0"],
        ["10177-MEE-0825 (2)", "Cassara", "Tobramicina", "0"],
        ["27.168-07-06", "Clopsine", "Clozapina", "0"],
    ]


def test_british_bnf_products_with_their_chemical_substances(tmp_path):
    """One row per BNF product: a compound's parts, a combination's components, the qualifier in brackets
    cut off; a group's name with no substance, and the pseudo chapters of appliances, give no product."""
    import zipfile

    import extract_registers

    header = ("BNF Chapter,BNF Chapter Code,BNF Section,BNF Section Code,BNF Paragraph,BNF Paragraph Code,"
              "BNF Subparagraph,BNF Subparagraph Code,BNF Chemical Substance,BNF Chemical Substance Code,"
              "BNF Product,BNF Product Code,BNF Presentation,BNF Presentation Code\n")

    def row(chapter: str, substance: str, product: str, code: str) -> str:
        return f"c,{chapter},s,x,p,x,sp,x,\"{substance}\",x,\"{product}\",{code},{product} tablets,{code}AAAA\n"

    text = header + "".join([
        row("04", "Clozapine", "Clozaril", "0402010C0BB"),
        row("04", "Clozapine", "Clozaril", "0402010C0BB"),  # another presentation of the same product
        row("05", "Co-trimoxazole(Trimethoprim/sulfamethoxazole)", "Septrin", "0501080D0BG"),
        row("05", "Amoxicillin", "Amoxil (Systemic)", "0501013B0BC"),
        row("02", "Indapamide", "Alkapamid XL (Rivopharm (UK) Ltd)", "0202010P0BD"),  # brackets within brackets
        row("05", "Rifampicin combined preparations", "Rifinah", "0501090S0BB"),
        row("10", "Paracetamol and ibuprofen", "Nuromol", "1001010AJBB"),
        row("01", "Other antacid and simeticone preparations", "Proprietary compound preparation BNF 0101010",
            "010101000BB"),
        row("21", "Urinary catheters", "Foley", "21XXXXXXXBB"),
    ])
    path = tmp_path / "20241101_bsa_bnf.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("20241101_BNF_Code_Information.csv", "\ufeff" + text)
    assert sorted(extract_registers.bnf(tmp_path, _pin(path))) == [
        ["0202010P0BD", "Alkapamid XL", "Indapamide", "0"],
        ["0402010C0BB", "Clozaril", "Clozapine", "0"],
        ["0501013B0BC", "Amoxil", "Amoxicillin", "0"],
        ["0501080D0BG", "Septrin", "Trimethoprim;sulfamethoxazole", "0"],
        ["0501090S0BB", "Rifinah", "Rifampicin", "0"],
        ["1001010AJBB", "Nuromol", "Paracetamol;ibuprofen", "0"],
    ]


def test_czech_dispensed_products_take_their_substances_from_their_atc_code(tmp_path):
    """A product's substances are its ATC code's name, when each part is a substance of its own: a group
    code, a class ("... AND BETA-LACTAMASE INHIBITOR") or unnamed others ("..., COMBINATIONS") give none."""
    import extract_registers

    atc = ("ATC;NT;NAZEV;NAZEV_EN\n"
           "N05AH02;N;KLOZAPIN;CLOZAPINE\nJ01EA01;N;TRIMETHOPRIM;TRIMETHOPRIM\n"
           "J01EC01;N;SULFAMETHOXAZOL;SULFAMETHOXAZOLE\nJ01CA04;N;AMOXICILIN;AMOXICILLIN\n"
           "J01EE01;N;SULFAMETHOXAZOL A TRIMETHOPRIM;SULFAMETHOXAZOLE AND TRIMETHOPRIM\n"
           "J01CR02;N;AMOXICILIN A INHIBITOR BETA-LAKTAMASY;AMOXICILLIN AND BETA-LACTAMASE INHIBITOR\n"
           "M01AE51;N;IBUPROFEN, KOMBINACE;IBUPROFEN, COMBINATIONS\n")
    report = ("Období;Typ hlášení;ATC7;Kód SÚKL;Název přípravku;Doplněk názvu\n"
              "2026.02;recept;N05AH02;123;LEPONEX;25MG TBL NOB 50 I\n"
              "2026.02;recept;N05AH02;123;LEPONEX;25MG TBL NOB 50 I\n"  # the same code reported twice
              "2026.02;recept;J01EE01;456;BISEPTOL;400MG/80MG TBL NOB 28\n"
              "2026.02;recept;J01CR02;789;AMOKSIKLAV;1G TBL FLM 14\n"
              "2026.02;recept;M01AE51;790;IBALGIN DUO EFFECT;50MG/G+2MG/G GEL 100G\n"
              "2026.02;recept;A01AD;791;MUNDISAL;87,1MG/G ORM GEL 1X8G\n")
    (tmp_path / "dlp_atc.csv").write_bytes(atc.encode("cp1250"))
    (tmp_path / "LEK13_202602v01.csv").write_bytes(report.encode("cp1250"))
    pins = {**_pin(tmp_path / "dlp_atc.csv"), **_pin(tmp_path / "LEK13_202602v01.csv")}
    assert sorted(extract_registers.lek13(tmp_path, pins)) == [
        ["123", "LEPONEX", "CLOZAPINE", "1"],
        ["456", "BISEPTOL", "SULFAMETHOXAZOLE;TRIMETHOPRIM", "1"],
    ]


def test_a_register_that_may_leave_substances_out_names_no_other_medicine(monkeypatch):
    """DOXIPROCT PLUS is filed under dexamethasone's ATC code in Czechia and holds calcium dobesilate too: a
    register whose substances may be partial gives a product without a catalog drug neither guard names
    nor an "another medicine" note; one with a catalog drug still gives it a brand."""
    from collections import defaultdict

    from namebuild.registers import Identities, Product, Register, _register_names

    names = {"calcium dobesilate": {"calcium dobesilate"}, "clozapine": {"clozapine"}}
    ids = Identities(names, {}, other_norms={"dexamethasone"})
    for partial, guarded in ((False, True), (True, False)):
        register = Register("xx", "Nowhere List", "t", ("en",), parsed=True, partial=partial)
        products = [Product(register, "1", "DOXIPROCT PLUS", ("DEXAMETHASONE",), True),
                    Product(register, "2", "LEPONEX", ("CLOZAPINE",), True)]
        out, _ = _register_names(register, products, ids, {}, names, {"clozapine": {"clozapine"}}, defaultdict(set))
        assert (("", "doxiproct plus") in {(n.drug, n.norm) for n in out}) is guarded
        assert ("clozapine", "leponex") in {(n.drug, n.norm) for n in out}


@pytest.mark.parametrize(
    "abbreviation, ordinary_word",
    [
        ("van", True),  # a word in Dutch and German (and English): not vancomycin
        ("mps", True),  # an acronym English texts use often (MPs)
        ("mmf", False),  # an acronym only Czech texts use often (the IMF): mycophenolate mofetil
        ("mtx", False),
        ("cy", True),  # two letters
    ],
)
def test_an_abbreviation_is_left_out_when_it_is_an_ordinary_word(abbreviation, ordinary_word):
    import build_names

    assert build_names.ordinary_abbreviation(abbreviation) is ordinary_word


def test_the_components_abbreviations_are_read_from_the_combinations():
    """TMP-SMX holds TMP (trimethoprim) and SMX (sulfamethoxazole): each piece begins with its component's first
    letter and holds its letters in order. A piece that fits no component, or two, gives nothing."""
    import build_names

    parts = {"sulfamethoxazole-trimethoprim": frozenset({"sulfamethoxazole", "trimethoprim"})}

    def pieces(display: str) -> list[tuple[str, str]]:
        merged = [merge.Merged("sulfamethoxazole-trimethoprim", records.normalize(display), display, "abbreviation",
                               {HAND: "PMID:1"})]
        return sorted((p.part, p.display) for p in build_names.part_abbreviations(merged, parts))

    assert pieces("TMP-SMX") == [("sulfamethoxazole", "SMX"), ("trimethoprim", "TMP")]
    assert pieces("SMZ/TMP") == [("sulfamethoxazole", "SMZ"), ("trimethoprim", "TMP")]
    assert pieces("TMP-SXT") == []  # x before t: not sulfamethoxazole's letters in order
    assert pieces("CTX") == []  # one piece for two components
