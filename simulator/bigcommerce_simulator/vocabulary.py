"""Word lists and text snippets for synthetic store content.

Everything is built once at import so that per-item generation only indexes into
tuples and formats strings. Words are ``(display, slug)`` pairs: the display form may
hold accents, CJK or emoji; the slug is the ASCII form used in URLs.
"""

from __future__ import annotations

Word = tuple[str, str]

ADJECTIVES: tuple[Word, ...] = (
    ("Rustic", "rustic"),
    ("Modern", "modern"),
    ("Vintage", "vintage"),
    ("Classic", "classic"),
    ("Handmade", "handmade"),
    ("Organic", "organic"),
    ("Premium", "premium"),
    ("Compact", "compact"),
    ("Deluxe", "deluxe"),
    ("Everyday", "everyday"),
    ("Artisan", "artisan"),
    ("Nordic", "nordic"),
    ("Coastal", "coastal"),
    ("Urban", "urban"),
    ("Heritage", "heritage"),
    ("Minimalist", "minimalist"),
    ("Ergonomic", "ergonomic"),
    ("Waterproof", "waterproof"),
    ("Lightweight", "lightweight"),
    ("Portable", "portable"),
    ("Crème", "creme"),
    ("Über-Soft", "uber-soft"),
    ("Señorial", "senorial"),
    ("Étoile", "etoile"),
    ("Hygge", "hygge"),
    ("Kyōto", "kyoto"),
)

MATERIALS: tuple[Word, ...] = (
    ("Oak", "oak"),
    ("Walnut", "walnut"),
    ("Bamboo", "bamboo"),
    ("Linen", "linen"),
    ("Cotton", "cotton"),
    ("Wool", "wool"),
    ("Leather", "leather"),
    ("Ceramic", "ceramic"),
    ("Stoneware", "stoneware"),
    ("Copper", "copper"),
    ("Brass", "brass"),
    ("Steel", "steel"),
    ("Glass", "glass"),
    ("Marble", "marble"),
    ("Cork", "cork"),
    ("Hemp", "hemp"),
    ("Merino", "merino"),
    ("Porcelain", "porcelain"),
    ("Cast-Iron", "cast-iron"),
    ("Velvet", "velvet"),
    ("Papier-mâché", "papier-mache"),
)

NOUNS: tuple[Word, ...] = (
    ("Side Table", "side-table"),
    ("Tea Kettle", "tea-kettle"),
    ("Throw Blanket", "throw-blanket"),
    ("Desk Lamp", "desk-lamp"),
    ("Water Bottle", "water-bottle"),
    ("Backpack", "backpack"),
    ("Coffee Mug", "coffee-mug"),
    ("Cutting Board", "cutting-board"),
    ("Candle", "candle"),
    ("Notebook", "notebook"),
    ("Planter", "planter"),
    ("Chef's Knife", "chefs-knife"),
    ("Serving Bowl", "serving-bowl"),
    ("Wall Clock", "wall-clock"),
    ("Scarf", "scarf"),
    ("Sneakers", "sneakers"),
    ("Headphones", "headphones"),
    ("Yoga Mat", "yoga-mat"),
    ("Bookshelf", "bookshelf"),
    ("Picnic Basket", "picnic-basket"),
    ("Tote Bag", "tote-bag"),
    ("Espresso Cup", "espresso-cup"),
    ("抹茶 Bowl", "matcha-bowl"),
    ("東京 Tote", "tokyo-tote"),
    ("茶碗 Tea Bowl", "chawan-tea-bowl"),
    ("Café Press", "cafe-press"),
    ("Smørrebrød Plate", "smorrebrod-plate"),
)

EMOJI_SUFFIXES: tuple[str, ...] = (" ✨", " 🌿", " 🔥", " ☕", " 🎁", " 🇯🇵")

CODE_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"

SENTENCES: tuple[str, ...] = (
    "Crafted in small batches by people who care about the details.",
    "Built to last for years &amp; designed to look better with age.",
    "Our best-seller since 2019 &mdash; now in more colours.",
    "Pairs beautifully with the rest of the collection.",
    "Dishwasher safe; hand washing keeps the finish like new.",
    "Made with responsibly sourced materials &amp; low-impact dyes.",
    "Each piece is unique, so small variations are part of the charm.",
    "Ships in plastic-free packaging that you can recycle at home.",
    "Rated &quot;excellent&quot; by more than 2,000 customers.",
    "Finished by hand in our workshop in Montréal.",
    "Inspired by Japanese wabi-sabi &ndash; beauty in imperfection.",
    "Perfect for gifting, with a handwritten card on request.",
    "Measures 30&nbsp;cm across and weighs under 1&nbsp;kg.",
    "Certified by the Forest Stewardship Council&#8482;.",
    "Die perfekte Ergänzung für jede Küche.",
    "Idéal pour un café le dimanche matin.",
    "丁寧に仕上げた、毎日使える道具です。",
    "Loved by customers &lt;3 and by our own team.",
)

FEATURES: tuple[str, ...] = (
    "Lifetime warranty",
    "Free returns within 30 days",
    "Non-toxic finish",
    "Vegan leather trim",
    "Stackable design",
    "Fits most standard shelves",
    "Machine washable",
    "BPA free",
    "Holds 500&nbsp;ml",
    "Heat resistant up to 220&deg;C",
    "Ethically made",
    "Ships in 1&ndash;2 days",
)

