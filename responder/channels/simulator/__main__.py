"""python -m responder.channels.simulator --host 127.0.0.1 --port 8025 [--rate N] [--token T]
[--campaign-tag TAG ...] [--initial N] [--initial-community N]

One server speaks Mastodon (/api/...), Bluesky XRPC (/xrpc/...) and X API v2 (/2/...).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import signal
import threading

from responder.channels.simulator.citizens import citizen_question
from responder.channels.simulator.community import community_post
from responder.channels.simulator.server import Simulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Mastodon, Bluesky and X API simulator for Responder."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument(
        "--rate", type=float, default=0, help="simulated citizens' questions per minute"
    )
    parser.add_argument(
        "--initial",
        type=int,
        default=0,
        help="citizens' questions already waiting when the simulator starts (for the demo)",
    )
    parser.add_argument(
        "--campaign-tag",
        action="append",
        default=[],
        help="a campaign hashtag the simulated community also posts under (repeatable)",
    )
    parser.add_argument(
        "--initial-community",
        type=int,
        default=0,
        help="community hashtag posts already there when the simulator starts (for the demo)",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("SIMULATOR_TOKEN", "sim-token"),
        help="the access token the API accepts (default: $SIMULATOR_TOKEN or sim-token)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    sim = Simulator(host=args.host, port=args.port, token=args.token, rate=args.rate).start()
    rng = random.Random()
    sim.state.community.campaign_tags = [t.lstrip("#") for t in args.campaign_tag if t]
    for _ in range(max(args.initial, 0)):
        sim.state.mention_create(citizen_question(rng))
    for _ in range(max(args.initial_community, 0)):
        community_post(sim.state, rng)
    logging.getLogger("responder.simulator").info(
        "Platform simulator (Mastodon, Bluesky, X) on %s (citizens: %s per minute)",
        sim.url,
        args.rate,
    )
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    sim.stop()


if __name__ == "__main__":
    main()
