"""The engine that runs a report's SQL on Amazon Athena's DuckDB engine: same SQL, results read back as Arrow.

Every statement the session runs (items, checks, ``as_of``, filter options, ``for_each`` values, one-pass
statements) is submitted to the report's workgroup (``athena_client``) as the text of ``athena_sql``; its result
file is read back through the local DuckDB (``athena_results``), so the Arrow is the Arrow a local run gives.

The local DuckDB holds, for each table of the report, an empty table with the columns Athena sees
(``DESCRIBE`` on Athena, once per table): a query's result columns are found by binding it there (nothing is
submitted for that), and batched results that pages read a chunk at a time are kept there.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from typing import Any

from reportsite.query import athena_results, athena_sql, batch, pivots
from reportsite.query.athena_client import Finished, Submitter
from reportsite.query.duckdb_engine import guarded
from reportsite.query.engine import EngineError
from reportsite.query.sqltext import mask

RESULT = f"{batch.PREFIX}athena_result"


class AthenaEngine:
    """A report's engine on Athena; ``s3`` reads the result files (a boto3 S3 client)."""

    name = "athena"
    low_footprint = False

    def __init__(self, submitter: Submitter, s3: Any, con: Any, timeout: float | None = None) -> None:
        self.submitter = submitter
        self.s3 = s3
        self.con = con  # the local locked DuckDB (see the module's docstring)
        self.timeout = timeout
        self.relations: dict[str, str] = {}  # table → what Athena reads for it (read_parquet(…), "db"."t")
        self._names = itertools.count()

    @property
    def local(self) -> Any:
        return self.con

    def register(self, table: str, relation: str) -> None:
        """Make ``table`` (read on Athena as ``relation``) known: its columns as Athena sees them, as an empty
        local table. Call before the local connection is locked."""
        finished = self._run(f"DESCRIBE SELECT * FROM {relation}", [])
        with guarded(self.con, None):
            described = self.con.sql(self._result(finished)).fetchall()
        columns = ", ".join(f"{batch.quoted(str(row[0]))} {row[1]}" for row in described)
        with guarded(self.con, None):
            self.con.execute(f"CREATE TABLE {batch.quoted(table)} ({columns})").fetchall()
        self.relations[table] = relation

    def columns(self, sql: str, params: Mapping[str, Any] | None) -> list[str] | None:
        if pivots.insertions(sql):
            return None  # a dynamic PIVOT's columns are its data's values
        try:
            with guarded(self.con, self.timeout):
                return list(self.con.sql(sql, params=params or None).columns)
        except EngineError:
            return None  # a function only Athena has, say: only running it tells

    def table(self, sql: str, params: Mapping[str, Any] | None, limit: int | None = None,
              values: Any = None) -> Any:
        import pyarrow as pa

        parts = []
        for finished in self._submit(sql, params, values):
            text = self._result(finished, limit)
            with guarded(self.con, self.timeout):
                parts.append(self.con.sql(text).to_arrow_table())
        return parts[0] if len(parts) == 1 else pa.concat_tables(parts)

    def reader(self, sql: str, params: Mapping[str, Any] | None, batch_rows: int) -> Iterator[Any]:
        name = f"{batch.PREFIX}stream_{next(self._names)}"
        self.store(name, sql, params, None)
        return self._stored_batches(name, batch_rows)

    def _stored_batches(self, name: str, batch_rows: int) -> Iterator[Any]:
        try:
            with guarded(self.con, self.timeout):
                reader = self.con.sql(f"SELECT * FROM {batch.quoted(name)}").to_arrow_reader(batch_rows)
                yield reader.schema
                yield from reader
        finally:
            self.drop_local(name)

    def store(self, name: str, sql: str, params: Mapping[str, Any] | None, values: Any) -> None:
        for number, finished in enumerate(self._submit(sql, params, values)):
            text = self._result(finished)
            with guarded(self.con, self.timeout):
                verb = f"CREATE OR REPLACE TEMP TABLE {batch.quoted(name)} AS" if number == 0 else \
                    f"INSERT INTO {batch.quoted(name)}"
                self.con.execute(f"{verb} {text}").fetchall()
            self._unregister()

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """A ``DESCRIBE`` is answered by the local tables (they have Athena's columns); the rest runs on Athena."""
        if sql.lstrip().upper().startswith("DESCRIBE "):
            with guarded(self.con, self.timeout):
                return list(self.con.sql(sql).fetchall())
        (finished,) = self._submit(sql, None, None)
        text = self._result(finished)
        with guarded(self.con, self.timeout):
            return list(self.con.sql(text).fetchall())

    def read_local(self, sql: str) -> Any:
        with guarded(self.con, self.timeout):
            return self.con.sql(sql).to_arrow_table()

    def drop_local(self, name: str) -> None:
        try:
            self.con.execute(f"DROP TABLE IF EXISTS {batch.quoted(name)}").fetchall()
        except Exception:  # a connection already closed keeps nothing
            return

    def lower_footprint(self) -> bool:
        return False  # Athena sizes its own workers

    def close(self) -> None:
        self.con.close()

    # ------------------------------------------------------------------ submitting

    def _submit(self, sql: str, params: Mapping[str, Any] | None, values: Any) -> list[Finished]:
        """Run the statement (in as few statements as Athena takes, for a long values table)."""
        text, ordered = athena_sql.positional(sql, params)
        literals = [athena_sql.literal(value) for value in ordered]
        with guarded(self.con, self.timeout):
            athena_sql.prove(self.con, literals, ordered)
        used = {name: relation for name, relation in self.relations.items() if _mentions(sql, name)}
        if values is None:
            return [self._run(athena_sql.with_tables(text, used), literals)]
        room = athena_sql.MAX_TEXT - len(athena_sql.with_tables(text, used).encode()) - athena_sql.HEADROOM
        finished = []
        for part in athena_sql.chunks(values, room):
            cte, shown, raw = athena_sql.values_cte(part)
            with guarded(self.con, self.timeout):
                athena_sql.prove(self.con, shown, raw)
            finished.append(self._run(athena_sql.with_tables(text, used, [cte]), literals))
        return finished

    def _run(self, text: str, literals: list[str]) -> Finished:
        if len(text.encode()) > athena_sql.MAX_TEXT:
            raise EngineError(f"the statement is {len(text.encode()):,} bytes long, more than the "
                              f"{athena_sql.MAX_TEXT:,} Athena takes (a source of very many files reads better "
                              "as a Glue table)", plain=True)
        return self.submitter.run(text, literals, self.timeout)

    def _result(self, finished: Finished, limit: int | None = None) -> str:
        """A SELECT on the local DuckDB that reads the finished query's result, typed as Athena typed it (the
        result file is registered as ``RESULT`` for one reading)."""
        if not finished.output.startswith("s3://"):
            raise EngineError("the workgroup keeps query results itself (managed query results), which the build "
                              "cannot read as files: set athena.output_location to an S3 prefix of your own",
                              plain=True)
        columns = athena_results.column_types(self.submitter.athena, finished.id)
        bucket, key = _split(finished.output)
        try:
            body = self.s3.get_object(Bucket=bucket, Key=key)["Body"]
        except Exception as exc:  # an S3 client error of any kind: one line
            raise EngineError(f"the result file {finished.output} cannot be read: {exc}", plain=True) from None
        self._unregister()
        with guarded(self.con, self.timeout):
            self.con.register(RESULT, athena_results.text_batches(body, len(columns), limit))
        return athena_results.typed_select(RESULT, columns)

    def _unregister(self) -> None:
        try:
            self.con.unregister(RESULT)
        except Exception:  # nothing registered
            return


def _mentions(sql: str, name: str) -> bool:
    """Whether ``sql`` may read the table ``name`` (its name appears outside strings and comments)."""
    return re.search(rf'(?<![\w$])"?{re.escape(name)}"?(?!\w)', mask(sql), re.I) is not None


def _split(url: str) -> tuple[str, str]:
    bucket, _, key = url.removeprefix("s3://").partition("/")
    return bucket, key


__all__ = ["AthenaEngine"]
