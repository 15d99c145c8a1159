"""Documented query parameters combined the way a client we did not write would combine them.

For each list endpoint, a seeded random sample of requests draws 1–3 of the filters its
OpenAPI file documents (values taken from the real data, so filters select something), and
adds sort/direction, include and field selection where documented. Each response is
validated against the schema, and its items are compared with what an independent
oracle, written here from the reference's descriptions, keeps from the unfiltered list.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from tests.simulator.openapi import _document, errors_of, require_spec_dir, response_validator
from tests.simulator.support import StoreApi
from tests.simulator.test_spec_coverage import _resolved, file_gets

SAMPLES = 30
SHAPE = {"page", "limit", "sort", "direction", "include", "include_fields", "exclude_fields"}
Item = dict[str, Any]
Oracle = Callable[[Item, str], bool]
Maker = Callable[[list[Item], random.Random], str]


def _day(text: str) -> str:
    return str(text)[:10]


@dataclass
class Target:
    """One list endpoint and how the oracle reads its custom parameters."""

    file: str
    spec_path: str
    path: str
    version: str = "v3"
    id_key: str = "id"
    full_params: dict[str, str] = field(default_factory=dict)
    custom: dict[str, tuple[Maker, Oracle]] = field(default_factory=dict)
    includes: tuple[str, ...] = ()

    @property
    def filters(self) -> list[str]:
        return sorted(file_gets(self.file)[self.spec_path] - SHAPE)


def _pick(items: list[Item], rng: random.Random, key: str) -> Any:
    values = [item[key] for item in items if item.get(key) not in (None, "", [])]
    return rng.choice(values)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def generic(name: str, items: list[Item], rng: random.Random) -> tuple[str, Oracle]:
    """Return a value for ``field[:op]`` drawn from the data, and the oracle of that operator."""
    stem, _, op = name.partition(":")
    value = _pick(items, rng, stem)
    if op in ("in", "not_in"):
        chosen = {_text(_pick(items, rng, stem)) for _ in range(2)} | {_text(value)}
        raw = ",".join(sorted(chosen))
        return raw, (lambda item: _text(item.get(stem)) in chosen) if op == "in" else (
            lambda item: _text(item.get(stem)) not in chosen
        )
    if op == "like":
        text = str(value)
        start = rng.randrange(max(len(text) - 3, 1))
        part = text[start : start + 3]
        return part, lambda item: part.lower() in str(item.get(stem) or "").lower()
    raw = _text(value)
    if op == "":
        return raw, lambda item: _text(item.get(stem)) == raw
    compare = {"min": "__ge__", "max": "__le__", "greater": "__gt__", "less": "__lt__"}[op]

    def typed(have: Any) -> Any:
        if isinstance(value, str) and "T" in value:
            return datetime.fromisoformat(str(have))
        return have

    bound = typed(value)
    return raw, lambda item: item.get(stem) is not None and getattr(typed(item[stem]), compare)(bound)


def _keyword_maker(key: str) -> Maker:
    return lambda items, rng: str(_pick(items, rng, key)).split()[0].lower()


def _words_in(*keys: str) -> Oracle:
    return lambda item, raw: any(raw.lower() in str(item.get(key) or "").lower() for key in keys)


def _ids_csv(key: str) -> Maker:
    return lambda items, rng: ",".join(str(_pick(items, rng, key)) for _ in range(2))


def _on_day(key: str) -> tuple[Maker, Oracle]:
    return (lambda items, rng: _day(_pick(items, rng, key)), lambda item, raw: _day(item.get(key)) == raw)


def _is_low(item: Item) -> bool:
    tracked = item["inventory_tracking"] != "none"
    return tracked and item["inventory_level"] <= item["inventory_warning_level"]


CONSTANT: Callable[[str], Maker] = lambda value: lambda items, rng: value  # noqa: E731
BOOL_FLAG: Maker = lambda items, rng: rng.choice(["1", "0"])  # noqa: E731
NEVER_IMPORTED: Oracle = lambda item, raw: False  # noqa: E731

PRODUCT_CUSTOM: dict[str, tuple[Maker, Oracle]] = {
    "channel_id:in": (CONSTANT("1,2"), lambda item, raw: True),
    "categories": (
        lambda items, rng: str(rng.choice([i["categories"][0] for i in items if len(i["categories"]) == 1])),
        lambda item, raw: item["categories"] == [int(raw)],
    ),
    "categories:in": (
        lambda items, rng: str(rng.choice(rng.choice(items)["categories"])),
        lambda item, raw: {int(part) for part in raw.split(",")} <= set(item["categories"]),
    ),
    "condition": (
        lambda items, rng: str(_pick(items, rng, "condition")).lower(),
        lambda item, raw: item["condition"].lower() == raw,
    ),
    "date_modified": _on_day("date_modified"),
    "date_last_imported": (CONSTANT("2024-01-01"), NEVER_IMPORTED),
    "date_last_imported:min": (CONSTANT("2020-01-01T00:00:00Z"), NEVER_IMPORTED),
    "date_last_imported:max": (CONSTANT("2030-01-01T00:00:00Z"), NEVER_IMPORTED),
    "date_last_imported:not": (CONSTANT("2024-01-01"), lambda item, raw: True),
    "inventory_low": (BOOL_FLAG, lambda item, raw: _is_low(item) == (raw == "1")),
    "out_of_stock": (
        BOOL_FLAG,
        lambda item, raw: (
            raw == "0" or (item["inventory_tracking"] != "none" and item["inventory_level"] == 0)
        ),
    ),
    "keyword": (_keyword_maker("name"), _words_in("name", "description", "sku", "brand_name")),
    "keyword_context": (lambda items, rng: rng.choice(["shopper", "merchant"]), lambda item, raw: True),
}
CATEGORY_KEYWORD = (_keyword_maker("name"), _words_in("name", "description", "search_keywords"))

TARGETS = {
    "products": Target(
        "products_catalog.v3.yml",
        "/catalog/products",
        "/v3/catalog/products",
        custom=PRODUCT_CUSTOM,
        includes=(
            "bulk_pricing_rules",
            "channels",
            "custom_fields",
            "images",
            "modifiers",
            "options",
            "parent_relations",
            "primary_image",
            "reviews",
            "variants",
            "videos",
        ),
    ),
    "variants": Target("product-variants_catalog.v3.yml", "/catalog/variants", "/v3/catalog/variants"),
    "brands": Target("brands_catalog.v3.yml", "/catalog/brands", "/v3/catalog/brands"),
    "categories": Target(
        "categories_catalog.v3.yml",
        "/catalog/categories",
        "/v3/catalog/categories",
        custom={"keyword": CATEGORY_KEYWORD},
    ),
    "tree_categories": Target(
        "category-trees_catalog.v3.yml",
        "/catalog/trees/categories",
        "/v3/catalog/trees/categories",
        id_key="category_id",
        custom={"keyword": CATEGORY_KEYWORD},
    ),
    "trees": Target(
        "category-trees_catalog.v3.yml",
        "/catalog/trees",
        "/v3/catalog/trees",
        custom={
            "channel_id:in": (
                lambda items, rng: rng.choice(["1,3", "2"]),
                lambda item, raw: bool(set(item["channels"]) & {int(p) for p in raw.split(",")}),
            )
        },
    ),
    "pages": Target(
        "pages.v3.yml",
        "/content/pages",
        "/v3/content/pages",
        full_params={"include": "body"},
        includes=("body",),
        custom={
            "channel_id": (CONSTANT("1"), lambda item, raw: item["channel_id"] == int(raw)),
            "name:like": (_keyword_maker("name"), _words_in("name", "body")),
        },
    ),
    "channels": Target(
        "channels.v3.yml",
        "/channels",
        "/v3/channels",
        includes=("currencies",),
        custom={
            "available": (
                lambda items, rng: rng.choice(["true", "false"]),
                lambda item, raw: (
                    (item["status"] not in ("archived", "deleted", "terminated")) == (raw == "true")
                ),
            ),
            "date_created": _on_day("date_created"),
            "date_modified": _on_day("date_modified"),
        },
    ),
    "sites": Target(
        "sites.v3.yml",
        "/sites",
        "/v3/sites",
        custom={
            "url_type:in": (
                lambda items, rng: rng.choice(["primary", "checkout,canonical", "vanity"]),
                lambda item, raw: any(url["type"] in raw.split(",") for url in item["urls"]),
            )
        },
    ),
    "routes": Target("sites.v3.yml", "/sites/{site_id}/routes", "/v3/sites/1000/routes"),
    "hooks": Target("webhooks.v3.yml", "/hooks", "/v3/hooks"),
    "blog_posts": Target(
        "store_content.v2.yml",
        "/blog/posts",
        "/v2/blog/posts",
        version="v2",
        custom={
            "tag": (
                lambda items, rng: rng.choice(rng.choice(items)["tags"]),
                lambda item, raw: raw in item["tags"],
            ),
            "published_date": (
                lambda items, rng: _day(_pick(items, rng, "published_date_iso8601")),
                lambda item, raw: _day(item["published_date_iso8601"]) == raw,
            ),
        },
    ),
}
HOOKS = [
    {"scope": "store/product/updated", "destination": "https://a.example.com/hooks", "is_active": True},
    {"scope": "store/category/created", "destination": "https://b.example.com/hooks", "is_active": False},
    {"scope": "store/product/updated", "destination": "https://b.example.com/hooks", "is_active": True},
]


@pytest.fixture(autouse=True)
def spec_files() -> None:
    require_spec_dir()


def fetch_all(api: StoreApi, target: Target, params: dict[str, str]) -> tuple[list[Item], list[object]]:
    """Every item the endpoint returns for ``params``, following ``links.next`` (v3) or pages (v2)."""
    bodies: list[object] = []
    if target.version == "v2":
        items: list[Item] = []
        for page in range(1, 100):
            response = api.get("alpha1", target.path, {**params, "limit": 250, "page": page})
            if response.status_code == 204:
                return items, bodies
            assert response.status_code == 200, response.text
            bodies.append(response.json())
            items += response.json()
        raise AssertionError("too many pages")
    response = api.get("alpha1", target.path, {**params, "limit": 250})
    assert response.status_code == 200, response.text
    body = response.json()
    bodies.append(body)
    items = list(body["data"])
    while "next" in body["meta"]["pagination"]["links"]:
        body = api.json("alpha1", target.path + body["meta"]["pagination"]["links"]["next"])
        bodies.append(body)
        items += body["data"]
    return items, bodies


def _with_brand_names(api: StoreApi, products: list[Item]) -> list[Item]:
    brands = {b["id"]: b["name"] for b in api.all_v3("alpha1", "/v3/catalog/brands", {"limit": 250})}
    return [{**product, "brand_name": brands.get(product["brand_id"])} for product in products]


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_sampled_parameter_combinations(api: StoreApi, sim_process, name: str):
    target = TARGETS[name]
    if name == "hooks":
        for hook in HOOKS:
            created = api.session.post(
                f"{sim_process.url}/stores/alpha1/v3/hooks",
                json=hook,
                headers={"X-Auth-Token": "token-alpha1"},
            )
            assert created.status_code == 200
    everything, _ = fetch_all(api, target, target.full_params)
    if name == "products":
        everything = _with_brand_names(api, everything)
    documented = file_gets(target.file)[target.spec_path]
    rng = random.Random(f"sampling-{name}")
    outcomes = set()
    assert everything and target.filters

    for _ in range(SAMPLES):
        chosen = rng.sample(target.filters, min(len(target.filters), rng.randint(1, 3)))
        params: dict[str, str] = {}
        oracles: list[Callable[[Item], bool]] = []
        for param in chosen:
            if param in target.custom:
                maker, oracle = target.custom[param]
                raw = maker(everything, rng)
                oracles.append(lambda item, oracle=oracle, raw=raw: oracle(item, raw))
            else:
                raw, check = generic(param, everything, rng)
                oracles.append(check)
            params[param] = raw
        expected = [item for item in everything if all(check(item) for check in oracles)]
        outcomes.add("none" if not expected else "all" if len(expected) == len(everything) else "some")
        sort = None
        if "sort" in documented and rng.random() < 0.5:
            sort = rng.choice(_sort_values(target))
            params["sort"] = sort
            if "direction" in documented:
                params["direction"] = rng.choice(["asc", "desc"])
        include = rng.sample(target.includes, rng.randint(0, min(3, len(target.includes))))
        if include:
            params["include"] = ",".join(include)
        if target.full_params:
            params = {**target.full_params, **params}
        got, bodies = fetch_all(api, target, params)

        context = f"{target.path} {params}"
        for body in bodies:
            if name == "hooks" and body["data"] == []:
                continue  # the hooks schema's minItems: 1 cannot describe an empty answer
            assert errors_of(response_validator(target.file, target.spec_path), body) == [], context
        got_ids = [item[target.id_key] for item in got]
        expected_ids = [item[target.id_key] for item in expected]
        if sort is None:
            assert got_ids == expected_ids, context
        else:
            assert sorted(got_ids) == sorted(expected_ids), context
            _assert_ordered(got, sort, params.get("direction", "asc"), context)
        for key in include:
            # Link pages have no body in any shape the reference documents.
            assert all(key in item for item in got if item.get("type") != "link"), context
    # Filters must really filter: a proper subset (or, for one-item lists, nothing) must occur.
    assert ("some" if len(everything) > 1 else "none") in outcomes


def _sort_values(target: Target) -> list[str]:
    document = _document(target.file)
    for parameter in document["paths"][target.spec_path]["get"].get("parameters", []):
        parameter = _resolved(document, parameter)
        if parameter.get("name") == "sort":
            return list(_resolved(document, parameter["schema"])["enum"])
    raise AssertionError("no sort enum")


def _assert_ordered(items: list[Item], sort: str, direction: str, context: str) -> None:
    values = [item.get(sort) for item in items]
    if any(value is None for value in values):
        return  # e.g. date_last_imported: no product has one
    expected = sorted(values, reverse=direction == "desc")
    assert values == expected, context


@pytest.mark.parametrize("name", ["products", "brands", "tree_categories", "categories", "variants"])
def test_field_selection_keeps_id_and_exactly_what_was_asked(api: StoreApi, name: str):
    target = TARGETS[name]
    rng = random.Random(f"fields-{name}")
    sample = api.json("alpha1", target.path, {"limit": 1})["data"][0]
    fields = sorted(set(sample) - {target.id_key})

    for _ in range(10):
        wanted = rng.sample(fields, rng.randint(1, 3))
        unwanted = rng.sample(fields, rng.randint(1, 3))
        only = api.json("alpha1", target.path, {"include_fields": ",".join(wanted), "limit": 5})
        without = api.json("alpha1", target.path, {"exclude_fields": ",".join([*unwanted, target.id_key])})

        assert all(set(item) == {target.id_key, *wanted} for item in only["data"])
        assert all(target.id_key in item and not set(unwanted) & set(item) for item in without["data"])


@pytest.mark.parametrize("name", ["products", "brands", "categories", "tree_categories", "pages", "variants"])
def test_every_page_of_a_random_limit_is_the_matching_slice(api: StoreApi, name: str):
    target = TARGETS[name]
    everything, _ = fetch_all(api, target, {})
    rng = random.Random(f"paging-{name}")

    for limit in rng.sample(range(1, 40), 4):
        total_pages = -(-len(everything) // limit)
        page = rng.randint(1, total_pages + 1)
        body = api.json("alpha1", target.path, {"limit": limit, "page": page})

        window = everything[(page - 1) * limit : page * limit]
        assert [i[target.id_key] for i in body["data"]] == [i[target.id_key] for i in window]
        assert body["meta"]["pagination"]["total"] == len(everything)
        assert body["meta"]["pagination"]["total_pages"] == total_pages
