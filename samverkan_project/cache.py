"""The embedded default cache: Django's database cache, shared by every process and machine on the database.

It holds the failure counts of samverkan_project.ratelimit, which must be the same for every web process
(with per-process memory, two gunicorn workers allowed twice the guesses). Django's own ``incr`` on the database
cache reads, adds and writes back with a fresh default timeout: two processes counting at once lose a count,
and each count would move the window's end. Here ``incr`` locks the row and keeps its expiry, as Redis's
INCRBY does. ``CACHE_URL=redis://…`` replaces it with Redis.
"""

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.core.management import call_command
from django.db import connections, models, router, transaction
from django.utils.timezone import now as tz_now


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key, delta=1, version=None):
        """Add ``delta`` to the value under ``key`` atomically, keeping its expiry; ValueError if absent."""
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        table, key_column = quote_name(self._table), quote_name("cache_key")
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""  # SQLite: the write lock
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote_name('value')}, {quote_name('expires')} FROM {table} WHERE {key_column} = %s{lock}",
                [key],
            )
            row = cursor.fetchone()
            if row is not None:
                expires = row[1]
                expression = models.Expression(output_field=models.DateTimeField())
                for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(
                    connection
                ):
                    expires = converter(expires, expression, connection)
            if row is None or expires < tz_now():
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode())) + delta
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET {quote_name('value')} = %s WHERE {key_column} = %s", [encoded, key])
        return value


def create_cache_tables(sender=None, using="default", verbosity=0, **kwargs) -> None:
    """post_migrate: create the database cache's table where it is missing (``createcachetable``, idempotent),
    so ``migrate`` (make run, the release step, the test database) leaves a working cache."""
    call_command("createcachetable", database=using, verbosity=0)
