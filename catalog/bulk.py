"""Writing many rows at once: QuerySet.bulk_create's (and a bulk update's) outcome at a
fraction of its cost, for the library scan, the metadata refresh and the download monitor.

bulk_create prepares every value of every row through its field's methods and, on
PostgreSQL, sends each column as an array that psycopg builds in Python; django-fast-update
(used before for the updates) sends one VALUES list of bound parameters that psycopg adapts
one by one and, as a client-side query, splits at its placeholders, in Python too. A first
import of 10,000 books spent about 2 s writing its books, copies and author links that way,
a rescan of 10,000 retagged books 1.3 s updating them (bench/run.py --only library), and
the metadata refresh's own thread a fifth of its time in that split (py-spy). Here only
the values of columns that need it are prepared by their field (dates, JSON); text,
numbers, booleans and foreign keys go to the driver as they are.

- PostgreSQL: rows by COPY (psycopg, in C); new rows' ids drawn from the table's sequence
  first; an update is one UPDATE from a temporary table the rows were copied into.
- SQLite: one executemany (in C); new rows' ids read back in the same transaction (its
  writer holds the database until the commit: the newest ids are these rows').

Like bulk_create: no save(), no signals. The site runs on these two databases only
(audiobook_site/env.py refuses any other at start-up).
"""

import functools
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import (
    AutoField,
    BigAutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    EmailField,
    IntegerField,
    PositiveBigIntegerField,
    PositiveIntegerField,
    PositiveSmallIntegerField,
    SlugField,
    SmallAutoField,
    SmallIntegerField,
    TextField,
    URLField,
)

# Fields whose Python value (str, int, bool or None) is what the database stores: the
# driver takes it as it is. Exact types: a subclass may prepare its values its own way.
AS_IS = {
    AutoField, BigAutoField, BigIntegerField, BooleanField, CharField, EmailField,
    IntegerField, PositiveBigIntegerField, PositiveIntegerField, PositiveSmallIntegerField,
    SlugField, SmallAutoField, SmallIntegerField, TextField, URLField,
}  # fmt: skip


def new(model, **values):
    """model(**values), an unsaved instance with every other field its default, made by
    Model.__init__'s positional path (which does not look for each field among the
    keywords) from the model's defaults worked out once (_defaults): a callable default
    (a list, now()) is called for each instance, as the model would. A foreign key may be
    given by its object (series=...) or by its id (series_id=...)."""
    template, places, callables = _defaults(model)
    args = list(template)
    for name, place, default in callables:
        if name not in values:
            args[place] = default()
    related = {}
    for name, value in values.items():
        try:
            place, by_object = places[name]
        except KeyError:
            raise TypeError(f"{model.__name__} has no field {name}") from None
        if by_object:
            related[name] = value
            value = None
        args[place] = value
    obj = model(*args)
    for name, value in related.items():
        setattr(obj, name, value)  # through the descriptor: checked, and kept on obj
    return obj


@functools.cache
def _defaults(model):
    """(each concrete field's default as Model.__init__ takes it, {name: (place, given by
    object)}, [(name, place, callable default)]): a field's default looked up for each new
    book was a third of making it."""
    template, places, callables = [], {}, []
    for place, field in enumerate(model._meta.concrete_fields):
        places[field.attname] = (place, False)
        if field.is_relation:
            places[field.name] = (place, True)
        if field.has_default() and callable(field.default):
            callables.append((field.attname, place, field.default))
            template.append(None)
        else:
            template.append(field.get_default())
    return tuple(template), places, tuple(callables)


def insert(objs):
    """Write these new instances of one model; each gets its pk (pk None), or is written
    with the one draw_ids() gave it. -> objs."""
    objs = list(objs)
    if not objs:
        return objs
    model, names, rows = rows_of(objs)
    written(objs, insert_rows(model, names, rows, with_ids=objs[0].pk is None))
    return objs


def written(objs, ids=None):
    """New rows just written (or handed to a Behind): each gets its id when `ids` gives
    them, and model instances are no longer new (a row of plain values has no state)."""
    for obj, pk in zip(objs, ids, strict=True) if ids else ():
        obj.pk = pk
    if objs and hasattr(objs[0], "_state"):
        alias = router.db_for_write(type(objs[0]))
        for obj in objs:
            obj._state.adding, obj._state.db = False, alias


