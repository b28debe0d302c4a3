"""Bulk keys: cut many medication lines at once to short keys that match exactly as the lines do.

Invariants the keys rest on (tests/test_keys.py checks each against `reference_key`, a plain
line-at-a-time implementation):
1. normalize(key) == normalize(line): a key keeps every word the tokenizer keeps, and each chunk is
   replaced only by a chunk with the same effect on the tokenizer (normalize.chunk_role), so the
   matcher, which reads only normalised words, finds the same drugs at the same confidence.
2. No token spans ASCII whitespace, so a line may be cut into chunks there and each chunk judged alone
   (other spaces, such as a no-break space, stay inside a chunk and are judged with it).
3. A line with a context cue (context.CONTEXT_CUE: "history of", "d/c", "no", "allergic" ...) is its
   own key: context is read from the words as written, which a key does not keep.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .context import CONTEXT_CUE
from .normalize import CLEARS_NUMBER, SETS_NUMBER, SKIP, chunk_role

if TYPE_CHECKING:
    import pyarrow as pa

_ASCII_SPACE = re.compile(r"[ \t\n\r\v\f]+")


class ChunkRoles:
    """The role and stand-in of each whitespace-free chunk seen so far (see normalize.chunk_role)."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[int, str]] = {}

    def of(self, chunks: list[str]) -> list[tuple[int, str]]:
        known = self._known
        if len(known) > 1_000_000:  # endless distinct words: keep memory flat
            known.clear()
        out = []
        for chunk in chunks:
            role = known.get(chunk)
            if role is None:
                role = known[chunk] = chunk_role(chunk)
            out.append(role)
        return out


# pa.array() and Array.to_numpy() import pandas (0.15 s of start-up); these build the same from buffers.
def _strings(values: Sequence[str]) -> pa.Array:
    """A string array from Python strings."""
    import numpy as np
    import pyarrow as pa

    data = [v.encode("utf-8", "surrogatepass") for v in values]
    offsets = np.zeros(len(data) + 1, dtype=np.int64)
    np.cumsum([len(d) for d in data], out=offsets[1:])
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))]
    return pa.Array.from_buffers(pa.large_string(), len(data), buffers)


def _ints(values: Any) -> pa.Array:
    """An int64 array from a numpy array."""
    import numpy as np
    import pyarrow as pa

    data = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(data), [None, pa.py_buffer(data)])


def _numpy(array: pa.Array) -> Any:
    """The values of an integer array without nulls, as numpy (zero copy)."""
    import numpy as np

    dtype = np.dtype(array.type.to_pandas_dtype())
    return np.frombuffer(array.buffers()[1], dtype=dtype)[array.offset : array.offset + len(array)]


def bulk_keys(texts: pa.Array, roles: ChunkRoles) -> pa.Array:
    """For each text, a short key that normalises to the same words, so many lines share one key.

    Lines are split on whitespace (no token spans it) and each distinct chunk is replaced by the
    shortest chunk with the same effect on the tokenizer: doses become "0", routes and frequencies "x",
    punctuation nothing; a run of such stand-ins is cut to its last, and to nothing at the end of a line
    (a leading "x" is dropped too: a line starts with no number read).
    "Valganciclovir 450 MG oral q12h x21 days" and "valganciclovir 900 mg PO bid" both become
    "valganciclovir 0 mg".
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    words = pc.ascii_split_whitespace(texts)
    flat = words.flatten().dictionary_encode()
    found = roles.of(flat.dictionary.to_pylist())
    role = np.array([r for r, _ in found], dtype=np.int8)[_numpy(flat.indices)]
    stand_in = _strings([t for _, t in found])
    row = _numpy(pc.list_parent_indices(words))
    at = np.flatnonzero(role != SKIP)
    role, row = role[at], row[at]
    pure = role >= SETS_NUMBER
    new_row = row[1:] != row[:-1]
    first_in_row = np.ones(len(at), dtype=bool)
    first_in_row[1:] = new_row
    last_in_row = np.ones(len(at), dtype=bool)
    last_in_row[:-1] = new_row
    next_pure = np.ones(len(at), dtype=bool)
    next_pure[:-1] = pure[1:]
    # A line starts with no number read, so a leading CLEARS_NUMBER does nothing either.
    keep = ~((pure & (last_in_row | next_pure)) | ((role == CLEARS_NUMBER) & first_in_row))
    at, row = at[keep], row[keep]
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=len(texts)), out=offsets[1:])
    kept = stand_in.take(flat.indices.take(_ints(at)))
    keys = pc.binary_join(pa.LargeListArray.from_arrays(_ints(offsets), kept), _strings([" "])[0])
    # A key keeps the words the drug is found by, not those its context is read from ("history of",
    # "d/c", "was on"): a line with a context cue is its own key, so it is read as written.
    cued = pc.fill_null(pc.match_substring_regex(texts, CONTEXT_CUE), False)
    return pc.if_else(cued, texts.cast(pa.large_string()), keys)


def reference_key(line: str) -> str:
    """The key of one line, computed plainly (the test oracle for bulk_keys)."""
    if re.search(CONTEXT_CUE, line):
        return line
    # ASCII whitespace only, as Arrow's ascii_split_whitespace: a no-break space stays inside its chunk
    kept: list[tuple[int, str]] = [chunk_role(chunk) for chunk in _ASCII_SPACE.split(line) if chunk]
    kept = [(role, text) for role, text in kept if role != SKIP]
    out: list[str] = []
    for i, (role, text) in enumerate(kept):
        pure = role >= SETS_NUMBER
        last = i == len(kept) - 1
        next_pure = not last and kept[i + 1][0] >= SETS_NUMBER
        if pure and (last or next_pure):
            continue
        if role == CLEARS_NUMBER and not out and i == 0:
            continue
        out.append(text)
    return " ".join(out)
