"""A small Mastodon-compatible server for the demo and the tests (see server.py).

python -m responder.channels.simulator --host 127.0.0.1 --port 8025 [--rate N] [--token T]
"""

from responder.channels.simulator.server import Simulator

__all__ = ["Simulator"]
