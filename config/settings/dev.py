"""The default: a developer's machine or the demo (`make run`)."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
