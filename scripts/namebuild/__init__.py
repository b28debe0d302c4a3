"""Derive medcheck's name files from pinned authorities (development time only; see scripts/build_names.py)."""
