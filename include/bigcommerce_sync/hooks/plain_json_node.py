"""An HTTP node for search servers that accept only plain JSON media types.

The official client always sends ``application/vnd.elasticsearch+json;
compatible-with=N``. Elasticsearch needs that; some compatible servers (the
in-memory stand-in used in tests, older proxies) reject it. Enabled per
connection with the extra ``{"plain_media_types": true}``.
"""

from __future__ import annotations

import re
from typing import Any

from elastic_transport import HttpHeaders, Urllib3HttpNode
from elastic_transport._node import NodeApiResponse

_VENDOR_TYPE = re.compile(r"application/vnd\.elasticsearch\+([a-z-]+)(;\s*compatible-with=\d+)?")


class PlainJsonNode(Urllib3HttpNode):
    """Rewrites ``application/vnd.elasticsearch+json; compatible-with=9`` to ``application/json``."""

    def perform_request(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: HttpHeaders | None = None,
        **kw: Any,
    ) -> NodeApiResponse:
        if headers is not None:
            headers = headers.copy()
            for name in ("accept", "content-type"):
                if name in headers:
                    headers[name] = _VENDOR_TYPE.sub(r"application/\1", headers[name])
        return super().perform_request(method, target, body=body, headers=headers, **kw)
