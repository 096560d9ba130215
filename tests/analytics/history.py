"""Moved to responder.testing.history (shared with bench/). This alias keeps imports made on
branches written before the move working; import responder.testing.history instead."""

import sys

from responder.testing import history as _moved

sys.modules[__name__] = _moved
