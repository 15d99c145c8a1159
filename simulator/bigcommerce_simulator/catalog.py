"""A deterministic synthetic store catalog, generated lazily from a seed.

No collection is ever materialised: item ``i`` of any kind is computed on demand from
its own random stream, so a 200,000-product store costs no more memory than a small one.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from .dates import iso_compact_offset, php_date_object
from .edits import NO_EDIT, ItemEdit
from .ids import IdRange
from .products import ProductFactory, ProductFacts, ProductHeader
from .rng import Draws, mix, stream_key
from .vocabulary import (
    ADJECTIVES,
    AUTHORS,
    BLOG_TAGS,
    BLOG_TITLE_TEMPLATES,
    BRAND_NAMES,
    CATEGORY_NAMES,
    MATERIALS,
    NOUNS,
    PAGE_BODY_SNIPPETS,
    PAGE_NAMES,
    SENTENCES,
    Word,
    slug_join,
)

MAX_CATEGORY_DEPTH = 4
FIRST_PAGE_TYPES = ("page", "contact_form", "raw", "link", "blog")
LATER_PAGE_TYPES = ("page",) * 15 + ("raw", "raw", "contact_form", "link", "blog")
BLOG_START = 1514764800  # 2018-01-01T00:00:00Z: the first blog post
BLOG_INTERVAL = 3 * 86400  # about one post every three days
CONTACT_FIELDS = "fullname,companyname,phone,orderno,rma"
COMMON_PAGE_FIELDS = (
    "id",
    "channel_id",
    "name",
    "is_visible",
    "parent_id",
    "sort_order",
    "type",
    "is_homepage",
    "is_customers_only",
    "url",
)


@dataclass(frozen=True)
class CatalogSpec:
    """How big a synthetic catalog is and which seed it grows from.

    :param seed: any int or string; equal seeds give identical catalogs.
    :param products: number of products.
    :param categories: number of categories (all in tree 1).
    :param brands: number of brands.
    :param pages: number of web pages.
    :param blog_posts: number of blog posts.
    """

    seed: int | str = 1
    products: int = 60
    categories: int = 12
    brands: int = 6
    pages: int = 8
    blog_posts: int = 12

    def __post_init__(self) -> None:
        sizes = (self.products, self.categories, self.brands, self.pages, self.blog_posts)
        if any(not isinstance(size, int) or size < 0 for size in sizes):
            raise ValueError("catalog sizes must be non-negative integers")

    def to_dict(self) -> dict[str, Any]:
        """Return the spec as a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CatalogSpec:
        """Build a spec from a dict, e.g. parsed from JSON or YAML.

        :param data: keys named like the fields; missing keys take the defaults.
        """
        return cls(**data)


