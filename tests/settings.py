"""Test settings: the demo site's, with DATABASE_URL choosing SQLite or PostgreSQL."""

from demo_project.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env.str("REDIS_URL", default=""):  # noqa: F405
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env.str("REDIS_URL")}}  # noqa: F405
M2M_AUTH = {**M2M_AUTH, "PEPPER": "test-pepper-0123456789-0123456789-0123456789"}  # noqa: F405