def rows_of(objs):
    """(model, field names, rows) of new instances of one model, as insert_rows takes them:
    their values now (a foreign key's: the id, from the object when it was saved since),
    with their ids when draw_ids gave them some."""
    model = type(objs[0])
    meta = model._meta
    drawn = objs[0].pk is not None
    if any((obj.pk is not None) != drawn for obj in objs):
        raise ValueError(f"{model.__name__}: some rows have ids drawn, others not")
    fields = [field for field in meta.concrete_fields if drawn or field is not meta.pk]
    columns = [_values(field, objs) for field in fields]
    return model, [field.attname for field in fields], list(zip(*columns, strict=True))


def draws_ids(model):
    """Can new rows of this model get their ids before they are written (draw_ids)? On
    PostgreSQL (a sequence); not on SQLite, whose ids are given as rows are inserted."""
    return connections[router.db_for_write(model)].vendor == "postgresql"


def draw_ids(model, count):
    """`count` new ids for rows of this model, taken from its sequence now (PostgreSQL):
    rows can then refer to each other before any is written."""
    if not count:
        return []
    meta, alias = model._meta, router.db_for_write(model)
    with connections[alias].cursor() as cursor:
        cursor.execute(
            # The sequence looked up once (a call per row cost six times the nextvals).
            "SELECT nextval(s.seq) FROM generate_series(1, %s), "
            "(SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq OFFSET 0) AS s",
            [count, meta.db_table, meta.pk.column],
        )
        return [pk for (pk,) in cursor.fetchall()]


def read_rows(queryset):
    """The rows of a values_list() queryset as the driver returns them: Django's SQL,
    without its per-row iteration (half the time of reading the shelf's 10,000 copies).
    For plain columns only: no converter of a field is applied (a SQLite boolean is 0/1, a
    date its text)."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def insert_rows(model, names, rows, with_ids=False):
    """Write new rows of a model given as tuples of these fields' values (a foreign key's:
    the id). -> their ids, in order, when asked (else None: the links of a many-to-many
    relation, that no one reads by id)."""
    rows = list(rows)
    if not rows:
        return [] if with_ids else None
    alias = router.db_for_write(model)
    fields = [model._meta.get_field(name) for name in names]
    return _write(alias, model, fields, _prepared_rows(fields, rows, alias), with_ids)


def update(objs, names):
    """Save these fields (by name; a foreign key's: its id) of existing instances of one
    model, in a few queries whatever their number (update_rows)."""
    objs = list(objs)
    if objs:
        update_rows(type(objs[0]), names, update_rows_of(objs, names))


def update_rows_of(objs, names):
    """[(pk, value, ...)] of these fields of instances of one model, as update_rows takes
    them (a foreign key's value: its id)."""
    meta = type(objs[0])._meta
    columns = [meta.get_field(name).attname for name in names]
    return [(obj.pk, *(getattr(obj, column) for column in columns)) for obj in objs]


def update_rows(model, names, rows):
    """Set these fields of existing rows, given as (pk, value, ...) tuples (a foreign key's
    value: the id)."""
    rows = list(rows)
    if not rows:
        return
    alias = router.db_for_write(model)
    connection, meta = connections[alias], model._meta
    fields = [meta.get_field(name) for name in names]
    rows = _prepared_rows([meta.pk, *fields], rows, alias)
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    columns = [quote(field.column) for field in fields]
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            sets = ", ".join(f"{column} = %s" for column in columns)
            moved = [(*values, pk_value) for pk_value, *values in rows]  # the id goes last
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE {pk} = %s", moved)
            return
        staged = quote(f"bulk_update_{meta.db_table}")
        listed = ", ".join([pk, *columns])
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staged} AS SELECT {listed} FROM {table} WITH NO DATA"
        )
        _copy_rows(cursor, f"COPY {staged} ({listed}) FROM STDIN", rows)
        sets = ", ".join(f"{column} = {staged}.{column}" for column in columns)
        cursor.execute(
            f"UPDATE {table} SET {sets} FROM {staged} WHERE {table}.{pk} = {staged}.{pk}"
        )
        cursor.execute(f"DROP TABLE {staged}")


def _write(alias, model, fields, rows, with_ids):
    connection = connections[alias]
    with transaction.atomic(using=alias, savepoint=False):
        return WRITERS[connection.vendor](connection, model._meta, fields, rows, with_ids)


def _values(field, objs):
    """A column's values for these objects (not yet prepared for the driver)."""
    if field.is_relation:  # a foreign key: the id, from the object when it was saved since
        return [_related_id(field, obj) for obj in objs]
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return [field.pre_save(obj, True) for obj in objs]
    return [getattr(obj, field.attname) for obj in objs]


