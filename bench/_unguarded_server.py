"""``python -m bench._unguarded_server``: ``tco-server`` without its pre-parse size guard.

For :mod:`bench.attack` only (what the guard buys): every request is parsed in full before the
handler's limits refuse it, as if :data:`tco_server.decoding.WHOLE_BELOW_BYTES` were infinite.
"""

from __future__ import annotations

import sys

from tco_server import decoding
from tco_server.__main__ import main

if __name__ == "__main__":
    decoding.WHOLE_BELOW_BYTES = sys.maxsize
    sys.exit(main())
