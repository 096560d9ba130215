"""Moved to responder.testing.chaos (shared with bench/). This alias keeps imports made on
branches written before the move working; import responder.testing.chaos instead."""

import sys

from responder.testing import chaos as _moved

sys.modules[__name__] = _moved
