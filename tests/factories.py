"""Moved to responder.testing.factories (shared with bench/). This alias keeps imports made on
branches written before the move working; import responder.testing.factories instead."""

import sys

from responder.testing import factories as _moved

sys.modules[__name__] = _moved
