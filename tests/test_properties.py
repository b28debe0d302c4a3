"""Property-based tests (hypothesis) of the engine: no crash, idempotent normalising, invariance, independence."""

from __future__ import annotations

import csv
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from medcheck import check_lines, load_catalog
from medcheck.context import context_of
from medcheck.keys import ChunkRoles, bulk_keys
from medcheck.matcher import matcher_for
from medcheck.models import CONFIDENCES, CONTEXTS
from medcheck.normalize import _STATES, SALTS, UNITS, _scan, effect, fold, normalize, tokenize

DATA = Path(__file__).parent / "data"
CATALOG = load_catalog()
MATCHER = matcher_for(CATALOG)


def read_labelled() -> list[dict[str, str]]:
    """The rows of labelled_lines.csv: line, expected, context, category."""
    with open(DATA / "labelled_lines.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


LABELLED = read_labelled()

# --- shared strategies ------------------------------------------------------------------------

# Whitespace (ASCII and not), controls, zero-width and format characters, and characters that fold
# (full-width, ligatures, accents, dotted I, sharp s, final sigma, dashes, units in one character).
SPECIAL = (
    " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u00a0\u1680\u2007\u2028\u2029\u202f\u3000"
    "\x00\x07\x1b\x7f\u200b\u200d\u2060\ufeff\ufffd\U000e0001"
    "ＣｌｏｚａｐｉｎｅİıßẞſﬁǅΣσςé\u0301\u0308Å㎎㎖½①²٣\u2010\u2013\u2212\ufe63"
)


def text_of(chars: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Text over an alphabet, mixed with the SPECIAL characters."""
    return st.text(st.one_of(chars, st.sampled_from(SPECIAL)))


ANY_TEXT = text_of(st.characters())  # every code point, surrogates included (st.text() leaves them out)
UTF8_TEXT = text_of(st.characters(codec="utf-8"))  # what a file or an Arrow column can hold
LONG_TEXT = st.builds(lambda unit, n: unit * n, st.text(min_size=1, max_size=16), st.integers(1_000, 8_000))

# Catalog names as people write them: canonical names, FDA and brand names, abbreviations.
NAMES = sorted({n for d in CATALOG.drugs for n in (d.name, *d.names, *d.abbreviations)})
# The names where the tokenizer's context rules matter, drawn as often as all others: a leading salt
# ("benzathine penicillin") or unit word ("L-PAM"), or a one-letter word ("penicillin G", "Cytosar-U").
EDGE_NAMES = [
    n for n in NAMES
    if (w := normalize(n).split()) and (w[0] in SALTS or w[0] in UNITS or len(w[0]) == 1 or len(w[-1]) == 1)
]
DRUG_NAME = st.one_of(st.sampled_from(NAMES), st.sampled_from(EDGE_NAMES))
CURRENT_LINE = st.sampled_from([r["line"] for r in LABELLED if r["context"] == "current"])
LABELLED_LINE = st.sampled_from([r["line"] for r in LABELLED])
CONTEXT_LINE = st.sampled_from([r["line"] for r in LABELLED if r["context"] != "current"])  # allergy, history
DRUG_LINE = st.one_of(DRUG_NAME, CURRENT_LINE)  # current lines include negatives: nothing may appear

NUMBER = st.one_of(
    st.integers(0, 5_000).map(str),
    st.sampled_from(["0.5", "1.25", "12.5", "1,000", "2,500", ".5", "0,5"]),
)
UNIT = st.sampled_from(
    ["mg", "MG", "mcg", "µg", "g", "gm", "G", "mL", "ml", "L", "units", "unit", "U", "IU", "mEq", "mmol", "mg/kg",
     "mg/m2", "mcg/hr", "%", "puffs", "drops"]
)
DOSE = st.one_of(
    st.builds(lambda n, gap, u: f"{n}{gap}{u}", NUMBER, st.sampled_from(["", " "]), UNIT),
    st.sampled_from(["1.2 million units", "2.4 million units", "4 million units", "3 MIU", "5 MU"]),
)
# Routes, forms, frequencies and instructions the engine reads as no words at all: they may stand anywhere.
SIG = st.sampled_from(
    ["PO", "po", "p.o.", "by mouth", "orally", "IV", "i.v.", "IVPB", "IM", "SC", "subcut", "SL", "PR", "inhaled",
     "tablet", "tab", "1 tab", "2 tabs", "1-2 tabs", "one tablet", "half tablet", "take two tablets", "capsule",
     "ER", "XR", "DS", "injection", "oral solution", "bid", "BID", "b.i.d.", "tid", "t.i.d.", "qid", "q.d.",
     "daily", "once daily", "twice daily", "three times daily", "q12h", "Q8H", "qhs", "q.h.s.", "at bedtime",
     "nightly", "as needed", "prn", "p.r.n.", "x 7 days", "x7 days", "for 10 days", "for 2 weeks", "on days 1-5",
     "with food", "with meals", "every 8 hours", "take 1 tablet by mouth", "in the morning", "weekly", "stat",
     "mane", "nocte", "OD", "BD", "TDS", "QAM", "as directed", "then", "until"]
)
# Instructions with words the engine keeps ("hold", "other", the "q" of "q4-6h"), which lists write after the
# drug and sometimes before it ("q4-6h procaine penicillin"): a salt word stays where a word follows it.
SIG_AFTER = st.sampled_from(
    ["q4-6h", "q 6 h", "up to 3 times a day", "hold if ANC < 1500", "every other day", "cycle 2", "dose 3 of 4",
     "titrate", "then stop", "alternate days", "after meals", "before breakfast", "with water"]
)
DOSE_TEXT = st.lists(st.one_of(DOSE, SIG), min_size=1, max_size=4).map(" ".join)
DOSE_TEXT_AFTER = st.lists(st.one_of(DOSE, SIG, SIG_AFTER), min_size=1, max_size=4).map(" ".join)
JOIN = st.sampled_from([" ", "  ", "\t", ", ", " - ", "\u00a0"])

BULLET = st.sampled_from(["", "1. ", "2) ", "10. ", "(3) ", "a) ", "- ", "* ", "• ", "– ", "· ", "# ", "> ", "[ ] ", "[x] "])
EDGE_SPACE = st.sampled_from(["", " ", "  ", "\t", "\u00a0", "\u3000"])
TRAILER = st.sampled_from(["", ".", ",", ";", ":", " .", "...", ", "])

# Lines assembled from the chunks medication text is made of, glued or apart.
CHUNK = st.one_of(
    NUMBER, UNIT, DOSE, SIG, SIG_AFTER, DRUG_NAME,
    st.sampled_from(["sodium", "Potassium", "HCl", "hydrochloride", "gluconate", "benzathine", "anhydrous"]),
    st.sampled_from(["q12h", "q4-6h", "5-FU", "VP-16", "L-PAM", "x35", "b12", "1.5-fu", "mg-1", "U.S.P.", "alfa-2a"]),
    st.sampled_from(list(",.;:-/()[]{}#*•+&%'\"")),
    st.text(st.characters(codec="utf-8"), max_size=3),
)
SEPARATOR = st.sampled_from(["", " ", "  ", "\t", "\u00a0", "\u2009", ",", ", ", "/", "-", ".", "\r", "\x0b", "\x1c"])
ASSEMBLED = st.lists(st.tuples(CHUNK, SEPARATOR), max_size=10).map(lambda parts: "".join(c + s for c, s in parts))

# Short words whose reading depends on what came before (a unit after a number, a salt after a word,
# a route that ends a dose): lines made of them put the tokenizer in every state at every step.
STATEFUL_LINE = st.lists(
    st.tuples(
        st.sampled_from(
            ["0", "500", "1.5", "1,000", "three", "x35", "mg", "g", "L", "u", "m2", "million", "po", "x", "bid",
             "q12h", "b.i.d.", ",", "-", "(", "sodium", "HCl", "clozapine", "penicillin", "L-PAM", "5-FU", "vp-16",
             "b12", "mg-1", "Ｇ", "\u200b", "beta", "Alfa", "a", "A", "1a", "a.b"]
        ),
        st.sampled_from([" ", "  ", "\t", "\u00a0", "", "-", "/"]),
    ),
    max_size=12,
).map(lambda parts: "".join(w + s for w, s in parts))

LINE = st.one_of(DRUG_NAME, LABELLED_LINE, ASSEMBLED, ANY_TEXT, st.sampled_from(["", " ", "\t", "\u00a0"]))

SETTINGS = settings(max_examples=500, deadline=None)  # about 1 s a property
MANY = settings(max_examples=1000, deadline=None)  # for the cheap properties whose rare cases matter


def drugs(line: str) -> frozenset[tuple[str, str, str]]:
    """The catalog drugs a line names, each with its confidence and context."""
    return frozenset((f.drug.name, f.confidence, f.context) for f in MATCHER.match(line))


# --- 1. no text makes the engine raise ------------------------------------------------------

def check_engine_on(text: str) -> None:
    """Run every engine entry point on a text and check the shape of what comes back."""
    folded, where = fold(text)
    assert where is None or (len(where) == len(folded) and all(0 <= i < len(text) for i in where))
    tokens = tokenize(text)
    assert all(0 <= t.start < t.end <= len(text) and t.text for t in tokens)
    assert normalize(text) == " ".join(t.text for t in tokens)
    assert context_of(text) in CONTEXTS
    for finding in MATCHER.match(text):
        assert finding.matched_text and finding.matched_text in text
        assert finding.confidence in CONFIDENCES and finding.context in CONTEXTS
        assert 0 <= finding.score <= 100
    report = check_lines([text])
    assert len(report.results) == (1 if text.strip() else 0)


@SETTINGS
@given(st.one_of(ANY_TEXT, st.text(), ASSEMBLED, STATEFUL_LINE))
def test_no_text_makes_the_engine_raise(text: str) -> None:
    """Any code point, surrogates and controls included: fold, tokenize, normalize, match and check_lines."""
    check_engine_on(text)


@settings(max_examples=15, deadline=None)
@given(LONG_TEXT)
def test_very_long_lines(text: str) -> None:
    """Lines of up to 128,000 characters."""
    check_engine_on(text)


@SETTINGS
@given(st.lists(ANY_TEXT, max_size=8))
def test_check_lines_keeps_every_non_blank_line(lines: list[str]) -> None:
    report = check_lines(lines)
    assert [(r.line, r.input) for r in report.results] == [(i, s) for i, s in enumerate(lines, 1) if s.strip()]


# --- 2. normalising is idempotent -------------------------------------------------------------

@MANY
@given(st.one_of(ANY_TEXT, STATEFUL_LINE).map(lambda t: "".join(t.split())))
def test_a_chunks_effect_is_its_scan_from_every_state(chunk: str) -> None:
    """effect() skips the scans after a Greek-letter word when no lone "a" can be read: it must agree."""
    folded, _ = fold(chunk)
    full = tuple((tuple(t.text for t in w), a) for w, a in (_scan(folded, None, s) for s in _STATES))
    assert effect(chunk) == full


@MANY
@given(st.one_of(ANY_TEXT, ASSEMBLED, STATEFUL_LINE, DRUG_LINE))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


# --- 3. case, dose text and list decoration never change what a line names --------------------

@MANY
@given(st.one_of(DRUG_NAME, LABELLED_LINE, CONTEXT_LINE, ASSEMBLED, ANY_TEXT), st.data())
def test_case_never_changes_the_drugs(line: str, data: st.DataObject) -> None:
    """Upper, lower, title, swapped or random case per character: the same drugs, confidence and context."""
    how = data.draw(st.sampled_from(["upper", "lower", "title", "swapcase", "capitalize", "each"]))
    if how == "each":
        upper = data.draw(st.lists(st.booleans(), min_size=len(line), max_size=len(line)))
        recased = "".join(c.upper() if u else c.lower() for c, u in zip(line, upper))
    else:
        recased = getattr(line, how)()
    assert drugs(recased) == drugs(line)


@MANY
@given(DOSE_TEXT)
def test_dose_route_and_frequency_text_reads_as_no_words(text: str) -> None:
    """What the invariance below stands on: such text adds no word that could join or split a name."""
    assert normalize(text) == ""


@MANY
@given(st.one_of(DRUG_NAME, LABELLED_LINE, CONTEXT_LINE), DOSE_TEXT_AFTER, JOIN)
def test_dose_and_frequency_text_after_a_line_never_change_the_drugs(line: str, after: str, join: str) -> None:
    """Doses, routes, forms and instructions after any labelled line or catalog name."""
    assert drugs(line + join + after) == drugs(line)


@MANY
@given(DRUG_LINE, DOSE_TEXT_AFTER, JOIN, st.one_of(st.just(""), DOSE_TEXT_AFTER), JOIN)
def test_dose_route_and_frequency_text_around_a_line_never_change_the_drugs(
    line: str, before: str, join_before: str, after: str, join_after: str,
) -> None:
    """Doses, routes, forms, frequencies and instructions in front of a name or current-use line, and after it."""
    decorated = before + join_before + line + (join_after + after if after else "")
    assert drugs(decorated) == drugs(line)


@MANY
@given(st.one_of(DRUG_NAME, LABELLED_LINE, CONTEXT_LINE), BULLET, EDGE_SPACE, EDGE_SPACE, TRAILER)
def test_list_decoration_never_changes_the_drugs(line: str, bullet: str, lead: str, tail: str, trailer: str) -> None:
    """Bullets and list numbers, surrounding whitespace, a trailing period or comma."""
    assert drugs(lead + bullet + line + trailer + tail) == drugs(line)


# --- 4. a line's result does not depend on the other lines ------------------------------------

@SETTINGS
@given(st.lists(LINE, max_size=10))
def test_a_line_does_not_depend_on_the_others(lines: list[str]) -> None:
    """Each line of a list has the findings it has when checked alone, or in a list in the opposite order."""
    together = check_lines(lines).results
    backwards = {len(lines) + 1 - r.line: r for r in check_lines(lines[::-1]).results}
    for result in reversed(together):  # the other order again, so no state carried from line to line can hide
        alone = check_lines([lines[result.line - 1]]).results
        assert [(r.input, r.findings) for r in alone] == [(result.input, result.findings)]
        assert (backwards[result.line].input, backwards[result.line].findings) == (result.input, result.findings)
    assert len(backwards) == len(together)


# --- 5. the batch fast path: a line's key normalises like the line ----------------------------

@SETTINGS
@given(st.lists(st.one_of(UTF8_TEXT, st.text(), ASSEMBLED, STATEFUL_LINE, DRUG_LINE), max_size=12))
def test_bulk_keys_normalise_like_their_lines(lines: list[str]) -> None:
    """Keys stand in for their lines in `medcheck batch`: same words, so the same findings."""
    import pyarrow as pa

    keys = bulk_keys(pa.array(lines, pa.string()), ChunkRoles()).to_pylist()
    assert len(keys) == len(lines)
    for line, key in zip(lines, keys):
        assert normalize(key) == normalize(line), (line, key)
