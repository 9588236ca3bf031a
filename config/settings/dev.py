"""Local development and `make run`: the base settings with DEBUG on by default."""

from config.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
# The service's own 404 page even with DEBUG on (Django's lists every URL); true shows Django's.
DEBUG_404_PAGE = env_bool("DEBUG_404_PAGE", False)
MIDDLEWARE = ["partners.middleware.OwnNotFoundPageMiddleware", *MIDDLEWARE]  # noqa: F405

# The demo accounts sign in with the demo password alone (README, "Demo accounts"); set
# DEMO_ACCOUNTS_SKIP_TWO_FACTOR=false to try the two-factor set-up with them.
DEMO_ACCOUNTS_SKIP_TWO_FACTOR = env_bool("DEMO_ACCOUNTS_SKIP_TWO_FACTOR", True)
