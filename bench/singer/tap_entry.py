"""Runs tap-bigcommerce 1.1.3 against another API root; its base URL is the only change.

The tap has no config key, environment variable or option for the API host: every
URL it requests is built from the class constant ``Bigcommerce.base_url``
(``"https://api.bigcommerce.com/stores/"``, in ``tap_bigcommerce/bigcommerce.py``).
This entry point sets that one constant to ``$BENCH_BIGCOMMERCE_API_ROOT/stores/``
and then runs the tap's own ``main()`` with the command line it was given.
"""

from __future__ import annotations

import os

from tap_bigcommerce import main
from tap_bigcommerce.bigcommerce import Bigcommerce

Bigcommerce.base_url = os.environ["BENCH_BIGCOMMERCE_API_ROOT"].rstrip("/") + "/stores/"
main()
