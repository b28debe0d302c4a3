"""The kinds of source a catalog claim may cite, and the web address each one is read at."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

# Agencies that publish labels, SmPCs, leaflets and safety documents.
AGENCY_HOSTS: tuple[str, ...] = (
    "fda.gov", "dailymed.nlm.nih.gov", "ema.europa.eu", "gov.uk", "mhra.gov.uk", "medicines.org.uk",
    "ansm.sante.fr", "base-donnees-publique.medicaments.gouv.fr", "bfarm.de", "aemps.gob.es", "cima.aemps.es",
    "aifa.gov.it", "swissmedic.ch", "swissmedicinfo.ch", "canada.ca", "hc-sc.gc.ca", "tga.gov.au",
    "medsafe.govt.nz", "pmda.go.jp", "lakemedelsverket.se", "cbg-meb.nl", "geneesmiddeleninformatiebank.nl",
    "legemiddelverket.no", "fimea.fi", "laegemiddelstyrelsen.dk", "who.int", "cdc.gov", "cancer.gov",
)
# Named publishers of reference and patient pages (the page names its publisher).
PUBLISHER_HOSTS: tuple[str, ...] = (
    "ncbi.nlm.nih.gov", "pubmed.ncbi.nlm.nih.gov", "medlineplus.gov", "nlm.nih.gov", "mayoclinic.org",
    "nhs.uk", "nice.org.uk", "merckmanuals.com", "msdmanuals.com", "clevelandclinic.org", "uw.edu",
    "hopkinsmedicine.org", "tuftsmedicine.org", "chop.edu", "chla.org", "rch.org.au", "cancerresearchuk.org",
    "macmillan.org.uk", "plm.com.mx", "medscape.com", "medscape.co.uk", "drugs.com", "upmc.com",
    "pfizermedicalinformation.com", "ucsfbenioffchildrens.org",
    # journals' own pages for the papers they publish
    "jamanetwork.com", "hindawi.com", "wmjonline.org", "jstage.jst.go.jp", "synapse.koreamed.org",
    "ersjournals.com", "archbronconeumol.org", "aacrjournals.org", "nejm.org", "thelancet.com", "bmj.com",
    "springer.com", "wiley.com", "sciencedirect.com", "nature.com", "ashpublications.org", "pmc.ncbi.nlm.nih.gov",
    "acrabstracts.org", "go.drugbank.com", "doi.org",
)
SETID = re.compile(r"^setid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PMID = re.compile(r"^PMID:\d{1,9}$")
DOI = re.compile(r"^DOI:10\.\d{4,9}/\S+$")


def _host_in(host: str, hosts: tuple[str, ...]) -> bool:
    return any(host == h or host.endswith("." + h) for h in hosts)


def source_kind(source: str) -> str | None:
    """"pmid", "doi", "label", "agency" or "publisher"; None for a source of no accepted kind
    (a mirror or copy site, a bare address, an internal file name)."""
    if PMID.match(source):
        return "pmid"
    if DOI.match(source):
        return "doi"
    if SETID.match(source):
        return "label"
    if not source.startswith(("https://", "http://")):
        return None
    host = (urlsplit(source).hostname or "").lower()
    if _host_in(host, AGENCY_HOSTS):
        return "agency"
    if _host_in(host, PUBLISHER_HOSTS):
        return "publisher"
    return None


def source_url(source: str) -> str:
    """The address a source is read at: PubMed for a PMID, doi.org for a DOI, DailyMed for a label set id."""
    if PMID.match(source):
        return f"https://pubmed.ncbi.nlm.nih.gov/{source[5:]}/"
    if DOI.match(source):
        return f"https://doi.org/{source[4:]}"
    if SETID.match(source):
        return f"https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid={source[6:]}"
    return source


# Publisher and title of the pages the advice cites (medcheck.models.ADVICE_SOURCES), as shown to users.
CITATIONS: dict[str, str] = {
    "https://www.bfarm.de/SharedDocs/Risikoinformationen/Pharmakovigilanz/EN/RHB/2024/rhb-metamizol.html":
        "Federal Institute for Drugs and Medical Devices (BfArM), Germany: letter to healthcare professionals on "
        "metamizole and agranulocytosis, December 2024",
    "https://www.uhsussex.nhs.uk/resources/carbimazole-propylthiouracil-ptu-warning/":
        "University Hospitals Sussex NHS Foundation Trust: \"Carbimazole/propylthiouracil (PTU) warning\" "
        "(patient leaflet)",
    "https://rightdecisions.scot.nhs.uk/mypsych-app/working-in-greater-glasgow-clyde/medicines-companion/"
    "clozapine/re-challenge-following-neutropenic-episode-red-result":
        "NHS Greater Glasgow and Clyde (Right Decisions): \"Clozapine: re-challenge following neutropenic "
        "episode (red result)\"",
}


def cited_name(source: str) -> str:
    """A source's publisher and title where medcheck knows them, else its address."""
    return CITATIONS.get(source, source_url(source))


