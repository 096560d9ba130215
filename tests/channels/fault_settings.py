"""Settings for the Celery workers of the fault test and the posting bench: the
project's settings, with a row left `sending` treated as crashed after a few seconds
instead of two minutes (the workers are SIGKILLed on purpose)."""

from responder.settings import *  # noqa: F403

OUTBOX_STUCK_AFTER_SECONDS = 4
