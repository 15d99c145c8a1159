"""Generators of hostile values shared by the surfaces: JSON junk, awkward text, secrets."""

from __future__ import annotations

from hypothesis import strategies as st

# Text as JSON decoders hand it over: any character but lone surrogates (no JSON text carries one
# that orjson or a YAML loader would accept).
CHARACTERS = st.characters(exclude_categories=("Cs",))
TRICKY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\u202e\u0000\ufeff",
        "'; DROP TABLE sync_batches; --",
        "Robert'); DELETE FROM webhook_events; --",
        "${jndi:ldap://x}",
        "{{7*7}}",
        "%s%s%s%n",
        "<script>alert(1)</script>",
        "../../etc/passwd",
        "😀" * 3,
        "é" * 5,
        "ALL",
        " all ",
        "null",
        "true",
        "1e309",
        "NaN",
    ]
)
TEXT = st.text(CHARACTERS, max_size=40) | TRICKY_TEXT
HUGE_TEXT = st.builds(
    lambda unit, n: unit * n,
    st.sampled_from(["x", "<", "é", "<a ", "&amp;", " "]),
    st.integers(10_000, 200_000),
)

# JSON numbers: 64-bit and beyond, floats with and without fraction, the special floats Python allows.
INTEGERS = st.integers(-(2**70), 2**70) | st.sampled_from(
    [0, -1, 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64]
)
FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([1.0, 0.5, -0.0, 1e308, 1e-308])
JSON_LEAF = st.none() | st.booleans() | INTEGERS | FLOATS | TEXT
JSON_JUNK = st.recursive(
    JSON_LEAF,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)

# JSON as a decoder hands it over: integers within 64 bits (orjson turns larger ones into floats),
# finite floats, no lone surrogates.
DECODED_LEAF = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
DECODED_JUNK = st.recursive(
    DECODED_LEAF,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)

# Values that look like secrets: no message may ever show them.
SECRETS = st.builds(
    lambda prefix, tail: f"{prefix}{tail}",
    st.sampled_from(["s3cr3t-", "hunter2-", "tok_live_", "AKIA", "xoxb-"]),
    st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=12, max_size=24),
)
SECRET_KEYS = st.sampled_from(["password", "token", "secret", "api_key", "access_token", "client_secret"])
