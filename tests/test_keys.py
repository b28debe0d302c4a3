"""Bulk keys agree with the plain line-at-a-time reference, and keep what the matcher reads."""

from __future__ import annotations

import pyarrow as pa
import pytest

from medcheck.context import context_of
from medcheck.keys import ChunkRoles, bulk_keys, reference_key
from medcheck.normalize import normalize

from .test_batch import corpus_lines


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return corpus_lines()


def test_bulk_keys_equal_the_reference_implementation(lines):
    keys = bulk_keys(pa.array(lines, pa.string()), ChunkRoles()).to_pylist()
    assert keys == [reference_key(line) for line in lines]


def test_a_key_normalises_as_its_line_does(lines):
    for line in lines:
        assert normalize(reference_key(line)) == normalize(line), line


def test_a_key_keeps_the_context_of_its_line(lines):
    for line in lines:
        assert context_of(reference_key(line)) == context_of(line), line


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("Valganciclovir 450 MG oral q12h x21 days", "valganciclovir 0 mg"),
        ("valganciclovir 900 mg PO bid", "valganciclovir 0 mg"),
        ("history of clozapine 100 mg", "history of clozapine 100 mg"),  # a context cue: read as written
        ("d/c clozapine", "d/c clozapine"),
        ("was on clozapine", "was on clozapine"),
    ],
)
def test_examples(line, key):
    assert reference_key(line) == key
    assert bulk_keys(pa.array([line]), ChunkRoles()).to_pylist() == [key]
