"""A lookup whose SQL is compiled once per process and database connection, then run with new
values.

Django turns a queryset into SQL on every evaluation. For a wide lookup (several tables joined
with select_related, a subquery) that compilation costs more CPU than the database spends
answering it: the link lookup every client page makes took about 4.8 ms of Python per call, of
which 3.8 ms was building the same SQL text again (docs/performance.md). A PreparedLookup builds
the queryset once with placeholder values, keeps the compiled SQL and the compiler's column map,
and each call only swaps the values in and lets Django's own model iterable build the instances
(select_related objects and annotations included), so what comes back is exactly what the
queryset would have returned.

Only for querysets whose SQL does not depend on the values (equality filters, no `__in` lists
whose length varies). Each value is a text or an integer column's; its placeholder (an unlikely
text, or an unlikely number within an integer column's range) must reach the query's
parameters unchanged.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable
from django.db.transaction import TransactionManagementError


class _Run:
    """What ModelIterable reads from a queryset, pointing at an already compiled query."""

    def __init__(self, queryset: QuerySet, compiler: Any) -> None:
        self.db = queryset.db
        self.model = queryset.model
        self._known_related_objects: dict = {}
        self.query = self
        self._compiler = compiler

    def get_compiler(self, using: str | None = None, **kwargs: Any) -> Any:
        return self._compiler


class _Compiled:
    def __init__(self, queryset: QuerySet, placeholders: dict[str, Any]) -> None:
        # Only what ModelIterable alone returns can be replayed: values(), prefetches and
        # the like run further code that a compiled query would skip.
        if queryset._iterable_class is not ModelIterable or queryset._prefetch_related_lookups:
            raise ValueError("a prepared lookup returns model instances, without prefetches")
        self.queryset = queryset
        self.compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            # Also fills the compiler's select list, related-object map and annotation columns,
            # which the model iterable reads after each run.
            self.sql, params = self.compiler.as_sql()
        except EmptyResultSet:
            # A filter that can never match (an empty __in list) leaves no SQL to replay.
            raise ValueError("a prepared lookup needs a query that can match rows") from None
        where = {value: name for name, value in placeholders.items()}
        self.params = tuple(params)
        self.slots = [(i, where[p]) for i, p in enumerate(self.params) if p in where]
        missing = set(placeholders) - {name for _i, name in self.slots}
        if missing:
            raise ValueError(f"placeholders not found in the compiled query: {sorted(missing)}")

    def run(self, values: dict[str, Any]) -> list[Model]:
        # Django checks this while compiling; a replay skips compiling, so check it here, as
        # Django does (a database without row locks, SQLite, has nothing to release early).
        connection = self.compiler.connection
        if (
            self.queryset.query.select_for_update
            and connection.features.has_select_for_update
            and connection.features.supports_transactions
            and connection.get_autocommit()
        ):
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = list(self.params)
        for i, name in self.slots:
            params[i] = values[name]
        compiler = copy.copy(self.compiler)
        sql, bound = self.sql, tuple(params)
        compiler.as_sql = lambda *args, **kwargs: (sql, bound)
        return list(ModelIterable(_Run(self.queryset, compiler)))  # type: ignore[arg-type]


class PreparedLookup:
    """`build(**placeholders)` returns the queryset; `rows(**values)` runs it with the values.
    The keywords name each value and its type (str or int).

    Compiled lazily, once per thread and database connection (the SQL differs between SQLite
    and PostgreSQL, and a compiler holds its connection)."""

    def __init__(self, build: Callable[..., QuerySet], **kinds: type) -> None:
        self._build = build
        self._kinds = kinds
        self._local = threading.local()

    def _compiled(self, alias: str) -> _Compiled:
        connection = connections[alias]
        cache: dict[int, _Compiled] = self._local.__dict__.setdefault("cache", {})
        found = cache.get(id(connection))
        if found is None or found.compiler.connection is not connection:
            placeholders = {
                name: f"\x00{name}:{id(self)}\x00" if kind is str else 2_000_000_011 + i
                for i, (name, kind) in enumerate(self._kinds.items())
            }
            found = _Compiled(self._build(**placeholders).using(alias), placeholders)
            cache[id(connection)] = found
        return found

    def rows(self, using: str = "default", **values: Any) -> list[Model]:
        return self._compiled(using).run(values)

    def first(self, using: str = "default", **values: Any) -> Model | None:
        found = self.rows(using, **values)
        return found[0] if found else None
