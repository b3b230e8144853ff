"""Tests: the same as base, with a fast password hasher. DATABASE_URL/REDIS_URL still apply."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LANGUAGE_CODE = "vi"
