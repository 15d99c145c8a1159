"""Product videos and bulk pricing rules, derived from a hash of the product ID alone.

Neither depends on the product's own random stream, so adding them changed no other field
of any product.
"""

from __future__ import annotations

from .rng import mix

SLOTS_PER_PRODUCT = 4  # the same ID block scheme as variants, images and custom fields
VIDEO_COUNTS = (0, 0, 0, 1, 2)
RULE_COUNTS = (0, 0, 1, 2)
RULE_TYPES = ("percent", "price")  # percent off, or an amount off each unit
VIDEO_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _slot_id(product_id: int, position: int) -> int:
    """Return the ID of the sub-resource at ``position`` of a product.

    :param product_id: the product's ID.
    :param position: 0 to 3.
    """
    return (product_id - 1) * SLOTS_PER_PRODUCT + position + 1


def product_videos(key: int, product_id: int, product_name: str) -> list[dict[str, object]]:
    """Return the product's YouTube videos (none for most products).

    :param key: the catalog's video stream key.
    :param product_id: the product's ID.
    :param product_name: the product's name, for titles.
    """
    bits = mix(key, product_id)
    videos = []
    for position in range(VIDEO_COUNTS[bits % len(VIDEO_COUNTS)]):
        video_bits = mix(key, _slot_id(product_id, position))
        video_id = "".join(VIDEO_ID_ALPHABET[(video_bits >> (6 * k)) % 64] for k in range(10)) + "A"
        videos.append(
            {
                "id": _slot_id(product_id, position),
                "product_id": product_id,
                "title": f"{product_name} – video {position + 1}",
                "description": "See it in use." if position == 0 else "Care and cleaning.",
                "sort_order": position,
                "type": "youtube",
                "video_id": video_id,
                "length": f"0{video_bits % 5}:{(video_bits >> 8) % 60:02d}",
            }
        )
    return videos


def bulk_pricing_rules(key: int, product_id: int) -> list[dict[str, object]]:
    """Return the product's quantity discounts: disjoint quantity ranges, the last one open-ended.

    :param key: the catalog's bulk-pricing stream key.
    :param product_id: the product's ID.
    """
    bits = mix(key, product_id)
    count = RULE_COUNTS[bits % len(RULE_COUNTS)]
    rules = []
    for position in range(count):
        rule_type = RULE_TYPES[(bits >> (4 + 2 * position)) % len(RULE_TYPES)]
        amount = 5 + 5 * position if rule_type == "percent" else 1 + position
        last = position == count - 1
        rules.append(
            {
                "id": _slot_id(product_id, position),
                "quantity_min": 5 * (position + 1),
                "quantity_max": 0 if last else 5 * (position + 2) - 1,
                "type": rule_type,
                "amount": amount,
            }
        )
    return rules
