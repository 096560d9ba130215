"""Moved to responder.testing.outbox (shared with bench/). This alias keeps imports made on
branches written before the move working; import responder.testing.outbox instead."""

import sys

from responder.testing import outbox as _moved

sys.modules[__name__] = _moved
