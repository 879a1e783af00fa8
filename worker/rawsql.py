"""SQLAlchemy statements compiled once per dialect and run straight on a DBAPI cursor.

For the two requests annotators make all day (``services/hot_path.py``). There the SQL
itself takes microseconds, while the ORM session, its events and the per-statement
execution context took most of each request: of about 7,400 Python calls per next +
submit, about 4,400 went away by running the same statements here.
The statements stay SQLAlchemy expressions, defined once and shared with the general
code, so both dialects get the same SQL the rest of the service runs; only the execution
is done here. Bind and result conversions (SQLite keeps datetimes as text, booleans as
integers) use the column types' own processors, so values read and written here are the
ones the ORM would read and write.
"""
import contextlib

from .extensions import db, write_queue_of


def _default_of(default):
    if default.is_callable:
        return lambda: default.arg(None)  # SQLAlchemy wraps plain callables to take a context
    return lambda: default.arg


class Record:
    """A result row with attribute access, like the ORM object it stands in for."""

    def __init__(self, values):
        self.__dict__.update(values)


class RawStatement:
    """A Core statement, compiled per dialect on first use."""

    def __init__(self, stmt):
        self.stmt = stmt
        self._compiled = {}

    def _for(self, dialect):
        hit = self._compiled.get(dialect.name)
        if hit is None:
            compiled = self.stmt.compile(dialect=dialect)
            binds, defaults = {}, {}
            for name, bind in compiled.binds.items():
                proc = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if proc is not None:
                    binds[name] = proc
                if not bind.required:  # a literal of the expression, e.g. "train_every > 0"
                    defaults[name] = bind.value
            # Python-side column defaults (``onupdate=utcnow``), computed per execution as
            # SQLAlchemy's execution context would.
            prefetch = [(c.key, _default_of(c.onupdate if c in compiled.update_prefetch else c.default))
                        for c in (*compiled.insert_prefetch, *compiled.update_prefetch)]
            order = list(compiled.positiontup) if compiled.positional else None
            results = None
            if hasattr(self.stmt, "selected_columns"):
                results = [(c.key, c.type.dialect_impl(dialect).result_processor(dialect, None))
                           for c in self.stmt.selected_columns]
            hit = self._compiled[dialect.name] = (compiled.string, order, binds, results, defaults, prefetch)
        return hit

    def execute(self, tx, params=None):
        """Run with ``params`` (a dict keyed by bind name); returns the DBAPI cursor."""
        sql, order, procs, _, defaults, prefetch = self._for(tx.dialect)
        params = {**defaults, **(params or {})}
        for key, make in prefetch:
            if params.get(key) is None:
                params[key] = make()
        for key, proc in procs.items():
            if key in params:
                params[key] = proc(params[key])
        tx.cursor.execute(sql, [params[name] for name in order] if order is not None else params)
        return tx.cursor

    def first(self, tx, params=None):
        """The first row as a Record (types converted as the ORM would), or None."""
        return self.result(tx, self.execute(tx, params)).first()

    def returns_rows(self, dialect):
        return self._for(dialect)[3] is not None

    def result(self, tx, cursor):
        return Result(cursor, self._for(tx.dialect)[3])


class Result:
    """Rows of a select, converted by the columns' result processors."""

    def __init__(self, cursor, columns):
        self.cursor, self.columns = cursor, columns

    def _convert(self, row):
        return [proc(value) if proc else value for (_, proc), value in zip(self.columns, row)]

    def first(self):
        row = self.cursor.fetchone()
        if row is None:
            return None
        return Record(dict(zip((key for key, _ in self.columns), self._convert(row))))

    def all(self):
        return [tuple(self._convert(row)) for row in self.cursor.fetchall()]


class RawSession:
    """The slice of ``Session`` the labeling stream uses (``execute(...).first()/.all()`` and
    ``get_bind()``) over a raw transaction, so ``services.stream`` runs unchanged on the hot path."""

    # id(statement) -> RawStatement: the stream's statements are module constants.
    _statements = {}
    MAX_CACHED = 256

    def __init__(self, tx, engine):
        self.tx, self.engine = tx, engine

    def get_bind(self):
        return self.engine

    def execute(self, stmt, params=None):
        raw = self._statements.get(id(stmt))
        if raw is None or raw.stmt is not stmt:
            if len(self._statements) >= self.MAX_CACHED:
                # A caller building statements per call would grow the cache without end.
                self._statements.clear()
            raw = self._statements[id(stmt)] = RawStatement(stmt)
        cursor = raw.execute(self.tx, params)
        return raw.result(self.tx, cursor) if raw.returns_rows(self.tx.dialect) else cursor


class Transaction:
    __slots__ = ("cursor", "dialect")

    def __init__(self, cursor, dialect):
        self.cursor, self.dialect = cursor, dialect

    @property
    def sqlite(self):
        return self.dialect.name == "sqlite"


@contextlib.contextmanager
def connection():
    """A pooled DBAPI connection for one request. On SQLite statements outside ``write``
    run in autocommit (each one is atomic; the reads here need no common snapshot)."""
    engine = db.engine
    fairy = engine.raw_connection()
    try:
        yield _Connection(fairy, engine)
    finally:
        fairy.close()  # back to the pool, which rolls back anything left open


class _Connection:
    def __init__(self, fairy, engine):
        self.fairy, self.engine = fairy, engine
        self.dbapi = fairy.dbapi_connection
        self.dialect = engine.dialect
        self.read = Transaction(self.dbapi.cursor(), self.dialect)

    def end_read(self):
        """MariaDB opened a transaction for the reads; end it before writing."""
        if not self.read.sqlite:
            self.dbapi.commit()

    @contextlib.contextmanager
    def write(self):
        """A write transaction that takes the write lock first, as ``db.writing()`` does:
        SQLite ``BEGIN IMMEDIATE`` behind the process-wide write queue; MariaDB an ordinary
        transaction (callers lock the project row, see ``stream.serialise``)."""
        queue = write_queue_of(self.engine) if self.read.sqlite else None
        if queue is not None:
            queue.acquire()
        try:
            if self.read.sqlite:
                self.dbapi.execute("BEGIN IMMEDIATE")
            try:
                yield self.read
                self.dbapi.commit()
            except BaseException:
                self.dbapi.rollback()
                raise
        finally:
            if queue is not None:
                queue.release()