def _prepared(field, values, connection):
    """Values of a field ready for the driver: as they are, or prepared by the field (each
    distinct value once: a chunk's rows share their dates)."""
    if type(field.target_field if field.is_relation else field) in AS_IS:
        return values
    done = {}

    def prepared(value):
        try:
            key = (type(value), value)  # by type too: 1 and True are one key, not one JSON
            if key not in done:
                done[key] = field.get_db_prep_save(value, connection)
            return done[key]
        except TypeError:  # unhashable (a JSON list or dict): prepared each time
            return field.get_db_prep_save(value, connection)

    return [prepared(value) for value in values]


def _prepared_rows(fields, rows, alias):
    columns = zip(*rows, strict=True)
    connection = connections[alias]
    prepared = [_prepared(f, list(c), connection) for f, c in zip(fields, columns, strict=True)]
    return list(zip(*prepared, strict=True))


def _related_id(field, obj):
    value = getattr(obj, field.attname)
    if value is None and field.is_cached(obj):
        related = field.get_cached_value(obj)
        if related is not None:
            if related.pk is None:  # as Model.save() refuses it
                raise ValueError(
                    f"{field.model.__name__}.{field.name}: the related "
                    f"{type(related).__name__} is not saved yet."
                )
            value = related.pk
            setattr(obj, field.attname, value)
    return value


def _copy(connection, meta, fields, rows, with_ids):
    names = [connection.ops.quote_name(f.column) for f in fields]
    table = connection.ops.quote_name(meta.db_table)
    ids = draw_ids(meta.model, len(rows)) if with_ids else None
    if with_ids:
        names.insert(0, connection.ops.quote_name(meta.pk.column))
        rows = ((pk, *row) for pk, row in zip(ids, rows, strict=True))
    with connection.cursor() as cursor:
        _copy_rows(cursor, f"COPY {table} ({', '.join(names)}) FROM STDIN", rows)
    return ids


def _copy_rows(cursor, sql, rows):
    # Counted with the queries Django counts (a debug cursor logs them; the COPY is
    # psycopg's, under it).
    logged = cursor.debug_sql(sql) if hasattr(cursor, "debug_sql") else nullcontext()
    with logged, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _executemany(connection, meta, fields, rows, with_ids):
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table, pk = connection.ops.quote_name(meta.db_table), connection.ops.quote_name(meta.pk.column)
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        if not with_ids:
            return None
        # Within this transaction no one else writes, and new ids only grow (AUTOINCREMENT).
        cursor.execute(f"SELECT {pk} FROM {table} ORDER BY {pk} DESC LIMIT %s", [len(rows)])
        return [pk for (pk,) in reversed(cursor.fetchall())]


WRITERS = {"postgresql": _copy, "sqlite": _executemany}


class Behind:
    """Writes run by a thread of their own, with its own connection, one after another,
    while the caller goes on: the caller is at most one write ahead. A write's error is
    raised in the caller by the next run() or wait().

    What the database does with a chunk of a library import (the COPYs parsed and indexed,
    the foreign keys checked at the commit) kept the scan waiting for a fifth of its time;
    written behind, it is done while the scan matches the next chunk. Only where rows can
    get their ids before they are written (draws_ids) and the caller is in no transaction
    of its own, whose rows the writer's connection could not see (usable()). The writer's
    queries are added to the caller connection's log when it keeps one (a query count sees
    them: tests, benchmarks).
    """

    def __init__(self, alias=DEFAULT_DB_ALIAS):
        self.alias = alias
        self._caller = connections[alias]
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="bulk-writer")
        self._pending = None

    @staticmethod
    def usable(model):
        alias = router.db_for_write(model)
        return draws_ids(model) and not connections[alias].in_atomic_block

    def run(self, write, *args, **kwargs):
        """write(*args, **kwargs) in the writer's thread, in a transaction, after the last."""
        self.wait()
        self._pending = self._thread.submit(self._write, write, args, kwargs)

    def wait(self):
        """Until what was given is written; its error, if it failed, raised here."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self):
        """Wait for the last write, then end the thread and its connection."""
        try:
            self.wait()
        finally:
            self._thread.submit(lambda: connections[self.alias].close()).result()
            self._thread.shutdown(wait=True)

    def _write(self, write, args, kwargs):
        own = connections[self.alias]
        own.force_debug_cursor = self._caller.force_debug_cursor
        try:
            with transaction.atomic(using=self.alias):
                write(*args, **kwargs)
        finally:
            self._caller.queries_log.extend(own.queries_log)
            own.queries_log.clear()