CARE_TIPS: tuple[str, ...] = (
    "Wipe clean with a damp cloth.",
    "Oil the surface every few months.",
    "Avoid direct sunlight to keep colours vivid.",
    "Wash cold, dry flat.",
    "Do not microwave.",
    "Store in a dry place.",
)

CUSTOM_FIELD_NAMES: tuple[str, ...] = (
    "Material",
    "Country of origin",
    "Care",
    "Warranty",
    "Designer",
    "Collection",
    "Fit",
    "Finish",
)

CUSTOM_FIELD_VALUES: tuple[str, ...] = (
    "Solid oak",
    "Portugal",
    "Hand wash only",
    "2 years",
    "Ana Müller",
    "Autumn/Winter",
    "Relaxed",
    "Matte",
    "日本製 (Made in Japan)",
    "100% recycled",
)

SIZE_VALUES: tuple[str, ...] = ("S", "M", "L", "XL")
COLOR_VALUES: tuple[tuple[str, str], ...] = (
    ("Charcoal", "#36454F"),
    ("Sage", "#9CAF88"),
    ("Terracotta", "#E2725B"),
    ("Navy", "#000080"),
    ("Crème", "#FFFDD0"),
    ("Mustard", "#FFDB58"),
)
FINISH_VALUES: tuple[str, ...] = ("Natural", "Oiled", "Lacquered", "Whitewashed")

CATEGORY_NAMES: tuple[Word, ...] = (
    ("Home & Garden", "home-garden"),
    ("Kitchen", "kitchen"),
    ("Outdoor", "outdoor"),
    ("Apparel", "apparel"),
    ("Électronique", "electronique"),
    ("Bücher", "bucher"),
    ("Toys", "toys"),
    ("Beauty", "beauty"),
    ("Sports", "sports"),
    ("Office", "office"),
    ("Garden Tools", "garden-tools"),
    ("Lighting", "lighting"),
    ("Bedding", "bedding"),
    ("Bath", "bath"),
    ("Pets", "pets"),
    ("Jewelry", "jewelry"),
    ("Shoes", "shoes"),
    ("Tea & Coffee", "tea-coffee"),
    ("茶道具", "tea-utensils"),
    ("Seasonal 🎄", "seasonal"),
    ("Sale", "sale"),
    ("New Arrivals", "new-arrivals"),
    ("Gifts", "gifts"),
    ("Décor", "decor"),
)

BRAND_NAMES: tuple[Word, ...] = (
    ("Nordlys", "nordlys"),
    ("Maison Lumière", "maison-lumiere"),
    ("Kōbō Works", "kobo-works"),
    ("Bergmann & Söhne", "bergmann-sohne"),
    ("Azure Fox", "azure-fox"),
    ("Terra Cotta Co.", "terra-cotta-co"),
    ("Hikari 光", "hikari"),
    ("Oakridge", "oakridge"),
    ("Blue Heron", "blue-heron"),
    ("Copperfield", "copperfield"),
    ("Småland Living", "smaland-living"),
    ("Casa Añil", "casa-anil"),
)

# The first five match the page types page, contact_form, raw, link and blog (see catalog.py).
PAGE_NAMES: tuple[Word, ...] = (
    ("About Us", "about-us"),
    ("Contact Us", "contact-us"),
    ("Shipping & Returns", "shipping-returns"),
    ("Careers", "careers"),
    ("Blog", "blog"),
    ("FAQ", "faq"),
    ("Privacy Policy", "privacy-policy"),
    ("Terms of Service", "terms-of-service"),
    ("Our Story", "our-story"),
    ("Size Guide", "size-guide"),
    ("Wholesale", "wholesale"),
    ("Gift Cards", "gift-cards"),
    ("Store Locator", "store-locator"),
    ("Sustainability", "sustainability"),
    ("Press", "press"),
    ("Mentions légales", "mentions-legales"),
    ("よくある質問", "faq-ja"),
    ("Care Instructions", "care-instructions"),
)

BLOG_TITLE_TEMPLATES: tuple[str, ...] = (
    "{n} Ways to Style Your {noun}",
    "How We Make Our {material} {noun}",
    "Behind the Scenes: {adj} Design",
    "Caring for {material}: A Short Guide",
    "Spring Lookbook ✨ {adj} Edition",
    "Meet the Maker of the {noun}",
    "Why {material} Matters",
    "Notre sélection : {adj} {noun}",
)

BLOG_TAGS: tuple[str, ...] = (
    "Blog",
    "SEO",
    "Guides",
    "Behind the scenes",
    "Care",
    "Lookbook",
    "Sustainability",
    "Makers",
    "新着",
)

AUTHORS: tuple[str, ...] = ("Ana Müller", "Jonas Berg", "Chloé Martin", "Kenji Watanabe", "Priya Nair", "")

PAGE_BODY_SNIPPETS: tuple[str, ...] = (
    "<p>We ship worldwide within 2&ndash;5 business days.</p>",
    '<p>Questions? Write to <a href="mailto:hello@example.com">hello@example.com</a>.</p>',
    "<h2>Returns</h2><p>Return any unused item within <strong>30 days</strong>.</p>",
    "<ul><li>Free shipping over $50</li><li>Gift wrap &amp; cards</li></ul>",
    "<p>Nous livrons partout en France. 日本への発送も可能です。</p>",
)


def slug_join(*parts: str) -> str:
    """Join pre-slugged parts into a path segment, skipping empty parts.

    :param parts: ASCII slug fragments.
    """
    return "-".join(part for part in parts if part)
