from __future__ import annotations

import pytest

from bigcommerce_sync.documents import (
    DocumentError,
    _checked_product_document,
    _plain_product_document,
    blog_post_document,
    category_document,
    html_to_text,
    page_document,
    product_document,
)

PRODUCT = {
    "id": 111,
    "name": "Café Hoodie",
    "sku": "HD-1",
    "type": "physical",
    "description": "<p>Warm &amp; <strong>soft</strong></p>\n<ul><li>cotton</li></ul>",
    "categories": [3, 4, 99],
    "brand_id": 7,
    "price": 40.0,
    "sale_price": 35.0,
    "calculated_price": 35.0,
    "is_visible": False,
    "custom_url": {"url": "/cafe-hoodie/", "is_customized": False},
    "meta_keywords": ["hoodie", "warm"],
    "variants": [
        {
            "id": 1,
            "sku": "HD-1-S",
            "calculated_price": 35.0,
            "option_values": [{"option_display_name": "Size", "label": "S"}],
        }
    ],
    "images": [
        {"url_standard": "b.jpg", "url_thumbnail": "bt.jpg", "is_thumbnail": False, "sort_order": 2},
        {"url_standard": "a.jpg", "url_thumbnail": "at.jpg", "is_thumbnail": True, "sort_order": 1},
    ],
    "custom_fields": [{"id": 1, "name": "Material", "value": "Cotton"}],
}


def test_html_to_text_strips_tags_and_decodes_entities():
    assert html_to_text("<p>Warm &amp; <b>soft</b></p>\n<p>ok</p>") == "Warm & soft ok"
    assert html_to_text(None) == ""


def test_product_document_flattens_what_search_needs():
    doc = product_document(PRODUCT, brands={7: "Acme"}, categories={3: "Tops", 4: "Winter"})

    assert doc["id"] == 111
    assert doc["description"] == "Warm & soft cotton"
    assert doc["brand_name"] == "Acme"
    assert doc["category_names"] == ["Tops", "Winter"]
    assert doc["category_ids"] == [3, 4, 99]
    assert doc["is_visible"] is False
    assert doc["url"] == "/cafe-hoodie/"
    assert doc["variants"] == [
        {"id": 1, "sku": "HD-1-S", "price": 35.0, "inventory_level": None, "options": "Size: S"}
    ]
    assert [i["url_standard"] for i in doc["images"]] == ["a.jpg", "b.jpg"]
    assert doc["thumbnail_url"] == "at.jpg"
    assert doc["custom_fields"] == [{"name": "Material", "value": "Cotton"}]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": None}, "product has no positive integer 'id' (got None)"),
        ({"id": "111"}, "product has no positive integer 'id'"),
        ({"name": ""}, "product 111: 'name' must be a non-empty string"),
    ],
)
def test_bad_product_says_what_is_wrong(change, message):
    with pytest.raises(DocumentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        product_document({**PRODUCT, **change}, {}, {})


def test_category_document_has_its_path():
    root = {"category_id": 1, "name": "Clothing", "parent_id": 0, "tree_id": 1}
    child = {"category_id": 5, "name": "Hoodies", "parent_id": 1, "tree_id": 1, "url": {"path": "/c/h/"}}

    doc = category_document(child, [root, child])

    assert doc["path"] == "Clothing > Hoodies"
    assert doc["path_ids"] == [1, 5]
    assert doc["depth"] == 2
    assert doc["url"] == "/c/h/"


def test_page_document_keeps_text_not_markup():
    doc = page_document({"id": 3, "name": "About", "type": "page", "body": "<h1>About &lt;us&gt;</h1>"})

    assert doc["body"] == "About <us>"


def test_blog_post_document_parses_iso_date_and_tags():
    post = {
        "id": 9,
        "title": "Winter",
        "body": "<p>Hi</p>",
        "tags": ["news", "winter"],
        "published_date": {"date": "2018-05-18 08:26:42.000000", "timezone_type": 1, "timezone": "+00:00"},
        "published_date_iso8601": "2018-05-18T13:26:42+0000",
        "is_published": True,
    }

    doc = blog_post_document(post)

    assert doc["published_at"] == "2018-05-18T13:26:42+00:00"
    assert doc["tags"] == ["news", "winter"]
    assert doc["body"] == "Hi"


def test_blog_post_with_unreadable_date_is_rejected():
    with pytest.raises(DocumentError, match="unreadable published_date_iso8601"):
        blog_post_document({"id": 9, "title": "T", "published_date_iso8601": "yesterday"})


@pytest.mark.parametrize(
    "product",
    [
        PRODUCT,
        {**PRODUCT, "meta_keywords": "hoodie, warm", "primary_image": {"url_thumbnail": ""}, "upc": ""},
        {**PRODUCT, "variants": [{"id": 2, "price": 9, "option_values": []}], "images": None, "price": 2**70},
        {"id": 111, "name": "Bare"},
    ],
)
def test_the_fast_path_builds_what_the_checked_path_builds(product):
    """product_document builds plain JSON directly; the _Fields path it falls back on must agree."""
    args = (product, 111, {7: "Acme"}, {3: "Tops"})

    assert _plain_product_document(*args) == _checked_product_document(*args)
