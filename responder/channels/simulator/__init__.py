"""A small server speaking Mastodon's client API, Bluesky's XRPC and X API v2 for what
Responder uses, for the demo and the tests (see server.py, bluesky/, x/, community.py).

python -m responder.channels.simulator --host 127.0.0.1 --port 8025 [--rate N] [--token T]
"""

from responder.channels.simulator.server import Simulator

__all__ = ["Simulator"]
