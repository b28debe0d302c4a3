"""Names from national medicines registers: each product's name with its active substances.

A product whose active substances are exactly one catalog drug (or the components of a catalog
combination) gives that drug a brand name, and its substance's name in the register's language a
generic name ("VANCOMYCINE"); a product with no catalog drug gives the guard vocabulary its names.
A product that holds a catalog drug among other substances gives neither. A product named after its
substance ("GEN-CLOZAPINE", "CLOZAPINE MYLAN") is no brand. A product name's first word also counts
as a brand when every product of the register that starts with it has the same composition and it is
not an ordinary word of the register's languages (wordfreq).

The extracts under scripts/registers/ are made from the registers' published files by
scripts/extract_registers.py; their columns: product_id, product_name, substances (";"-joined, as
published), marketed (1 or 0).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from medcheck.matcher import sound_key

from .ordinary import LANGUAGES, zipf
from .records import BRAND, GENERIC, MAX_GUARD_WORDS, MAX_NAME_WORDS, Name, Part, normalize, usable


@dataclass(frozen=True)
class Register:
    """One national register: its authority label, its languages and its extract file.

    parsed: its substances were parsed from free text by the copy used, misspelt at times
    ("Trimetropina", "Metotrexate"), or taken from a classification: they tell a product's composition,
    but are no names of the drug and name no other medicine for the guard.
    partial: its substances may leave some out (an ATC code names a product's main substance only,
    DEXAMETHASONE for a suppository with calcium dobesilate and lidocaine): a product without a catalog
    drug among them is not known to hold none, so its names neither guard nor say "another medicine".
    """

    key: str
    authority: str
    title: str
    languages: tuple[str, ...]
    parsed: bool = False
    partial: bool = False


REGISTERS = (
    Register("fr_bdpm", "France BDPM", "Base de données publique des médicaments (ANSM, HAS, UNCAM), France", ("fr",)),
    Register("ca_dpd", "Canada DPD", "Drug Product Database data extract (Health Canada)", ("en", "fr")),
    Register("ch_swissmedic", "Switzerland Swissmedic", "Zugelassene Packungen Humanarzneimittel (Swissmedic)",
             ("de", "fr", "it")),
    Register("it_aifa", "Italy AIFA", "Liste dei farmaci di classe A e H (AIFA)", ("it",)),
    Register("tr_titck", "Turkey TİTCK", "Ruhsatlı Beşeri Tıbbi Ürünler Listesi (TİTCK)", ("tr", "en")),
    Register("sg_hsa", "Singapore HSA", "Listing of Registered Therapeutic Products (HSA)", ("en",)),
    Register("za_mpr", "South Africa MPR", "Database of Medicine Prices (National Department of Health)", ("en",)),
    Register("us_drugsatfda", "US Drugs@FDA", "Drugs@FDA data files (U.S. Food and Drug Administration)", ("en",)),
    Register("br_anvisa", "Brazil ANVISA", "Medicamentos registrados no Brasil (ANVISA open data)", ("pt",)),
    Register("br_cmed", "Brazil CMED", "Lista de preços de medicamentos ao governo (CMED, ANVISA)", ("pt",)),
    Register("es_nomenclator", "Spain Nomenclátor", "Nomenclátor de facturación (Ministerio de Sanidad)", ("es",)),
    Register("ie_pcrs", "Ireland PCRS", "PCRS Druglist (Health Service Executive)", ("en",)),
    Register("be_inami", "Belgium INAMI", "Spécialités pharmaceutiques remboursables (INAMI-RIZIV)", ("fr", "nl")),
    Register("pl_mz", "Poland MZ", "Wykaz refundowanych leków (Minister Zdrowia)", ("pl",)),
    Register("pe_digemid", "Peru DIGEMID", "Catálogo de Productos Farmacéuticos (DIGEMID, Ministerio de Salud)", ("es",)),
    Register("cl_isp", "Chile ISP", "Listado de productos bioequivalentes (Instituto de Salud Pública de Chile)", ("es",)),
    Register("sa_sfda", "Saudi Arabia SFDA", "Drugs list (Saudi Food and Drug Authority)", ("en",)),
    Register("ec_arcsa", "Ecuador ARCSA", "Registros Sanitarios Vigentes (ARCSA)", ("es",), parsed=True),
    Register("se_tlv", "Sweden TLV", "Periodens varor (Tandvårds- och läkemedelsförmånsverket)", ("sv", "en")),
    Register("uk_bnf", "UK NHSBSA BNF", "BNF Code Information (NHS Business Services Authority)", ("en",)),
    Register("cz_sukl", "Czech Republic SÚKL", "Hlášení LEK-13 (Státní ústav pro kontrolu léčiv)", ("cs",), parsed=True,
             partial=True),
)
AUTHORITIES = [r.authority for r in REGISTERS]

# Salt and hydrate words of the registers ("CHLORHYDRATE DE VANCOMYCINE", "ATORVASTATINE CALCIQUE
# TRIHYDRATÉE", Latin "metamizolum natricum monohydricum"), after accents are removed; normalize drops
# the English ones.
SALT_WORDS = frozenset(
    ["chlorhydrate", "dichlorhydrate", "bromhydrate", "sodium", "potassium", "calcium", "magnesium", "lithium", "zinc", "sodique", "disodique", "potassique", "dipotassique", "calcique", "magnesique", "besilate", "mesilate", "maleate", "fumarate", "succinate", "tartrate", "hydrogenotartrate", "citrate", "acetate", "sulfate", "phosphate", "gluconate", "lactate", "chlorure", "bromure", "iodure", "nitrate", "monohydrate", "monohydratee", "dihydrate", "dihydratee", "trihydrate", "trihydratee", "hemihydrate", "hemihydratee", "sesquihydrate", "pentahydrate", "anhydre", "base", "hyclate", "tosilate", "oxalate", "pamoate", "embonate", "palmitate", "decanoate", "enantate", "stearate", "lysinate", "meglumine", "trometamol", "arginine", "benzathine", "procaine", "sel", "hydrate", "hydratee", "hexahydrate", "hexahydratee", "natricum", "dinatricum", "kalicum", "calcicum", "magnesicum", "hydrochloridum", "dihydrochloridum", "hydrobromidum", "sulfas", "phosphas", "acetas", "citras", "maleas", "fumaras", "tartras", "mesilas", "besilas", "succinas", "monohydricum", "dihydricum", "trihydricum", "anhydricum", "hemihydricum", "sesquihydricum", "ut", "sodio", "potassio", "calcio", "magnesio",
     # Turkish (TİTCK), accents removed
     "hidroklorur", "dihidroklorur", "hidrobromur", "hcl", "sodyum", "disodyum", "potasyum", "kalsiyum", "magnezyum",
     "monohidrat", "dihidrat", "trihidrat", "hemihidrat", "seskihidrat", "pentahidrat", "susuz", "fumarat",
     "maleat", "sitrat", "asetat", "sulfat", "fosfat", "tartarat", "tartrat", "mesilat", "besilat", "suksinat",
     "laktat", "glukonat", "bromur", "klorur", "tuzu", "baz", "prokain",
     # French and Latin salts of catalog drugs (CLOPIDOGREL (HYDROGÉNOSULFATE DE), DITARTRATE DE VINORELBINE)
     "hydrogenosulfate", "isetionate", "diisetionate", "ditartrate", "hydrogenosulfas", "isetionas", "ditartras",
     # English as HSA writes it
     "hydrochloride", "bisulphate", "sulphate", "anhydrous",
     # Portuguese (ANVISA, CMED) and Spanish (Nomenclátor), accents removed: CLORIDRATO DE VANCOMICINA,
     # DIPIRONA MONOIDRATADA, AMOXICILINA TRI-HIDRATADA, METAMIZOL SODICO MONOHIDRATO, ATOMOXETINA HIDROCLORURO
     "cloridrato", "dicloridrato", "bromidrato", "clorhidrato", "diclorhidrato", "bromhidrato", "hidrocloruro",
     "hidrobromuro", "sulfato", "fosfato", "acetato", "maleato", "mesilato", "besilato", "succinato", "tartarato",
     "tartrato", "citrato", "fumarato", "sodica", "sodico", "dissodica", "disodico", "potassica", "potassico",
     "potasica", "potasico", "calcica", "calcico", "magnesica", "magnesico", "monoidratada", "monoidratado",
     "diidratada", "diidratado", "triidratada", "triidratado", "hidratada", "hidratado", "monohidrato",
     "dihidrato", "trihidrato", "hemihidrato", "sesquihidrato", "anidra", "anidro", "anhidro", "anhidra",
     "lisina", "arginina", "benzatina", "hiclato", "trometamina", "meglumina", "tri", "di", "hemi", "bissulfato",
     "bisulfato",
     # heptahydrates in the registers' languages (PEMETREXED DISODIUM HEPTAHYDRATE, HEPTAHIDRATO, heptahidrat)
     "heptahydrate", "heptahydrat", "heptahidrato", "heptahidratado", "heptahidrat", "hemiheptahidrato",
     "hemiheptahidrat", "heptahydricum", "hemiheptahydricum", "heptahydricus"]
)
# "Silver" in the registers' languages (SULFADIAZINA DE PLATA, DE PRATA, ARGENTICA; Latin sulfadiazinum
# argenticum): the element is part of the substance's name (silver sulfadiazine), not a salt to drop.
SILVER_WORDS = frozenset(["plata", "prata", "argentica", "argentico", "argenticum", "argentique", "argento"])
_SALT_SPLIT = re.compile(r"[\s-]+")  # "TRI-HIDRATADA" is two salt words
_DE = re.compile(r"\s+(?:de|d')\s*|\s+d'", re.IGNORECASE)
_ACID = re.compile(r"^(?:acide (\w+?)ique|acido (\w+?)ico)\b")  # French, Spanish, Portuguese, Italian
_PAREN = re.compile(r"^(?P<outer>[^()]*?)\s*\((?P<inner>[^()]*)\)\s*$")
_DOSE_START = re.compile(r"\s+(?=\d)")  # "PROPYLEX 50 mg" is shown as PROPYLEX
_SUBTYPE = re.compile(r"^\d[a-z]?$")  # the "1a" of interferon beta-1a, the "2" of interleukin-2
MIN_BRAND_LETTERS = 5  # "CLOX" (ticlopidine in Italy) would be read in "Clox 500 mg" (cloxacillin)
PHRASE_WORD_ZIPF = 2.0  # wordfreq: a name made only of words this common is ordinary ("acid reducer", "analgesic")
ELSEWHERE_ZIPF = 1.0  # ... and a one-word name, if another language's texts use it at least this often


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c)).replace("’", "'").replace("ı", "i")


def _stem(word: str) -> str:
    """A word without its French, Italian, Spanish or Latin ending (e, a, o, um, i)."""
    if len(word) <= 5 or not word.isalpha():
        return word
    for ending in ("um", "i", "e", "a", "o"):
        if word.endswith(ending):
            return word[: -len(ending)]
    return word


def _stems(name: str) -> str:
    return " ".join(_stem(w) for w in name.split())


def substance_forms(published: str) -> list[str]:
    """Normalised forms a published substance name may take: "VANCOMYCINE (CHLORHYDRATE DE)" -> vancomycine."""
    text = _plain(published).strip()
    m = _PAREN.match(text)
    if m:
        inner = m.group("inner").strip()
        if re.search(r"\b(de|d')$", inner):  # "SODIUM (VALPROATE DE)": the French "VALPROATE DE SODIUM"
            salt = re.sub(r"\s*(de|d')$", "", inner)
            text = f"{salt} de {m.group('outer')}"
        else:  # "VANCOMYCIN (VANCOMYCIN HYDROCHLORIDE)": the substance, then its salt form
            text = m.group("outer")
    text = re.sub(r"\([^()]*\)", " ", text)  # "CLINDAMYCINE (CHLORHYDRATE DE) HYDRATÉ"
    sides = [s for s in _DE.split(text) if s.strip()]
    kept = [s for s in sides if not all(w in SALT_WORDS for w in _SALT_SPLIT.split(s.strip()))] or sides
    text = " ".join(w for w in _SALT_SPLIT.split(" ".join(kept).strip()) if w not in SALT_WORDS)
    forms = [text]
    if SILVER_WORDS.intersection(text.split()):  # "sulfadiazina plata": also "sulfadiazina silver"
        forms.append(" ".join("silver" if w in SILVER_WORDS else w for w in text.split()))
    m = _ACID.match(text)
    if m:
        forms.append(f"{m.group(1) or m.group(2)}ic acid")
    # The INN in French, Italian, Spanish and Latin: vancomycine, amoxicillina, carboplatino, clozapinum,
    # doxorubicini (Latin genitive, before its salt): the stem, and the stem with an English final e.
    for f in [f for f in forms if f.strip()]:
        stems = [_stem(w) for w in f.split()]
        forms += [" ".join(stems), " ".join(w + "e" if len(w) > 4 else w for w in stems),
                  " ".join([stems[0] + "e", *stems[1:]])]
    forms = list(dict.fromkeys(forms))
    return [n for f in forms if (n := normalize(f))]


@dataclass(frozen=True)
class Product:
    register: Register
    product_id: str
    name: str
    substances: tuple[str, ...]
    marketed: bool


def read_extract(folder: Path, register: Register) -> tuple[list[Product], bytes]:
    raw = (folder / f"{register.key}.csv.gz").read_bytes()
    text = gzip.decompress(raw).decode("utf-8")
    products = [
        Product(register, row["product_id"], row["product_name"],
                tuple(s for s in row["substances"].split(";") if s.strip()), row["marketed"] == "1")
        for row in csv.DictReader(io.StringIO(text, newline=""))
    ]
    return products, raw


class Identities:
    """Maps a published substance to a catalog drug or combination component, or says it is another substance."""

    def __init__(
        self, catalog_names: Mapping[str, set[str]], combination_parts: Mapping[str, frozenset[str]],
        other_norms: set[str] | frozenset[str] = frozenset(), written: Mapping[str, set[str]] | None = None,
        brand_norms: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        self.other_norms = other_norms
        self.by_norm: dict[str, set[str]] = defaultdict(set)
        for drug, norms in catalog_names.items():
            for n in norms:
                self.by_norm[n].add(drug)
        for parts in combination_parts.values():
            for p in parts:
                self.by_norm[p].add(p)
        # A register's substance column holds substances: one a letter or two from a brand ("Sodium chloride",
        # "chloridine") is another substance, not a misspelt brand, so near misses are weighed against the
        # catalog's substance names only.
        self.long_norms = sorted(n for n in self.by_norm if len(n) >= 6 and n not in brand_norms)
        self.by_sound: dict[str, set[str]] = defaultdict(set)
        for n, identities in self.by_norm.items():
            self.by_sound[sound_key(n)].update(identities)
        # Names only written exactly (the dictionary's CLORANFENICOL): not spellings or near misses to
        # weigh, since the dictionary's odd synonyms ("kokain") would make other medicines ("kodein") uncertain.
        for drug, norms in (written or {}).items():
            for n in norms:
                if n not in self.by_norm:
                    self.by_norm[n].add(drug)
        # Names of subtypes, "interferon beta 1a" and "interferon beta 1b": what they begin with,
        # "interferon beta" (a BNF chemical substance), names the group, not one of them.
        subtypes: dict[str, set[str]] = defaultdict(set)
        for n in (*self.by_norm, *other_norms):
            head, _, last = n.rpartition(" ")
            if head and _SUBTYPE.match(last):
                subtypes[sound_key(head)].add(sound_key(n))
        self.groups = frozenset(head for head, names in subtypes.items() if len(names) > 1)
        self.uncertain: dict[str, str] = {}
        self.resolved: dict[str, str] = {}  # published substance -> catalog drug, told by the brands it is sold as
        self._answers: dict[str, tuple[str | None, str]] = {}  # of(), each published substance once
        self._other_sounds: set[str] | None = None
        self._names = catalog_names

    def known_other(self, published: str) -> bool:
        """Whether a published substance is another medicine the other authorities know, in any spelling
        ("BISSULFATO DE CLOPIDOGREL", "deksketoprofen trometamol")."""
        if self._other_sounds is None:
            self._other_sounds = {sound_key(n) for n in self.other_norms}
        forms = substance_forms(published)
        return any(f in self.other_norms or sound_key(f) in self._other_sounds for f in forms)

    def of(self, published: str) -> tuple[str | None, str]:
        """(identity or None, the name in the register's language normalised, or "?" when too close to call)."""
        if published not in self._answers:
            identity, form = self._identify(published)
            if identity is not None and self._group(published):
                identity, form = None, "?"  # "Interferon beta": 1a or 1b, the register does not say
            self._answers[published] = identity, form
        return self._answers[published]

    def _group(self, published: str) -> bool:
        """Whether a published substance names a group of subtypes ("Interferon alpha": alfa-2a, alfa-2b)."""
        return any(sound_key(f) in self.groups for f in substance_forms(published))

    def _identify(self, published: str) -> tuple[str | None, str]:
        forms = substance_forms(published)
        if published in self.resolved:
            return self.resolved[published], forms[0]
        for f in forms:
            found = self.by_norm.get(f)
            if found and len(found) == 1:
                return next(iter(found)), forms[0]
        for f in forms:  # spelt another way: "clorpromazina" sounds like exactly one catalog name
            found = self.by_sound.get(sound_key(f))
            if found and len(found) == 1 and len(f) >= 7:
                return next(iter(found)), forms[0]
        if not forms or any(f in self.other_norms for f in (*forms, normalize(_plain(published)))):
            return None, forms[0] if forms else ""
        for f in forms:  # one or two edits from a catalog name, yet no known medicine: neither names nor guard
            near = [(i, n) for n, _, i in process.extract(f, self.long_norms, scorer=OSA.distance, score_cutoff=2,
                                                          limit=None) if abs(len(n) - len(f)) <= 2]
            if near:
                self.uncertain[published] = min(near)[1]
                return None, "?"
        return None, forms[0] if forms else ""

    def resolve(self, evidence: Mapping[str, set[str]]) -> None:
        """Tell substances too close to call by the brands they are sold as ("DIVALPROATO DE SÓDIO", one or two
        edits from "valproato", is sold as DEPAKOTE, which the FDA list gives valproic acid).

        evidence: published substance -> the catalog drugs that other authorities give the brands of its
        products. One drug, and one of that drug's names within two edits of the substance: it is that drug.
        """
        for published, drugs in evidence.items():
            if published not in self.uncertain or len(drugs) != 1 or self._group(published):
                continue
            drug = next(iter(drugs))
            forms = substance_forms(published)
            if any(OSA.distance(f, n, score_cutoff=2) <= 2 for f in forms for n in self._names.get(drug, ())):
                self.resolved[published] = drug
                del self.uncertain[published]
                self.by_norm.setdefault(forms[0], set()).add(drug)  # its name in that language, from now on
        # The same name published another way ("GENCITABINA", without the salt of CLORIDRATO DE GENCITABINA)
        for published in list(self.uncertain):
            forms = substance_forms(published)
            drugs = self.by_norm.get(forms[0], set()) if forms else set()
            if len(drugs) == 1:
                self.resolved[published] = next(iter(drugs))
                del self.uncertain[published]
        self._answers.clear()  # what was too close to call may be told now


def _brand_evidence(
    products: list[Product], ids: Identities, brands: Mapping[str, str], evidence: dict[str, set[str]]
) -> None:
    """Add, for each product whose one substance is too close to call, the catalog drug its brand is elsewhere."""
    for p in products:
        if len(p.substances) != 1 or ids.of(p.substances[0])[1] != "?":
            continue
        words = normalize(p.name.split(",")[0]).split()
        drug = brands.get(" ".join(words)) or (brands.get(words[0]) if words else None)
        if drug is not None:
            evidence.setdefault(p.substances[0], set()).add(drug)


def _ordinary(norm: str, languages: tuple[str, ...]) -> bool:
    """A name made of ordinary words of the register's languages ("acid reducer", "analgesic").

    A name of one word that its country's texts use (IBALGIN in Czech, REPRIMAN in Spanish) is a brand
    they know well, unless texts of a language the register is not in use it too: a word or a person's
    name travels (ZILLION, REMUS), a brand seldom does.
    """
    words = norm.split()
    if not all(any(zipf(w, lang) >= PHRASE_WORD_ZIPF for lang in languages) for w in words):
        return False
    return len(words) > 1 or any(zipf(words[0], lang) >= ELSEWHERE_ZIPF for lang in LANGUAGES if lang not in languages)


def names(
    folder: Path, catalog_names: Mapping[str, set[str]], combination_parts: Mapping[str, frozenset[str]],
    other_norms: set[str],
    generic_names: Mapping[str, set[str]],
    written: Mapping[str, set[str]] | None = None,
    brands: Mapping[str, str] | None = None,
    brand_norms: set[str] | frozenset[str] = frozenset(),
) -> tuple[list[Name], list[Part], list[dict[str, object]], dict[str, str], dict[str, set[str]]]:
    """(names, combination part names, pins, uncertain substances, later words) from the register extracts.

    other_norms: names of other medicines the other authorities know (a substance named so is one);
    generic_names: each catalog drug's generic names (a product named so is no brand); written: more
    names of each catalog drug a published substance may be, written exactly so. Uncertain
    substances (published name -> the catalog name it is one or two edits from) give neither names nor
    guard names; a person should look at them, unless the brands they are sold as tell (brands: brand names
    other authorities give one catalog drug, see Identities.resolve; brand_norms: catalog names that are
    only brands or abbreviations, which a published substance is never a misspelling of). Later words: each word that follows the first in a
    product's name -> the compositions of the products so named (a catalog drug, or another medicine's
    substances), for telling a company's or a form's word ("Pantoprazol-Mepha", "... LYOPHILIZED
    POWDER") from a brand.
    """
    pins_path = folder / "SOURCES.json"
    pins = {p["name"]: p for p in json.loads(pins_path.read_text(encoding="utf-8"))}
    ids = Identities(catalog_names, combination_parts, other_norms, written, brand_norms)
    combos = {parts: drug for drug, parts in combination_parts.items()}
    out: list[Name] = []
    parts_out: list[Part] = []
    pin_list: list[dict[str, object]] = []
    later: dict[str, set[str]] = defaultdict(set)
    extracts = [(register, *read_extract(folder, register)) for register in REGISTERS]
    evidence: dict[str, set[str]] = {}
    for _, products, _ in extracts:
        _brand_evidence(products, ids, brands or {}, evidence)
    ids.resolve(evidence)
    for register, products, raw in extracts:
        pin = dict(pins[register.authority])
        pin["extract"] = f"scripts/registers/{register.key}.csv.gz"
        pin["extract_sha256"] = hashlib.sha256(raw).hexdigest()
        pin_list.append(pin)
        out_r, parts_r = _register_names(register, products, ids, combos, catalog_names, generic_names, later)
        out += out_r
        parts_out += parts_r
    return out, parts_out, pin_list, dict(sorted(ids.uncertain.items())), dict(later)


def _owner(
    found: list[tuple[str, str | None, str]], combos: Mapping[frozenset[str], str], catalog_names: Mapping[str, object]
) -> str:
    """The catalog drug a product holds, "" for another medicine, "?" when that cannot be told.

    A product that holds one catalog drug (or combination) among other substances is named for it, as
    the FDA list's combination brands are (amoxicillin with clavulanic acid: amoxicillin).
    """
    identities = [i for _, i, _ in found]
    if not found or any(f == "?" for _, _, f in found):
        return "?"
    if all(i is None for i in identities):
        return ""
    key = frozenset(i for i in identities if i is not None)
    held = {combo for parts, combo in combos.items() if parts <= key}
    held |= {i for i in key if i in catalog_names and not any(i in parts for parts in combos if combos[parts] in held)}
    return next(iter(held)) if len(held) == 1 else "?"


def _register_names(
    register: Register, products: list[Product], ids: Identities, combos: Mapping[frozenset[str], str],
    catalog_names: Mapping[str, set[str]], generic_names: Mapping[str, set[str]],
    later: dict[str, set[str]],
) -> tuple[list[Name], list[Part]]:
    out: list[Name] = []
    parts_out: list[Part] = []
    firsts: dict[str, set[str]] = defaultdict(set)  # first word -> the compositions it names ("" = other)
    # First words of multi-word catalog names ("penicillin" of penicillin G, "benzathine" of benzathine
    # penicillin): generic, never a brand; but a first word that is a name of the drug on its own, and
    # begins none of its generic names (BICILLIN, of BICILLIN C-R), is that name.
    generic_firsts = {n.split()[0] for norms in generic_names.values() for n in norms if " " in n}
    leading = {
        first for norms in catalog_names.values() for n in norms if " " in n
        if (first := n.split()[0]) in generic_firsts or first not in norms
    }
    leading_sounds = {sound_key(w) for w in leading}  # "penicilin" (Czech) is "penicillin" spelt another way
    generic_sounds = {drug: {sound_key(n) for n in norms if " " not in n} for drug, norms in generic_names.items()
                      if drug in catalog_names}
    first_display: dict[str, tuple[str, str, bool]] = {}
    fulls: dict[str, set[str]] = defaultdict(set)  # a product's whole name -> the compositions it names
    full_names: dict[str, Name] = {}
    for p in products:
        found = [(s, *ids.of(s)) for s in p.substances]
        owner = _owner(found, combos, catalog_names)
        if owner == "" and register.partial:
            owner = "?"  # no catalog drug among the substances given, which may not be all
        # The substance's own name in the register's language.
        for published, identity, form in found:
            if identity is None or form == "?" or register.parsed:  # a parsed one's may be misspelt
                continue
            display = published.split("(")[0].strip()
            if identity in catalog_names and owner == identity:
                out.append(Name(identity, display, form, GENERIC, register.authority, p.product_id, p.marketed))
            for combo, drug_parts in ((d, ps) for ps, d in combos.items()):
                if identity in drug_parts and owner == combo:
                    parts_out.append(Part(combo, identity, display, form, register.authority, p.product_id))
        norm = normalize(p.name.split(",")[0])
        words = norm.split()
        if not words:
            continue
        display = _DOSE_START.split(p.name.split(",")[0])[0].strip()
        first = words[0]
        # Every product counts, so a name that two compositions share (a company's first word, a brand
        # for one substance alone and with another) names neither.
        firsts[first].add(owner)
        fulls[norm].add(owner)
        if owner == "?":
            continue
        composition = owner or "+".join(sorted(f for _, _, f in found))
        for w in words[1:]:
            later[w].add(composition)
        if owner == "" and not register.parsed:  # another medicine: its substances' names guard too
            for published, _, form in found:
                if form and usable(form, MAX_GUARD_WORDS, digits=False):
                    out.append(Name("", published, form, GENERIC, register.authority, p.product_id, p.marketed))
        forms = [f for published, _, form in found if form != "?" for f in substance_forms(published)]
        own_names = set().union(*(generic_names.get(i, set()) for _, i, _ in found if i)) | set(forms) | (
            generic_names.get(owner, set()))
        stemmed = " ".join(_stem(w) for w in words)
        # A product named after its substance, or a catalog drug's product named only after the first word of it
        # ("SULFADIAZINA" for SULFADIAZINA DE PLATA, silver sulfadiazine; "sulfadiazina" alone is sulfadiazine),
        # is no brand.
        if (owner and norm in {f.split()[0] for f in forms if " " in f}) or any(
                f" {n} " in f" {norm} " or f" {_stems(n)} " in f" {stemmed} " for n in own_names):
            firsts[first].add("?")  # named after its substance ("CLOZAPINE MYLAN", "MICOFENOLATO DE MOFETIL STADA")
            fulls[norm].add("?")
            continue
        spelt = [w for w in words if sound_key(w) in generic_sounds.get(owner, ())] if owner in catalog_names else []
        if spelt:
            # Named after the drug's generic name spelt another way ("OXACILIN AVMC", Czech; "ETOPOZYD ACCORD",
            # Polish): that spelling is a generic name of the drug, and the product no brand.
            out += [Name(owner, w, w, GENERIC, register.authority, p.product_id, p.marketed) for w in spelt]
            firsts[first].add("?")
            fulls[norm].add("?")
            continue
        full = usable(norm, MAX_NAME_WORDS if owner else MAX_GUARD_WORDS, digits=False)
        if full is not None and owner and len(full) < MIN_BRAND_LETTERS:
            full = None
        if full is not None and owner and _ordinary(full, register.languages):
            full = None  # "ACID REDUCER", "MUSCLE & JOINT": ordinary words, not a name to match
        if full is not None and owner and sound_key(full.split()[0]) in leading_sounds:
            full = None  # "PENICILLINE G ...": the generic word that begins a catalog name, not a brand
        if full is not None and (norm not in full_names or p.marketed):
            other = ""
            if not owner and p.substances and all(ids.known_other(s) for s in p.substances):
                other = " + ".join(p.substances)  # CLOPIN: clopidogrel in Brazil, clozapine in Switzerland
            full_names[norm] = Name(owner, display, full, BRAND, register.authority, p.product_id, p.marketed, other)
        if len(words) > 1 and (first not in first_display or p.marketed):
            first_display[first] = (display.split()[0], p.product_id, p.marketed)
    out += [n for norm, n in sorted(full_names.items()) if fulls[norm] == {n.drug}]
    for first, owners in sorted(firsts.items()):
        if first not in first_display or len(owners) != 1 or "?" in owners or len(first) < MIN_BRAND_LETTERS:
            continue
        if not first.isalpha():
            continue
        if _ordinary(first, register.languages) or sound_key(first) in leading_sounds or first in SALT_WORDS:
            continue  # SALT_WORDS: "PROKAIN PENİSİLİN" is procaine benzylpenicillin; procaine alone is another medicine
        owner = next(iter(owners))
        display, ref, marketed = first_display[first]
        out.append(Name(owner, display, first, BRAND, register.authority, ref, marketed))
    return out, parts_out


SUFFIX_BASES = 3  # a product suffix is glued to this many different brands or more
MIN_SUFFIX, MAX_SUFFIX = 3, 6  # two letters are as often a truncated name (MIRTAZAP, MIRTAZAPIN) as a suffix


def product_suffixes(folder: Path) -> list[str]:
    """Suffixes registers glue to a brand for a product of the same substance ("NUROFEN" -> "NUROFENCAPS").

    A first word that is another product's first word plus 3 to 6 letters, the two products sharing
    an active substance, shows a suffix; a suffix seen with SUFFIX_BASES brands or more is kept.
    """
    bases: dict[str, set[str]] = defaultdict(set)
    for register in REGISTERS:
        products, _ = read_extract(folder, register)
        substances: dict[str, set[str]] = defaultdict(set)
        for p in products:
            words = normalize(p.name).split()
            if words:
                substances[words[0]].update(normalize(s) for s in p.substances)
        for word, held in substances.items():
            if not word.isalpha() or any(word in h.split() for h in held):
                continue  # the substance's own name: AMIODAR and AMIODARONE are a name cut short, not a suffix
            for cut in range(MIN_BRAND_LETTERS, len(word) - MIN_SUFFIX + 1):
                base, suffix = word[:cut], word[cut:]
                if MIN_SUFFIX <= len(suffix) <= MAX_SUFFIX and substances.get(base, set()) & held:
                    bases[suffix].add(base)
    return sorted(s for s, b in bases.items() if len(b) >= SUFFIX_BASES)
