"""Packaged catalog data: installed as medcheck.data so load_catalog() finds it from any directory."""