class Catalog:
    """API-shaped objects of one synthetic store, computed on demand.

    Item ``i`` of each kind has a stable ID; see the ``*_ids`` attributes.

    The output depends on the spec alone, so two stores with the same spec serve identical
    JSON, and a test can build the same ``Catalog`` to know what the server returns.

    :param spec: sizes and seed.
    """

    def __init__(self, spec: CatalogSpec) -> None:
        self.spec = spec
        self.product_ids = IdRange(1, spec.products)
        self.category_ids = IdRange(20, spec.categories)
        self.brand_ids = IdRange(40, spec.brands)
        self.page_ids = IdRange(1, spec.pages)
        self.blog_post_ids = IdRange(1, spec.blog_posts)
        self.cdn_base = f"https://cdn11.bigcommerce.com/s-{stream_key(spec.seed, 'cdn') % 16**10:010x}"
        self._products = ProductFactory(
            spec.seed, self.cdn_base, self.product_ids, self.category_ids, self.brand_ids
        )
        self._category_key = stream_key(spec.seed, "category")
        self._uuid_key = stream_key(spec.seed, "category-uuid")
        self._brand_key = stream_key(spec.seed, "brand")
        self._page_key = stream_key(spec.seed, "page")
        self._blog_key = stream_key(spec.seed, "blog-post")
        self._root_categories = min(spec.categories, 6 + spec.categories // 50)
        self.category_parent = lru_cache(maxsize=4096)(self._category_parent)

    def counts(self) -> dict[str, int]:
        """Return the number of items of each kind."""
        spec = self.spec
        return {
            "products": spec.products,
            "categories": spec.categories,
            "brands": spec.brands,
            "pages": spec.pages,
            "blog_posts": spec.blog_posts,
        }

    # Products

    def product_facts(self, index: int) -> ProductFacts:
        """Return the dates and visibility of product ``index`` (cheaper than the header).

        :param index: 0-based product index.
        """
        return self._products.facts(index)

    def product_header(self, index: int) -> ProductHeader:
        """Return the cheap fields (name, dates, visibility) of product ``index``.

        :param index: 0-based product index.
        """
        return self._products.header(index)

    def product(
        self, index: int, include: frozenset[str] | set[str] = frozenset(), edit: ItemEdit = NO_EDIT
    ) -> dict[str, object]:
        """Return product ``index`` as in ``GET /v3/catalog/products``.

        :param index: 0-based product index.
        :param include: sub-resources to embed (names from :data:`.products.PRODUCT_INCLUDES`).
        :param edit: changes made through the admin API (none by default).
        """
        return self._products.product(index, include, edit)

    def variant_count(self, index: int) -> int:
        """Return how many variants product ``index`` has, without rendering it.

        :param index: 0-based product index.
        """
        return self._products.variant_count(index)

    # Categories

    def _category_parent(self, index: int) -> int | None:
        """Return the parent index of category ``index``, or ``None`` for a root.

        Parents always have a lower index, and no category is deeper than
        :data:`MAX_CATEGORY_DEPTH`.

        :param index: 0-based category index.
        """
        if index < self._root_categories:
            return None
        parent: int | None = mix(self._category_key, index) % index
        while parent is not None and self.category_depth(parent) >= MAX_CATEGORY_DEPTH:
            parent = self.category_parent(parent)
        return parent

    def category_depth(self, index: int) -> int:
        """Return the depth of category ``index`` (1 for roots).

        :param index: 0-based category index.
        """
        parent = self.category_parent(index)
        return 1 if parent is None else 1 + self.category_depth(parent)

    def category_is_visible(self, index: int) -> bool:
        """Return whether category ``index`` is visible (about 90% are).

        :param index: 0-based category index.
        """
        return (mix(self._category_key, index) >> 40) % 10 != 0

    def category_path(self, index: int) -> list[int]:
        """Return the category IDs from the root down to category ``index``.

        :param index: 0-based category index.
        """
        parent = self.category_parent(index)
        ancestors = [] if parent is None else self.category_path(parent)
        return [*ancestors, self.category_ids.id_of(index)]

    def _category_url(self, index: int) -> str:
        """Return the storefront path of category ``index``, e.g. ``/kitchen/bath-2/``.

        :param index: 0-based category index.
        """
        first_id = self.category_ids.first_id
        slugs = [_numbered_word(CATEGORY_NAMES, cid - first_id)[1] for cid in self.category_path(index)]
        return "/" + "/".join(slugs) + "/"

    def _category_common(self, index: int) -> dict[str, object]:
        """Return the fields shared by tree and legacy categories.

        :param index: 0-based category index.
        """
        draws = Draws(self._category_key, index)
        name, slug = _numbered_word(CATEGORY_NAMES, index)
        parent = self.category_parent(index)
        return {
            "parent_id": 0 if parent is None else self.category_ids.id_of(parent),
            "name": name,
            "description": f"<p>{draws.pick(SENTENCES)}</p><p>Browse our <em>{name}</em> range.</p>",
            "views": draws.between(0, 50000),
            "sort_order": draws.between(0, 20),
            "page_title": name if draws.chance(0.5) else "",
            "meta_keywords": [slug.replace("-", " ")],
            "meta_description": f"Shop {name} online.",
            "layout_file": "category.html",
            "image_url": "",
            "is_visible": self.category_is_visible(index),
            "search_keywords": slug.replace("-", " "),
            "default_product_sort": "use_store_settings",
        }

    def tree_category(self, index: int) -> dict[str, object]:
        """Return category ``index`` as in ``GET /v3/catalog/trees/categories``.

        :param index: 0-based category index.
        """
        category_id = self.category_ids.id_of(index)
        return {
            "category_id": category_id,
            "category_uuid": str(uuid.UUID(int=(mix(self._uuid_key, index) << 64) | category_id, version=4)),
            "tree_id": 1,
            **self._category_common(index),
            "url": {"path": self._category_url(index), "is_customized": False},
        }

    def legacy_category(self, index: int) -> dict[str, object]:
        """Return category ``index`` as in the legacy ``GET /v3/catalog/categories``.

        :param index: 0-based category index.
        """
        return {
            "id": self.category_ids.id_of(index),
            **self._category_common(index),
            "custom_url": {"url": self._category_url(index), "is_customized": False},
        }

    # Brands

    def brand(self, index: int) -> dict[str, object]:
        """Return brand ``index`` as in ``GET /v3/catalog/brands``.

        :param index: 0-based brand index.
        """
        draws = Draws(self._brand_key, index)
        name, slug = _numbered_word(BRAND_NAMES, index)
        return {
            "id": self.brand_ids.id_of(index),
            "name": name,
            "page_title": name if draws.chance(0.5) else "",
            "meta_keywords": [slug.replace("-", " ")],
            "meta_description": f"{name}: {draws.pick(SENTENCES)}",
            "search_keywords": slug.replace("-", " "),
            "image_url": f"{self.cdn_base}/product_images/brands/{slug}.png" if draws.chance(0.6) else "",
            "custom_url": {"url": f"/brands/{slug}.html", "is_customized": False},
        }

    # Web pages

    def page_type(self, index: int) -> str:
        """Return the v3 ``type`` of page ``index``; the first five cover every type.

        Indexes past the generated pages belong to pages created through the admin API,
        which are plain ``page`` pages.

        :param index: 0-based page index.
        """
        if index >= self.spec.pages:
            return "page"
        if index < len(FIRST_PAGE_TYPES):
            return FIRST_PAGE_TYPES[index]
        return LATER_PAGE_TYPES[mix(self._page_key, index) % len(LATER_PAGE_TYPES)]

    def page_name(self, index: int) -> str:
        """Return the unique name of page ``index``.

        :param index: 0-based page index.
        """
        return _numbered_word(PAGE_NAMES, index)[0]

    def _page_body(self, index: int, page_type: str) -> str:
        """Return the page markup (raw pages hold a bare HTML snippet).

        :param index: 0-based page index.
        :param page_type: the page's v3 type.
        """
        draws = Draws(self._page_key, index)
        snippets = "".join(draws.run(PAGE_BODY_SNIPPETS, 2))
        if page_type == "raw":
            return f"<!DOCTYPE html><html><body>{snippets}</body></html>"
        return f"<h1>{self.page_name(index)}</h1>{snippets}"

    def _page_base(self, index: int) -> dict[str, Any]:
        """Return the facts a page has in both the v2 and v3 shapes.

        :param index: 0-based page index.
        """
        page_type = self.page_type(index)
        bits = mix(self._page_key, index)
        name, slug = _numbered_word(PAGE_NAMES, index)
        parent = (bits >> 8) % index if index > 5 and (bits >> 16) % 4 == 0 else None
        return {
            "id": self.page_ids.id_of(index),
            "channel_id": 1,
            "name": name,
            "is_visible": (bits >> 24) % 10 != 0,
            "parent_id": 0 if parent is None else self.page_ids.id_of(parent),
            "sort_order": index,
            "type": page_type,
            "is_homepage": False,
            "is_customers_only": (bits >> 32) % 20 == 0,
            "url": "/blog/" if page_type == "blog" else f"/{slug}/",
            "meta_title": name if (bits >> 40) % 2 else "",
            "meta_keywords": None if (bits >> 44) % 3 == 0 else f"{slug.replace('-', ' ')},store",
            "meta_description": f"{name} – everything you need to know.",
            "search_keywords": slug.replace("-", " "),
        }

    def page_v3(self, index: int, include_body: bool = False) -> dict[str, object]:
        """Return page ``index`` as in ``GET /v3/content/pages`` (a union on ``type``).

        :param index: 0-based page index.
        :param include_body: add ``body`` (as ``include=body`` does); link pages have none.
        """
        base = self._page_base(index)
        page_type = base["type"]
        page = {key: base[key] for key in COMMON_PAGE_FIELDS}
        if page_type in ("page", "contact_form", "blog"):
            for key in ("meta_title", "meta_keywords", "meta_description", "search_keywords"):
                page[key] = base[key]
        if page_type == "raw":
            page["search_keywords"] = base["search_keywords"]
            page["content_type"] = "text/html"
        if page_type == "contact_form":
            page["email"] = "support@example.com"
            page["contact_fields"] = CONTACT_FIELDS
        if page_type == "link":
            page["link"] = f"https://example.com/{base['url'].strip('/')}"
        if include_body and page_type != "link":
            page["body"] = self._page_body(index, page_type)
        return page

    def page_v2(self, index: int) -> dict[str, object]:
        """Return page ``index`` as in the deprecated ``GET /v2/pages`` (always with ``body``).

        The v2 ``type`` enum has no ``blog``, so blog pages are reported as ``page``.

        :param index: 0-based page index.
        """
        base = self._page_base(index)
        page_type = base["type"]
        return {
            "id": base["id"],
            "channel_id": 1,
            "name": base["name"],
            "meta_title": base["meta_title"],
            "email": "support@example.com" if page_type == "contact_form" else "",
            "body": "" if page_type == "link" else self._page_body(index, page_type),
            "is_visible": base["is_visible"],
            "parent_id": base["parent_id"],
            "sort_order": base["sort_order"],
            "meta_keywords": base["meta_keywords"] or "",
            "type": "page" if page_type == "blog" else page_type,
            "contact_fields": CONTACT_FIELDS if page_type == "contact_form" else "",
            "meta_description": base["meta_description"],
            "is_homepage": base["is_homepage"],
            "layout_file": "page.html",
            "is_customers_only": base["is_customers_only"],
            "search_keywords": base["search_keywords"],
            "has_mobile_version": False,
            "mobile_body": "",
            "content_type": "text/html",
            "url": base["url"],
            "link": f"https://example.com/{base['url'].strip('/')}" if page_type == "link" else "",
        }

    # Blog posts

    def blog_post_published_at(self, index: int) -> int:
        """Return the publication time (Unix seconds); later posts have higher indexes.

        :param index: 0-based post index, in ID order.
        """
        return BLOG_START + index * BLOG_INTERVAL + mix(self._blog_key, index) % BLOG_INTERVAL

    def blog_post(self, index: int) -> dict[str, object]:
        """Return blog post ``index`` (ID order) as in ``GET /v2/blog/posts``.

        :param index: 0-based post index; lists show the highest index first (newest first).
        """
        draws = Draws(self._blog_key, index)
        post_id = self.blog_post_ids.id_of(index)
        adjective, material, noun = draws.pick(ADJECTIVES), draws.pick(MATERIALS), draws.pick(NOUNS)
        title = draws.pick(BLOG_TITLE_TEMPLATES).format(
            n=draws.between(3, 12), adj=adjective[0], material=material[0], noun=noun[0]
        )
        url = f"/blog/{slug_join(adjective[1], material[1], noun[1], str(post_id))}/"
        paragraphs = draws.run(SENTENCES, 4)
        tags = draws.run(BLOG_TAGS, draws.between(1, 3))
        published = self.blog_post_published_at(index)
        return {
            "id": post_id,
            "title": title,
            "url": url,
            "preview_url": url,
            "body": (
                f"<p><strong>{title}</strong><br>{paragraphs[0]} {paragraphs[1]}</p>"
                f"<p>{paragraphs[2]}</p><blockquote>{paragraphs[3]}</blockquote>"
            ),
            "tags": tags,
            "summary": f"{title}. Read the full story on our blog [...]",
            "is_published": draws.chance(0.9),
            "published_date": php_date_object(published),
            "published_date_iso8601": iso_compact_offset(published),
            "meta_description": f"{title} – from our journal.",
            "meta_keywords": ",".join(tags),
            "author": draws.pick(AUTHORS),
            "thumbnail_path": f"uploaded_images/post-{post_id}.jpg" if draws.chance(0.6) else "",
        }

    def blog_post_is_published(self, index: int) -> bool:
        """Return whether blog post ``index`` is published.

        :param index: 0-based post index.
        """
        return bool(self.blog_post(index)["is_published"])


def _numbered_word(words: tuple[Word, ...], index: int) -> Word:
    """Return ``words[index]`` cycling through the list, numbering repeats to keep names unique.

    :param words: ``(display, slug)`` pairs.
    :param index: 0-based item index.
    """
    name, slug = words[index % len(words)]
    cycle = index // len(words)
    return (f"{name} {cycle + 1}", f"{slug}-{cycle + 1}") if cycle else (name, slug)