def citation(source: str) -> str:
    """A source as a person reads it: publisher and title, then the address."""
    url = source_url(source)
    named = CITATIONS.get(source)
    return f"{named}: {url}" if named else url


# The national registers the name build reads (scripts/namebuild/registers.py), by the authority label their
# names carry in data/names.csv, and the country each covers.
REGISTER_COUNTRIES: dict[str, str] = {
    "France BDPM": "France", "Canada DPD": "Canada", "Switzerland Swissmedic": "Switzerland",
    "Italy AIFA": "Italy", "Turkey TİTCK": "Turkey", "Singapore HSA": "Singapore",
    "South Africa MPR": "South Africa", "US Drugs@FDA": "the United States", "Brazil ANVISA": "Brazil",
    "Brazil CMED": "Brazil", "Spain Nomenclátor": "Spain", "Ireland PCRS": "Ireland",
    "Belgium INAMI": "Belgium", "Poland MZ": "Poland", "Peru DIGEMID": "Peru",
    "Chile ISP": "Chile",
    "Saudi Arabia SFDA": "Saudi Arabia", "Sweden TLV": "Sweden", "Ecuador ARCSA": "Ecuador",
    "UK NHSBSA BNF": "the United Kingdom", "Czech Republic SÚKL": "the Czech Republic",
}


# How data/names.csv records a register that gives a catalog name to another medicine: "another medicine in
# Brazil CMED 7898095341039 (CLORIDRATO DE BUTENAFINA)". Such a name is only ever a possible match.
ELSEWHERE = "another medicine in"
FDA_LIST = "the FDA substance list"


def country_of(source: str) -> str | None:
    """The country of a national register's source ("Ireland PCRS 62983": Ireland), else None."""
    return next((c for a, c in REGISTER_COUNTRIES.items() if source.startswith(a + " ")), None)


def only_country(sources: Iterable[str]) -> str:
    """The one country whose registers alone list a name ("DOMIDE CAPSULES": Singapore), else "".

    A name that the FDA list, DrugBank/MeSH, a hand-curated page or registers of two countries list is
    known beyond one country; "" too. A register that gives the name to another medicine does not count.
    """
    countries = set()
    for source in sources:
        if source.startswith(ELSEWHERE + " "):
            continue
        country = country_of(source)
        if country is None:
            return ""
        countries.add(country)
    return countries.pop() if len(countries) == 1 else ""


def elsewhere(sources: Iterable[str]) -> list[str]:
    """Where the name means another medicine, in order: the countries whose registers give it one ("TEFIN":
    Brazil), or the FDA substance list, whose names of another substance it begins ("METHOCEL")."""
    found = []
    for source in sources:
        if source.startswith(ELSEWHERE + " "):
            other = source.removeprefix(ELSEWHERE + " ")
            found.append(FDA_LIST if other.startswith("FDA UNII ") else country_of(other))
    return list(dict.fromkeys(c for c in found if c))

