"""The simulator's X: API v2 for what the X connector uses."""

from responder.channels.simulator.x.state import OUR_USER_ID, OUR_USERNAME, XState

__all__ = ["OUR_USERNAME", "OUR_USER_ID", "XState"]
