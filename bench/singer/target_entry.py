"""Runs target-elasticsearch 2.1.0 with plain JSON media types, as our client talks to the stand-in.

Its ``elasticsearch`` 8.x client always sends ``application/vnd.elasticsearch+json;
compatible-with=8``, which osmem-server rejects with HTTP 406. Our own client gets the
same rewrite from the connection extra ``plain_media_types`` (``PlainJsonNode``). This
entry point applies that rewrite to the HTTP node the 8.x client uses, then runs the
target's own CLI; nothing else is changed.
"""

from __future__ import annotations

import re
from typing import Any

from elastic_transport import Urllib3HttpNode
from target_elasticsearch.target import TargetElasticsearch

_VENDOR_TYPE = re.compile(r"application/vnd\.elasticsearch\+([a-z-]+)(;\s*compatible-with=\d+)?")
_send = Urllib3HttpNode.perform_request


def _plain_json(
    self: Urllib3HttpNode, method: str, target: str, body: Any = None, headers: Any = None, **kw: Any
) -> Any:
    """Send the request with the vendor media types rewritten to ``application/<subtype>``."""
    if headers is not None:
        headers = headers.copy()
        for name in ("accept", "content-type"):
            if name in headers:
                headers[name] = _VENDOR_TYPE.sub(r"application/\1", headers[name])
    return _send(self, method, target, body=body, headers=headers, **kw)


Urllib3HttpNode.perform_request = _plain_json
TargetElasticsearch.cli()
