"""The README quotes the tested trigger examples verbatim and lists every setting the code reads."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("example", ["trigger_with_curl.sh", "trigger_with_client.py"])
def test_readme_quotes_each_tested_example_verbatim(example):
    code = (REPO_ROOT / "tests" / "e2e" / "examples" / example).read_text().rstrip("\n")

    assert code in (REPO_ROOT / "README.md").read_text()


def test_the_settings_table_lists_every_option_the_code_reads():
    import re

    from bigcommerce_sync.shards import SHARDS_OPTION

    code = "\n".join(path.read_text() for path in (REPO_ROOT / "include").rglob("*.py"))
    read = set(re.findall(r'setting_(?:int|float|bool)\(\s*"(\w+)"', code)) | {SHARDS_OPTION}
    readme = (REPO_ROOT / "README.md").read_text()
    table = readme.split("### Deployment settings", 1)[1].split("\n## ", 1)[0]
    listed = {name for row in re.findall(r"^\| `([^|]+)` \|", table, re.M) for name in row.split("` / `")}
    assert listed == read
