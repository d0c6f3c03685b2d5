"""Storing n more credentials of each kind, fast: the lookups then search a real index.

The stored rows are never presented, so they share one precomputed hash per
kind and differ only where a column is unique (random public ids, names,
numbered peer prefixes). ``bulk_create`` spends ~100 µs per row preparing
every value of every row; here one template row is prepared by the model's
own fields, and the rows go in by ``executemany`` (PostgreSQL: ``COPY``), in one
transaction.
"""

from __future__ import annotations

import gc
import os
import random
import string
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, models, transaction

BATCH = 20_000
ALPHABET = string.digits + string.ascii_letters


def public_ids(count: int) -> list[str]:
    """Random ids shaped like m2m-auth's (12 base62 characters); a clash is left to the unique index."""
    return ["".join(random.choices(ALPHABET, k=12)) for _ in range(count)]


def insert_like(template: models.Model, varying: dict[str, Iterable]) -> None:
    """Rows equal to template (as the model would save it) but for the varying columns."""
    fields = [field for field in template._meta.local_concrete_fields
              if not (field.primary_key and isinstance(field, models.AutoField))]
    fixed = {field.name: field.get_db_prep_save(field.pre_save(template, add=True), connection) for field in fields}
    rows = [tuple({**fixed, **dict(zip(varying, values))}.values()) for values in zip(*varying.values())]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(template._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})", rows)


def bulk_credentials(n: int) -> None:
    """n more API keys, PATs and peer (djangorestframework-api-key) keys."""
    from rest_framework_api_key.models import APIKey

    from m2m_auth import hashing
    from m2m_auth.models import ApiKey, PersonalAccessToken

    user = get_user_model().objects.get(username="bench-user")
    key = ApiKey(secret_hash=hashing.new_secret("api_key").secret_hash)
    token = PersonalAccessToken(user=user, secret_hash=hashing.new_secret("personal_access_token").secret_hash)
    peer = APIKey(hashed_key=APIKey.objects.key_generator.generate()[2])
    with transaction.atomic():
        for start in range(0, n, BATCH):
            numbers = range(start, min(start + BATCH, n))
            names = [f"bulk-{i}" for i in numbers]
            insert_like(key, {"name": names, "public_id": public_ids(len(numbers))})
            insert_like(token, {"name": names, "public_id": public_ids(len(numbers))})
            prefixes = [f"b{i:07d}" for i in numbers]
            insert_like(peer, {"name": names, "prefix": prefixes,
                               "id": [f"{prefix}.{peer.hashed_key}"[:150] for prefix in prefixes]})
    settle()


def settle() -> None:
    """Leave the database as a production one holding these rows would be, before anything is timed.

    Statistics gathered (PostgreSQL's autovacuum would do it within a minute),
    the write-ahead log checkpointed and the written pages flushed to disk: else
    the kernel writes a gigabyte back, and PostgreSQL analyzes, during the
    rounds right after, and the scaling ratio measures that.
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            try:
                cursor.execute("CHECKPOINT")
            except DatabaseError:  # not a superuser (nor pg_checkpoint): the server checkpoints on its own
                pass
    os.sync()
    gc.collect()
