"""Synthetic v3 catalog products and their sub-resources, generated one at a time.

Each product's own fields are drawn from its own random stream (see :mod:`.rng`) in a
fixed order that never depends on the requested ``include``, so a product is identical
whichever sub-resources are asked for. Sub-resources (variants, images, custom fields)
and the fields needed to filter or sort a whole catalog (name, dates, visibility) come
from the cheaper :func:`.rng.mix` hash of their own IDs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import product as cartesian_product
from typing import NamedTuple

from .dates import iso_utc
from .edits import NO_EDIT, ItemEdit
from .ids import IdRange
from .product_media import bulk_pricing_rules, product_videos
from .rng import Draws, mix, stream_key
from .vocabulary import (
    ADJECTIVES,
    CARE_TIPS,
    CODE_LETTERS,
    COLOR_VALUES,
    CUSTOM_FIELD_NAMES,
    CUSTOM_FIELD_VALUES,
    EMOJI_SUFFIXES,
    FEATURES,
    FINISH_VALUES,
    MATERIALS,
    NOUNS,
    SENTENCES,
    SIZE_VALUES,
    slug_join,
)

CATALOG_START = 1609459200  # 2021-01-01T00:00:00Z: the first product's creation
CREATION_END = 1735689600  # 2025-01-01T00:00:00Z: the last product's creation
LAST_MODIFICATION = 1751241600  # 2025-06-30T00:00:00Z: no product is modified later

PRODUCT_INCLUDES = frozenset(
    {
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
    }
)
SLOTS_PER_PRODUCT = 4  # ID block per product for variants, images and custom fields
OPTION_SLOTS = 3  # ID block per product for options (two) and the modifier (one)
AVAILABILITY = ("available",) * 18 + ("preorder", "disabled")
PRICE_ENDINGS = (0.0, 0.49, 0.95, 0.99)
SALE_FACTORS = (0.7, 0.8, 0.9)
VARIANT_SURCHARGES = (0, 0, 5, 10)
CDN_SIZES = (
    ("url_zoom", "1280x1280"),
    ("url_standard", "500x659"),
    ("url_thumbnail", "220x290"),
    ("url_tiny", "44x58"),
)


class ProductFacts(NamedTuple):
    """The product fields that filters read, computable for every product in one pass.

    :param date_created: Unix seconds.
    :param date_modified: Unix seconds, never before ``date_created``.
    :param is_visible: storefront visibility.
    """

    date_created: int
    date_modified: int
    is_visible: bool


@dataclass(frozen=True, slots=True)
class ProductHeader:
    """The product's name, slug, dates and visibility, derived without its random stream.

    Cheap enough to compute for every product when sorting a whole catalog by name.

    :param name: unique display name.
    :param slug: ASCII URL slug.
    :param date_created: Unix seconds.
    :param date_modified: Unix seconds, never before ``date_created``.
    :param is_visible: storefront visibility.
    :param keywords: the adjective, material and noun the name is made of.
    """

    name: str
    slug: str
    date_created: int
    date_modified: int
    is_visible: bool
    keywords: tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class OptionKind:
    """A kind of variant option, e.g. sizes shown as rectangles.

    :param display_name: shopper-facing option name.
    :param type: the v3 option ``type``.
    :param labels: the value labels to pick from.
    :param colors: hex colours per label for swatches, else ``None``.
    """

    display_name: str
    type: str
    labels: tuple[str, ...]
    colors: tuple[str, ...] | None


OPTION_KINDS = (
    OptionKind("Size", "rectangles", SIZE_VALUES, None),
    OptionKind(
        "Color",
        "swatch",
        tuple(label for label, _ in COLOR_VALUES),
        tuple(color for _, color in COLOR_VALUES),
    ),
    OptionKind("Finish", "dropdown", FINISH_VALUES, None),
)


@dataclass(frozen=True, slots=True)
class OptionPlan:
    """One variant option of a product.

    :param option_id: the option's ID.
    :param kind: what the option is.
    :param label_indexes: indexes into ``kind.labels`` of the offered values.
    """

    option_id: int
    kind: OptionKind
    label_indexes: tuple[int, ...]

    def value_id(self, position: int) -> int:
        """Return the ID of the option value at ``position`` (at most 4 values per option).

        :param position: index into ``label_indexes``.
        """
        return self.option_id * 4 + position


@dataclass(frozen=True, slots=True)
class ProductShape:
    """Structural draws that sub-resources depend on.

    :param options: the product's variant options (empty for a simple product).
    :param image_count: 1 to 4 images.
    :param custom_field_count: 0 to 3 custom fields.
    :param has_modifier: whether a gift-message modifier exists.
    """

    options: tuple[OptionPlan, ...]
    image_count: int
    custom_field_count: int
    has_modifier: bool


class ProductFactory:
    """Builds API-shaped product dicts on demand.

    :param seed: the catalog seed.
    :param cdn_base: the store's CDN root, e.g. ``https://cdn11.bigcommerce.com/s-abc123``.
    :param products: IDs of the products.
    :param categories: IDs of the existing categories.
    :param brands: IDs of the existing brands.
    """

    def __init__(
        self, seed: int | str, cdn_base: str, products: IdRange, categories: IdRange, brands: IdRange
    ) -> None:
        self._cdn_base = cdn_base
        self._ids = products
        self._categories = categories
        self._brands = brands
        self._header_key = stream_key(seed, "product-header")
        self._product_key = stream_key(seed, "product")
        self._variant_key = stream_key(seed, "variant")
        self._image_key = stream_key(seed, "image")
        self._custom_field_key = stream_key(seed, "custom-field")
        self._video_key = stream_key(seed, "video")
        self._bulk_pricing_key = stream_key(seed, "bulk-pricing")
        self._creation_step = max((CREATION_END - CATALOG_START) // max(products.count, 1), 1)

    def facts(self, index: int) -> ProductFacts:
        """Return the dates and visibility of product ``index`` (one hash, no strings).

        :param index: 0-based product index.
        """
        bits = mix(self._header_key, index)
        created = CATALOG_START + index * self._creation_step + (bits >> 20) % self._creation_step
        never_edited = (bits >> 48) % 10 < 3
        # Indexes past the generated ones (products created later) may start after LAST_MODIFICATION.
        span = max(LAST_MODIFICATION - created, 1)
        modified = created if never_edited else created + (bits >> 12) % span
        return ProductFacts(created, modified, (bits >> 56) % 10 != 0)

    def header(self, index: int) -> ProductHeader:
        """Return the name, slug, dates and visibility of product ``index`` (hashing only).

        :param index: 0-based product index.
        """
        bits = mix(self._header_key, index)
        adjective = ADJECTIVES[bits % len(ADJECTIVES)]
        material = MATERIALS[(bits >> 8) % len(MATERIALS)]
        noun = NOUNS[(bits >> 16) % len(NOUNS)]
        emoji = EMOJI_SUFFIXES[(bits >> 24) % len(EMOJI_SUFFIXES)] if (bits >> 28) % 16 == 0 else ""
        letters = len(CODE_LETTERS)
        prefix = CODE_LETTERS[(bits >> 32) % letters] + CODE_LETTERS[(bits >> 40) % letters]
        code = f"{prefix}{self._ids.id_of(index)}"
        facts = self.facts(index)
        return ProductHeader(
            name=f"{adjective[0]} {material[0]} {noun[0]} {code}{emoji}",
            slug=slug_join(adjective[1], material[1], noun[1], code.lower()),
            date_created=facts.date_created,
            date_modified=facts.date_modified,
            is_visible=facts.is_visible,
            keywords=(adjective[0], material[0], noun[0]),
        )

    def product(
        self, index: int, include: frozenset[str] | set[str], edit: ItemEdit = NO_EDIT
    ) -> dict[str, object]:
        """Return product ``index`` shaped like ``GET /v3/catalog/products`` items.

        :param index: 0-based product index.
        :param include: sub-resources to embed (names from :data:`PRODUCT_INCLUDES`).
        :param edit: changes made through the admin API, applied before the sub-resources are
            derived (so variant prices follow an edited product price).
        """
        header = self.header(index)
        draws = Draws(self._product_key, index)
        product_id = self._ids.id_of(index)
        shape = self._shape(draws, product_id)
        data = self._base_fields(draws, product_id, header, shape)
        _apply_product_edit(data, edit)
        if "variants" in include or edit.variants:
            variants = self._variants(product_id, data, shape, edit.variants)
            if edit.variants and data["inventory_tracking"] == "variant":
                data["inventory_level"] = sum(int(variant["inventory_level"]) for variant in variants)
            if "variants" in include:
                data["variants"] = variants
        if "images" in include or "primary_image" in include:
            images = self._images(product_id, header, shape.image_count)
            if "images" in include:
                data["images"] = images
            if "primary_image" in include:
                data["primary_image"] = images[0]
        if "custom_fields" in include:
            data["custom_fields"] = self._custom_fields(product_id, shape.custom_field_count)
        if "options" in include:
            data["options"] = [self._option(product_id, plan) for plan in shape.options]
        if "modifiers" in include:
            data["modifiers"] = [self._modifier(product_id)] if shape.has_modifier else []
        if "channels" in include:
            data["channels"] = [1]
        if "videos" in include:
            data["videos"] = product_videos(self._video_key, product_id, str(data["name"]))
        if "bulk_pricing_rules" in include:
            data["bulk_pricing_rules"] = bulk_pricing_rules(self._bulk_pricing_key, product_id)
        if "parent_relations" in include:
            data["parent_relations"] = []  # no product has product-list options that point at others
        if "reviews" in include:
            data["reviews"] = []  # reviews are not simulated (reviews_count is only a number)
        return data

    def variant_count(self, index: int) -> int:
        """Return how many variants product ``index`` has (its shape alone, no full render).

        :param index: 0-based product index.
        """
        shape = self._shape(Draws(self._product_key, index), self._ids.id_of(index))
        return len(_variant_combinations(shape))

    def _shape(self, draws: Draws, product_id: int) -> ProductShape:
        """Draw the option layout and sub-resource counts.

        :param draws: the product's random stream.
        :param product_id: the product's ID.
        """
        first_option_id = (product_id - 1) * OPTION_SLOTS + 1
        layout = draws.uniform(0, 1)
        if layout < 0.5:
            options: tuple[OptionPlan, ...] = ()
        elif layout < 0.8:
            kind = draws.pick(OPTION_KINDS)
            options = (OptionPlan(first_option_id, kind, _pick_labels(draws, kind, draws.between(2, 4))),)
        else:
            size, color = OPTION_KINDS[0], OPTION_KINDS[1]
            options = (
                OptionPlan(first_option_id, size, _pick_labels(draws, size, 2)),
                OptionPlan(first_option_id + 1, color, _pick_labels(draws, color, 2)),
            )
        return ProductShape(
            options=options,
            image_count=draws.between(1, 4),
            custom_field_count=draws.between(0, 3),
            has_modifier=draws.chance(0.2),
        )

    def _base_fields(
        self, draws: Draws, product_id: int, header: ProductHeader, shape: ProductShape
    ) -> dict[str, object]:
        """Build the product fields that exist without any ``include``.

        :param draws: the product's random stream, positioned after :meth:`_shape`.
        :param product_id: the product's ID.
        :param header: the product's cheap fields.
        :param shape: the product's option layout.
        """
        price = round(draws.between(3, 449) + draws.pick(PRICE_ENDINGS), 2)
        sale_price = round(price * draws.pick(SALE_FACTORS), 2) if draws.chance(0.25) else 0
        retail_price = round(price * 1.2, 2) if draws.chance(0.5) else 0
        adjective, material, noun = (word.lower() for word in header.keywords)
        sentences = draws.run(SENTENCES, 3)
        features = draws.run(FEATURES, 3)
        tracking = "variant" if shape.options else ("product" if draws.chance(0.8) else "none")
        stock = draws.between(0, 500)
        reviews = draws.between(0, 40)
        return {
            "id": product_id,
            "name": header.name,
            "type": "physical" if draws.chance(0.9) else "digital",
            "sku": f"SKU-{product_id:06d}",
            "description": (
                f"<p>{sentences[0]} {sentences[1]}</p><ul><li>{features[0]}</li>"
                f"<li>{features[1]}</li><li>{features[2]}</li></ul>"
                f"<p><strong>Care:</strong> {draws.pick(CARE_TIPS)} {sentences[2]}</p>"
            ),
            "weight": round(draws.uniform(0.1, 25), 2),
            "width": draws.between(2, 120),
            "depth": draws.between(2, 120),
            "height": draws.between(2, 120),
            "price": price,
            "cost_price": round(price * 0.45, 2),
            "retail_price": retail_price,
            "sale_price": sale_price,
            "map_price": 0,
            "tax_class_id": 0,
            "product_tax_code": "",
            "calculated_price": sale_price or price,
            "categories": self._pick_categories(draws),
            "brand_id": self._pick_brand(draws),
            "option_set_display": "right",
            "inventory_level": self._product_inventory(product_id, shape, tracking, stock),
            "inventory_warning_level": draws.pick((0, 5, 10)),
            "inventory_tracking": tracking,
            "reviews_rating_sum": reviews * draws.between(3, 5),
            "reviews_count": reviews,
            "total_sold": draws.between(0, 5000),
            "fixed_cost_shipping_price": 0,
            "is_free_shipping": draws.chance(0.15),
            "is_visible": header.is_visible,
            "is_featured": draws.chance(0.1),
            "related_products": [-1],
            "warranty": "",
            "bin_picking_number": f"BIN-{draws.between(1, 400):03d}",
            "layout_file": "product.html",
            "upc": f"{draws.below(10**12):012d}" if draws.chance(0.8) else "",
            "mpn": f"MPN-{draws.below(10**6):06d}" if draws.chance(0.7) else "",
            "gtin": f"{draws.below(10**13):013d}" if draws.chance(0.6) else "",
            "search_keywords": f"{material}, {noun}, {adjective}",
            "availability": draws.pick(AVAILABILITY),
            "availability_description": "",
            "gift_wrapping_options_type": "any",
            "gift_wrapping_options_list": [],
            "sort_order": draws.between(0, 100),
            "condition": "New" if draws.chance(0.9) else draws.pick(("Used", "Refurbished")),
            "is_condition_shown": False,
            "order_quantity_minimum": 0,
            "order_quantity_maximum": 0,
            "page_title": header.name if draws.chance(0.7) else "",
            "meta_keywords": [material, noun],
            "meta_description": f"Shop the {header.name}. Free returns within 30 days.",
            "date_created": iso_utc(header.date_created),
            "date_modified": iso_utc(header.date_modified),
            "view_count": draws.between(0, 20000),
            "preorder_release_date": None,
            "preorder_message": "",
            "is_preorder_only": False,
            "is_price_hidden": False,
            "price_hidden_label": "",
            "custom_url": {"url": f"/{header.slug}/", "is_customized": draws.chance(0.1)},
            "base_variant_id": None if shape.options else self._variant_id(product_id, 0),
            "open_graph_type": "product",
            "open_graph_title": "",
            "open_graph_description": "",
            "open_graph_use_meta_description": True,
            "open_graph_use_product_name": True,
            "open_graph_use_image": True,
        }

    def _pick_categories(self, draws: Draws) -> list[int]:
        """Return 1 to 3 existing category IDs (none when the catalog has no categories).

        :param draws: the product's random stream.
        """
        count = self._categories.count
        if count == 0:
            return []
        picks = {draws.below(count) for _ in range(draws.between(1, 3))}
        return [self._categories.id_of(index) for index in sorted(picks)]

    def _pick_brand(self, draws: Draws) -> int:
        """Return an existing brand ID, or 0 for about 15% of products.

        :param draws: the product's random stream.
        """
        without_brand = draws.chance(0.15)
        brand_index = draws.below(max(self._brands.count, 1))
        return 0 if without_brand or self._brands.count == 0 else self._brands.id_of(brand_index)

    def _product_inventory(self, product_id: int, shape: ProductShape, tracking: str, stock: int) -> int:
        """Return the product stock: the variants' total when tracked per variant.

        :param product_id: the product's ID.
        :param shape: the product's option layout.
        :param tracking: the product's ``inventory_tracking``.
        :param stock: the drawn product-level stock.
        """
        if tracking == "variant":
            variant_count = len(_variant_combinations(shape))
            return sum(self._variant_bits(product_id, k) % 120 for k in range(variant_count))
        return stock if tracking == "product" else 0

    def _variant_bits(self, product_id: int, position: int) -> int:
        """Return the hash that decides one variant's stock and surcharge.

        :param product_id: the product's ID.
        :param position: the variant's position in the product.
        """
        return mix(self._variant_key, self._variant_id(product_id, position))

    @staticmethod
    def _variant_id(product_id: int, position: int) -> int:
        """Return the ID of the variant at ``position`` of a product.

        :param product_id: the product's ID.
        :param position: 0 to 3.
        """
        return (product_id - 1) * SLOTS_PER_PRODUCT + position + 1

    def _variants(
        self,
        product_id: int,
        product: dict[str, object],
        shape: ProductShape,
        changes: Mapping[int, Mapping[str, object]],
    ) -> list[dict[str, object]]:
        """Return the product's variants: the base variant, or one per option combination.

        :param product_id: the product's ID.
        :param product: the product's base fields.
        :param shape: the product's option layout.
        :param changes: edited variant fields by variant ID.
        """
        variants = []
        for position, combination in enumerate(_variant_combinations(shape)):
            bits = self._variant_bits(product_id, position)
            surcharge = VARIANT_SURCHARGES[(bits >> 8) % len(VARIANT_SURCHARGES)] if combination else 0
            price = round(float(product["price"]) + surcharge, 2) if surcharge else None
            suffix = "".join(
                f"-{plan.kind.labels[plan.label_indexes[pos]][:3].upper()}" for plan, pos in combination
            )
            variants.append(
                {
                    "id": self._variant_id(product_id, position),
                    "product_id": product_id,
                    "sku": f"{product['sku']}{suffix}",
                    "sku_id": product_id * 10 + position if combination else None,
                    "price": price,
                    "calculated_price": price if price is not None else product["calculated_price"],
                    "sale_price": None,
                    "retail_price": None,
                    "map_price": None,
                    "weight": None,
                    "width": None,
                    "height": None,
                    "depth": None,
                    "is_free_shipping": False,
                    "fixed_cost_shipping_price": None,
                    "calculated_weight": product["weight"],
                    "purchasing_disabled": False,
                    "purchasing_disabled_message": "",
                    "image_url": "",
                    "cost_price": product["cost_price"],
                    "upc": "" if combination else product["upc"],
                    "mpn": "" if combination else product["mpn"],
                    "gtin": "" if combination else product["gtin"],
                    "inventory_level": bits % 120,
                    "inventory_warning_level": 0,
                    "bin_picking_number": "",
                    "option_values": [
                        {
                            "id": plan.value_id(pos),
                            "label": plan.kind.labels[plan.label_indexes[pos]],
                            "option_id": plan.option_id,
                            "option_display_name": plan.kind.display_name,
                        }
                        for plan, pos in combination
                    ],
                }
            )
            _apply_variant_changes(variants[-1], changes, product)
        return variants

    def _images(self, product_id: int, header: ProductHeader, count: int) -> list[dict[str, object]]:
        """Return the product images; the first is the thumbnail (the primary image).

        :param product_id: the product's ID.
        :param header: the product's cheap fields.
        :param count: how many images.
        """
        cdn = f"{self._cdn_base}/images/stencil"
        stamp = header.date_modified
        modified_text = iso_utc(stamp)
        images = []
        for position in range(count):
            image_id = (product_id - 1) * SLOTS_PER_PRODUCT + position + 1
            bits = mix(self._image_key, image_id)
            file_stem = f"{header.slug[:40]}__{bits % 100000:05d}"
            image: dict[str, object] = {
                "id": image_id,
                "product_id": product_id,
                "is_thumbnail": position == 0,
                "sort_order": position,
                "description": f"{header.name} – view {position + 1}" if (bits >> 20) % 10 < 7 else "",
                "image_file": f"{file_stem[0]}/{image_id % 1000}/{file_stem}.jpg",
            }
            for field, size in CDN_SIZES:
                image[field] = f"{cdn}/{size}/products/{product_id}/{image_id}/{file_stem}.{stamp}.jpg?c=1"
            image["date_modified"] = modified_text
            images.append(image)
        return images

    def _custom_fields(self, product_id: int, count: int) -> list[dict[str, object]]:
        """Return ``count`` custom fields with distinct names.

        :param product_id: the product's ID.
        :param count: 0 to 3.
        """
        bits = mix(self._custom_field_key, product_id)
        first_name = bits % len(CUSTOM_FIELD_NAMES)
        fields = []
        for position in range(count):
            value = CUSTOM_FIELD_VALUES[(bits >> (8 + 6 * position)) % len(CUSTOM_FIELD_VALUES)]
            fields.append(
                {
                    "id": (product_id - 1) * SLOTS_PER_PRODUCT + position + 1,
                    "name": CUSTOM_FIELD_NAMES[(first_name + position) % len(CUSTOM_FIELD_NAMES)],
                    "value": value,
                }
            )
        return fields

    @staticmethod
    def _option(product_id: int, plan: OptionPlan) -> dict[str, object]:
        """Return one ``include=options`` entry.

        :param product_id: the product's ID.
        :param plan: the option's layout.
        """
        values = []
        for position, label_index in enumerate(plan.label_indexes):
            value_data = {"colors": [plan.kind.colors[label_index]]} if plan.kind.colors else {}
            values.append(
                {
                    "id": plan.value_id(position),
                    "label": plan.kind.labels[label_index],
                    "sort_order": position,
                    "value_data": value_data,
                    "is_default": position == 0,
                }
            )
        return {
            "id": plan.option_id,
            "product_id": product_id,
            "name": f"{plan.kind.display_name}-{product_id}",
            "display_name": plan.kind.display_name,
            "type": plan.kind.type,
            "sort_order": (plan.option_id - 1) % OPTION_SLOTS,
            "config": {},
            "option_values": values,
        }

    @staticmethod
    def _modifier(product_id: int) -> dict[str, object]:
        """Return the one modifier of a product: a gift message (odd IDs) or a gift-wrap choice (even IDs).

        :param product_id: the product's ID.
        """
        modifier_id = product_id * OPTION_SLOTS
        common = {"id": modifier_id, "product_id": product_id, "required": False, "sort_order": 2}
        if product_id % 2:
            config = {
                "default_value": "",
                "text_characters_limited": True,
                "text_min_length": 0,
                "text_max_length": 200,
            }
            return {
                **common,
                "name": f"Gift message-{product_id}",
                "display_name": "Gift message",
                "type": "text",
                "config": config,
                "option_values": [],
            }
        labels = ("No gift wrap", "Gift wrap")
        values = [
            {
                "id": modifier_id * 4 + position,
                "option_id": modifier_id,
                "label": label,
                "sort_order": position,
                "value_data": {},
                "is_default": position == 0,
                "adjusters": {
                    **({"price": {"adjuster": "relative", "adjuster_value": 4.5}} if position else {}),
                    "image_url": "",
                    "purchasing_disabled": {"status": False, "message": ""},
                },
            }
            for position, label in enumerate(labels)
        ]
        return {
            **common,
            "name": f"Gift wrap-{product_id}",
            "display_name": "Gift wrap",
            "type": "radio_buttons",
            "config": {},
            "option_values": values,
        }


def _apply_product_edit(data: dict[str, object], edit: ItemEdit) -> None:
    """Apply admin changes to a product's base fields, keeping the derived fields consistent.

    :param data: the generated base fields, changed in place.
    :param edit: the product's edit.
    """
    data.update(edit.fields)
    if "price" in edit.fields or "sale_price" in edit.fields:
        data["calculated_price"] = data["sale_price"] or data["price"]
    if edit.created_at is not None:
        data["date_created"] = iso_utc(edit.created_at)
    if edit.modified_at is not None:
        data["date_modified"] = iso_utc(edit.modified_at)


def _apply_variant_changes(
    variant: dict[str, object], changes: Mapping[int, Mapping[str, object]], product: dict[str, object]
) -> None:
    """Apply admin changes to one variant and recompute its ``calculated_price``.

    :param variant: the generated variant, changed in place.
    :param changes: edited variant fields by variant ID.
    :param product: the product's (edited) base fields.
    """
    changed = changes.get(int(variant["id"]))
    if not changed:
        return
    variant.update(changed)
    own_price = variant["sale_price"] if variant["sale_price"] is not None else variant["price"]
    variant["calculated_price"] = own_price if own_price is not None else product["calculated_price"]


def _pick_labels(draws: Draws, kind: OptionKind, count: int) -> tuple[int, ...]:
    """Return ``count`` neighbouring label indexes of ``kind`` (e.g. S, M, L) in display order.

    :param draws: the product's random stream.
    :param kind: the option kind.
    :param count: how many values the option offers (at most the number of labels).
    """
    start = draws.below(len(kind.labels) - count + 1)
    return tuple(range(start, start + count))


def _variant_combinations(shape: ProductShape) -> list[tuple[tuple[OptionPlan, int], ...]]:
    """Return one tuple of ``(option, value position)`` pairs per variant.

    A product without options has a single empty combination: its base variant.

    :param shape: the product's option layout.
    """
    axes = [[(plan, position) for position in range(len(plan.label_indexes))] for plan in shape.options]
    return list(cartesian_product(*axes))
