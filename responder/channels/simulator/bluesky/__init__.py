"""The simulator's Bluesky: XRPC for what the Bluesky connector uses."""

from responder.channels.simulator.bluesky.state import OUR_DID, OUR_HANDLE, BlueskyState

__all__ = ["OUR_DID", "OUR_HANDLE", "BlueskyState"]
