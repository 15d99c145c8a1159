from __future__ import annotations

import pytest

from bigcommerce_sync.analysis import (
    SEARCH_ANALYZER,
    SynonymsMode,
    analysis_settings,
    merged_list,
    synonym_set_body,
    validate_synonym_rule,
)


def test_merged_list_adds_defaults_unless_disabled():
    assert merged_list(["Shop", "the"], ["the", "a"], use_defaults=True) == ["a", "shop", "the"]
    assert merged_list(["Shop"], ["the"], use_defaults=False) == ["shop"]


@pytest.mark.parametrize("rule", ["tv, television", "personal computer, pc => pc", "a,b"])
def test_valid_synonym_rules(rule):
    validate_synonym_rule(rule)


@pytest.mark.parametrize("rule", ["tv", "a => b => c", " => pc", "a,\nb", ", ,"])
def test_invalid_synonym_rules(rule):
    with pytest.raises(ValueError, match="synonym rule"):
        validate_synonym_rule(rule)


def test_api_mode_refers_to_the_store_synonym_set_at_search_time_only():
    analysis = analysis_settings(
        stop_words=["the"], synonyms=["tv, television"], mode=SynonymsMode.API, store_hash="s1"
    )

    assert analysis["filter"]["catalog_synonyms"] == {
        "type": "synonym_graph",
        "synonyms_set": "bc_s1_synonyms",
        "updateable": True,
    }
    assert "catalog_synonyms" not in analysis["analyzer"]["catalog_text"]["filter"]
    # Synonyms before stop, so rules keep their stop words.
    assert analysis["analyzer"][SEARCH_ANALYZER]["filter"][-2:] == ["catalog_synonyms", "catalog_stop"]
    assert analysis["filter"]["catalog_stop"] == {"type": "stop", "stopwords": ["the"]}


def test_inline_mode_carries_the_rules():
    analysis = analysis_settings(
        stop_words=[], synonyms=["tv, television"], mode=SynonymsMode.INLINE, store_hash="s1"
    )

    assert analysis["filter"]["catalog_synonyms"]["synonyms"] == ["tv, television"]
    assert analysis["filter"]["catalog_stop"]["stopwords"] == "_none_"


def test_synonym_set_body_has_stable_rule_ids():
    assert synonym_set_body(["a, b", "c => d"]) == {
        "synonyms_set": [{"id": "rule-1", "synonyms": "a, b"}, {"id": "rule-2", "synonyms": "c => d"}]
    }
