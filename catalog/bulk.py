"""Writing many new rows at once: QuerySet.bulk_create's outcome, at a fraction of its cost.

bulk_create prepares every value of every row through its field's methods and, on
PostgreSQL, sends each column as an array that psycopg builds in Python: writing the
10,000 books of a first import, their copies and author links took it about 2 s of the
import's 9 (bench/run.py --only library). Here only the values of columns that need it are
prepared by their field (dates, JSON); text, numbers, booleans and foreign keys go to the
driver as they are. PostgreSQL takes the rows by COPY (psycopg, in C) with their ids drawn
from the table's sequence first; SQLite by one executemany, its ids read back in the same
transaction (its writer holds the database until the commit: the newest ids are these
rows'). Other databases: bulk_create.

Like bulk_create: no save(), no signals; each object gets its pk.
"""

from contextlib import nullcontext

from django.db import connections, router, transaction
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


def insert(objs):
    """Write these new instances of one model (pk None); each gets its pk. -> objs."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor not in WRITERS:
        return model._default_manager.db_manager(alias).bulk_create(objs)
    fields = [field for field in model._meta.concrete_fields if field is not model._meta.pk]
    columns = [_column_values(field, objs, connection) for field in fields]
    ids = _write(alias, model, fields, list(zip(*columns, strict=True)), with_ids=True)
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, alias
    return objs


def insert_rows(model, names, rows):
    """Write new rows of a model given as tuples of these fields' values (ids, text, numbers:
    what the driver takes as it is), when no one needs their ids (the links of a
    many-to-many relation)."""
    rows = list(rows)
    if not rows:
        return
    alias = router.db_for_write(model)
    fields = [model._meta.get_field(name) for name in names]
    if connections[alias].vendor not in WRITERS:
        objs = [model(**dict(zip(names, row, strict=True))) for row in rows]
        model._default_manager.db_manager(alias).bulk_create(objs)
        return
    _write(alias, model, fields, rows, with_ids=False)


def _write(alias, model, fields, rows, with_ids):
    connection = connections[alias]
    with transaction.atomic(using=alias, savepoint=False):
        return WRITERS[connection.vendor](connection, model._meta, fields, rows, with_ids)


def _column_values(field, objs, connection):
    """A column's values for these objects, ready for the driver."""
    if field.is_relation:  # a foreign key: the id, from the object when it was saved since
        values, kind = [_related_id(field, obj) for obj in objs], type(field.target_field)
    elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        values, kind = [field.pre_save(obj, True) for obj in objs], None
    else:
        values, kind = [getattr(obj, field.attname) for obj in objs], type(field)
    if kind in AS_IS:
        return values
    return [field.get_db_prep_save(value, connection) for value in values]


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
    ids = None
    with connection.cursor() as cursor:
        if with_ids:
            cursor.execute(
                # The sequence looked up once (a call per row cost six times the nextvals).
                "SELECT nextval(s.seq) FROM generate_series(1, %s), "
                "(SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq OFFSET 0) AS s",
                [len(rows), meta.db_table, meta.pk.column],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
            names.insert(0, connection.ops.quote_name(meta.pk.column))
            rows = ((pk, *row) for pk, row in zip(ids, rows, strict=True))
        sql = f"COPY {table} ({', '.join(names)}) FROM STDIN"
        # Counted with the queries Django counts (a debug cursor logs them; the COPY is
        # psycopg's, under it).
        logged = cursor.debug_sql(sql) if hasattr(cursor, "debug_sql") else nullcontext()
        with logged, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    return ids


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
