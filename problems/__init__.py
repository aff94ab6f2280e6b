"""Bundled problem files, installed as ``certify.problems`` (see pyproject.toml)."""
