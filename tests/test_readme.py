"""The README's trigger examples are the files the end-to-end tests run, quoted as they are."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("example", ["trigger_with_curl.sh", "trigger_with_client.py"])
def test_readme_quotes_each_tested_example_verbatim(example):
    code = (REPO_ROOT / "tests" / "e2e" / "examples" / example).read_text().rstrip("\n")

    assert code in (REPO_ROOT / "README.md").read_text()
