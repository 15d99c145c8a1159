"""BigCommerce error bodies come in several shapes, and some are not JSON at all."""

from __future__ import annotations

import pytest
import requests

from bigcommerce_sync.hooks.bigcommerce import _detail


def response(status: int, body: str, content_type: str = "application/json") -> requests.Response:
    made = requests.Response()
    made.status_code = status
    made.reason = "Reason Phrase"
    made._content = body.encode()
    made.headers["Content-Type"] = content_type
    return made


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (
            '{"status": 404, "title": "The resource was not found.", "type": "/api-docs"}',
            "application/json",
            ": The resource was not found.",
        ),
        (
            '[{"status": 404, "message": "The requested resource was not found."}]',
            "application/json",
            ": The requested resource was not found.",
        ),
        (
            '{"status": 400, "title": "Bad Request", "detail": "unknown filter"}',
            "application/problem+json",
            ": Bad Request",
        ),
        ("Unauthorized: bad token", "text/plain", ": Unauthorized: bad token"),
        ("<html>502 Bad Gateway</html>", "text/html", ": <html>502 Bad Gateway</html>"),
        ('{"unexpected": true}', "application/json", ': {"unexpected": true}'),
        ("", "text/plain", " Reason Phrase"),
    ],
)
def test_every_error_body_shape_gets_a_short_safe_description(body, content_type, expected):
    assert _detail(response(400, body, content_type)) == expected


def test_long_bodies_are_cut():
    assert len(_detail(response(500, "x" * 5000, "text/plain"))) <= 202
