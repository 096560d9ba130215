"""Moved to responder.testing.waiting (shared with bench/). This alias keeps imports made on
branches written before the move working; import responder.testing.waiting instead."""

import sys

from responder.testing import waiting as _moved

sys.modules[__name__] = _moved
