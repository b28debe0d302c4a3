"""normalize: Unicode, case, doses, units, routes, forms, frequencies and salts."""

from __future__ import annotations

from pathlib import Path

import pytest

from medcheck.normalize import CLEARS_NUMBER, KEEP, SETS_NUMBER, SKIP, chunk_role, effect, normalize, tokenize

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Penicillin V Potassium 250 MG Oral Tablet", "penicillin v"),
        ("Penicillin G Potassium 5000000 UNT Injection", "penicillin g"),
        ("CLOZAPINE 200 MG TAB - TAKE 1 AND 1/2 TABLETS AT BEDTIME", "clozapine"),
        ("vancomycin 1.25 g IV q12h", "vancomycin"),
        ("Vancomycin Hydrochloride 125 MG Oral Capsule", "vancomycin"),
        ("quinidine gluconate ER", "quinidine"),
        ("Carbamazepine[Tegretol]", "carbamazepine tegretol"),
        ("cloZAPine", "clozapine"),
        ("\uff23\uff4c\uff4f\uff5a\uff41\uff50\uff49\uff4e\uff45\u00a0100\u00a0mg", "clozapine"),  # full-width, NBSP
        ("sulfam\u00e9thoxazole", "sulfamethoxazole"),
        ("clo\x07zapine", "clo zapine"),  # a control character separates words; it is not deleted
        ("TMP-SMX DS bid", "tmp smx"),
        ("5-FU 500 mg/m2", "5-fu"),
        ("etoposide (VP-16) 100 mg", "etoposide vp-16"),
        ("1. \u2022 co-trimoxazole 960mg bd", "co trimoxazole"),
        ("potassium chloride 20 meq", "potassium chloride"),  # salt words before any other word stay
        ("sodium valproate 500 mg", "sodium valproate"),
        ("valproate sodium 500 mg", "valproate"),  # after a name they are its counter-ion
        ("penicillin G benzathine 1.2 million units IM", "penicillin g"),
        ("Deep IM benzathine penicillin", "deep benzathine penicillin"),  # a salt that starts a name stays
        ("q4-6h procaine penicillin", "q procaine penicillin"),
        ("deep IM meglumine indomethacinate", "deep meglumine indomethacinate"),
        ("peginterferon alfa-2a 180 mcg", "peginterferon alfa 2a"),  # a subtype is a word, not 2 and "a"
        ("peginterferon alfa 2a", "peginterferon alfa 2a"),
        ("interferon alfa2b", "interferon alfa 2b"),
        ("12a 1.2a", ""),  # only a single digit on its own makes a subtype
        ("Interferon Beta 1 A 44 mcg", "interferon beta a"),  # written apart: "a" after a number is the subtype
        ("Interferon Alfa 2 B", "interferon alfa b"),
        ("a clozapine tablet a day", "clozapine"),  # elsewhere "a" is the article
        ("B0SODIUM", "b"),  # found by hypothesis: normalising "b sodium" again must give "b" too
        ("500 mg L-PAM", "l pam"),  # a unit word hyphen-joined to the next word starts a name (found by hypothesis)
        ("1. L-NARPENOL", "l narpenol"),  # the same after a list number
        ("clozapine 100 mg p.o. b.i.d.", "clozapine"),  # dotted abbreviations are words, not stray letters
        ("1.5-fu U.S.P.", "1.5-fu usp"),  # only letters lose their dots
        ("2.4 million units benzathine penicillin IM", "benzathine penicillin"),  # "million" is part of the amount
        ("Pepcid AC one tablet three times daily", "pepcid ac"),  # numbers as words are amounts
        ("", ""),
        ("100 mg", ""),
    ],
)
def test_normalize(text, expected):
    assert normalize(text) == expected


def test_token_offsets_point_into_the_original():
    text = "1. Ｃｌｏｚａｐｉｎｅ 100mg [Clozaril]"
    for token in tokenize(text):
        assert normalize(text[token.start : token.end]) == token.text


def test_naughty_strings_never_raise_and_normalising_is_idempotent():
    for line in (DATA / "blns.txt").read_text(encoding="utf-8").splitlines():
        once = normalize(line)
        assert normalize(once) == once, line


@pytest.mark.parametrize(
    "chunk, role, stand_in",
    [
        ("727", SETS_NUMBER, "0"),
        ("10.92", SETS_NUMBER, "0"),
        ("500mg", SETS_NUMBER, "0"),  # a dose glued to its unit leaves a number read, like "0"
        ("x35", SETS_NUMBER, "0"),
        ("Three", SETS_NUMBER, "0"),
        ("q12h", CLEARS_NUMBER, "x"),
        ("b.i.d.", CLEARS_NUMBER, "x"),
        ("PO", CLEARS_NUMBER, "x"),
        ("daily", CLEARS_NUMBER, "x"),
        (",", SKIP, ""),
        ("-", SKIP, ""),
        ("MG", KEEP, "mg"),  # a unit only after a number; a word otherwise
        ("Sodium", KEEP, "sodium"),  # tokenize drops a salt only after a name, reading the whole line
        ("ClOZApine,", KEEP, "clozapine"),
        ("(Tegretol)", KEEP, "tegretol"),
        ("5-FU", KEEP, "5-fu"),
        ("L-PAM", KEEP, "l-pam"),  # "l pam" would drop its "l" as a unit after a number
        ("b12", KEEP, "b12"),  # "b" then a number: "b" alone would leave no number read
    ],
)
def test_chunk_role(chunk, role, stand_in):
    assert chunk_role(chunk) == (role, stand_in)
    assert effect(stand_in) == effect(chunk)


def test_dose_shortcut_agrees_with_the_tokenizer():
    """chunk_role answers digit chunks without tokenizing: each must really act like "0"."""
    chunks = {"0", "1", "007", "1.5", "1,000", "1,000,000", "2.5.1", "12,5", "3,", "3.", ".5", "1..2", "1,,2"}
    lines = (DATA / "labelled_lines.csv").read_text(encoding="utf-8").split()
    chunks.update(c for c in lines if c[:1].isdigit())
    for chunk in sorted(chunks):
        role, stand_in = chunk_role(chunk)
        assert effect(stand_in) == effect(chunk), chunk
        if role == SETS_NUMBER:
            assert effect(chunk) == effect("0"), chunk
