"""A loopback stand-in for Amazon Athena with a DuckDB workgroup, for tests (Athena cannot be reached from here).

It speaks the Athena API as boto3 calls it (REST-JSON: ``POST /query-executions``, ``GET
/query-executions/{id}``, ``GET …/results``, ``POST …/stop``, ``GET /workgroups/{name}``), so the build reaches
it exactly as it reaches Athena: through ``AWS_ENDPOINT_URL_ATHENA``. Each query runs on a fresh DuckDB
connection (time zone UTC, one thread):

- ``?`` parameters are bound from ``ExecutionParameters``, each of which must be one constant (a literal or a
  typed literal such as ``DATE '2026-10-01'``), as Athena requires;
- ``'s3://…'`` paths in the SQL are read from the moto S3 server (copied to a local mirror once per ETag), and
  Glue tables (``"db"."table"``, from moto's Glue) are views over the objects under their location;
- results are written to the output location as ``<id>.csv`` (a header row, every value quoted as the text DuckDB
  writes for it, NULL as an empty unquoted field) and ``<id>.csv.metadata``; ``GetQueryResults`` pages them with
  a header row first and each column's DuckDB type;
- ``DataScannedInBytes`` is the size of every S3 object the query read (whole objects: an upper bound of what
  Athena, which reads only the columns and row groups it needs, would bill).

What it does not model: several workers, DPU sizing and billing, managed results and ``GetQueryResultStream``,
IAM, Lake Formation, workgroup limits, the real engine's DuckDB version and extensions, and the exact text of
Athena's own error messages (a failed query carries DuckDB's message). Tests steer it: ``throttle`` (the next
StartQueryExecution calls answer TooManyRequestsException), ``transient`` (the next queries fail with a
retryable system error), ``slow`` (queries containing a marker run for that many seconds unless stopped).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

MASK = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/", re.S)
S3_PATH = re.compile(r"'s3://([^'/]+)/((?:[^']|'')*)'")


@dataclass
class Execution:
    id: str
    sql: str
    workgroup: str
    database: str | None
    parameters: list[str]
    output: str
    state: str = "QUEUED"
    reason: str = ""
    error: dict[str, Any] | None = None
    scanned: int = 0
    columns: list[tuple[str, str]] = field(default_factory=list)
    rows: list[list[str | None]] = field(default_factory=list)
    submitted: float = field(default_factory=time.time)
    stopped: threading.Event = field(default_factory=threading.Event)


class AthenaStandIn:
    """The stand-in server; ``url`` is its endpoint once started."""

    def __init__(self, s3_endpoint: str, workgroups: dict[str, dict[str, Any]] | None = None) -> None:
        self.s3_endpoint = s3_endpoint
        self.workgroups = workgroups or {"reports": {"engine": "DuckDB", "output": None}}
        self.executions: dict[str, Execution] = {}
        self.throttle = 0  # the next StartQueryExecution calls refused as throttled
        self.throttled = 0
        self.transient = 0  # the next queries fail with a retryable system error
        self.slow: dict[str, float] = {}  # marker in the SQL → seconds it runs for
        self.stopped: list[str] = []  # ids StopQueryExecution was called for
        self.mirror = Path(tempfile.mkdtemp(prefix="athena-standin-"))
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.url = ""

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> str:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                stand_in._answer(self, "GET")

            def do_POST(self) -> None:
                stand_in._answer(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        shutil.rmtree(self.mirror, ignore_errors=True)  # the objects it copied from the S3 server

    def reset(self) -> None:
        with self.lock:
            self.executions.clear()
            self.stopped.clear()
            self.throttle = self.throttled = self.transient = 0
            self.slow.clear()

    @property
    def queries(self) -> list[str]:
        """The SQL of every query accepted, in order."""
        return [e.sql for e in sorted(self.executions.values(), key=lambda e: e.submitted)]

    # ------------------------------------------------------------------ HTTP

    def _answer(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urlparse(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = json.loads(handler.rfile.read(length) or b"{}") if length else {}
        parts = [unquote(p) for p in url.path.strip("/").split("/")]
        try:
            if method == "POST" and parts == ["query-executions"]:
                answer = self._start_query(body)
            elif method == "GET" and len(parts) == 2 and parts[0] == "query-executions":
                answer = {"QueryExecution": self._describe(self._execution(parts[1]))}
            elif method == "GET" and len(parts) == 3 and parts[2] == "results":
                answer = self._results(self._execution(parts[1]), parse_qs(url.query))
            elif method == "POST" and len(parts) == 3 and parts[2] == "stop":
                execution = self._execution(parts[1])
                self.stopped.append(execution.id)
                execution.stopped.set()
                if execution.state in ("QUEUED", "RUNNING"):
                    execution.state, execution.reason = "CANCELLED", "Query cancelled by user"
                answer = {}
            elif method == "GET" and len(parts) == 2 and parts[0] == "workgroups":
                answer = self._workgroup(parts[1])
            else:
                raise _Refused("UnknownOperationException", f"{method} {url.path} is not modelled", 404)
        except _Refused as exc:
            self._send(handler, exc.status, {"__type": exc.code, "message": exc.message}, exc.code)
            return
        self._send(handler, 200, answer)

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, answer: dict[str, Any], error: str = "") -> None:
        data = json.dumps(answer).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        if error:
            handler.send_header("x-amzn-ErrorType", error)
        handler.end_headers()
        handler.wfile.write(data)

    # ------------------------------------------------------------------ operations

    def _start_query(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if self.throttle > 0:
                self.throttle -= 1
                self.throttled += 1
                raise _Refused("TooManyRequestsException", "Rate exceeded")
        name = body.get("WorkGroup") or "primary"
        workgroup = self.workgroups.get(name)
        if workgroup is None:
            raise _Refused("InvalidRequestException", f"WorkGroup {name} is not found.")
        output = (body.get("ResultConfiguration") or {}).get("OutputLocation") or workgroup.get("output")
        if not output:
            raise _Refused("InvalidRequestException", "No output location provided. An output location is "
                                                        "required either through the Workgroup result "
                                                        "configuration setting or as an API input.")
        execution = Execution(str(uuid.uuid4()), body["QueryString"], name,
                              (body.get("QueryExecutionContext") or {}).get("Database"),
                              list(body.get("ExecutionParameters") or []), output.rstrip("/") + "/")
        with self.lock:
            self.executions[execution.id] = execution
        threading.Thread(target=self._run, args=(execution,), daemon=True).start()
        return {"QueryExecutionId": execution.id}

    def _execution(self, query_id: str) -> Execution:
        found = self.executions.get(query_id)
        if found is None:
            raise _Refused("InvalidRequestException", f"QueryExecution {query_id} was not found")
        return found

    def _describe(self, execution: Execution) -> dict[str, Any]:
        status: dict[str, Any] = {"State": execution.state, "SubmissionDateTime": execution.submitted}
        if execution.reason:
            status["StateChangeReason"] = execution.reason
        if execution.error:
            status["AthenaError"] = execution.error
        return {"QueryExecutionId": execution.id, "Query": execution.sql, "StatementType": "DML",
                "WorkGroup": execution.workgroup, "Status": status,
                "ResultConfiguration": {"OutputLocation": f"{execution.output}{execution.id}.csv"},
                "EngineVersion": {"SelectedEngineVersion": "DuckDB", "EffectiveEngineVersion": "DuckDB"},
                "Statistics": {"DataScannedInBytes": execution.scanned, "EngineExecutionTimeInMillis": 1}}

    def _results(self, execution: Execution, query: dict[str, list[str]]) -> dict[str, Any]:
        if execution.state != "SUCCEEDED":
            raise _Refused("InvalidRequestException", f"Query has not yet finished. Current state: {execution.state}")
        size = int((query.get("MaxResults") or ["1000"])[0])
        start = int((query.get("NextToken") or ["0"])[0])
        rows = [[name for name, _ in execution.columns], *execution.rows]  # a header row first, as Athena does
        page = rows[start:start + size]
        answer: dict[str, Any] = {"ResultSet": {
            "Rows": [{"Data": [{} if v is None else {"VarCharValue": v} for v in row]} for row in page],
            "ResultSetMetadata": {"ColumnInfo": [_column_info(name, kind) for name, kind in execution.columns]}}}
        if start + size < len(rows):
            answer["NextToken"] = str(start + size)
        return answer

    def _workgroup(self, name: str) -> dict[str, Any]:
        found = self.workgroups.get(name)
        if found is None:
            raise _Refused("InvalidRequestException", f"WorkGroup {name} is not found.")
        engine = found.get("engine", "DuckDB")
        configuration: dict[str, Any] = {"EngineVersion": {"SelectedEngineVersion": engine,
                                                           "EffectiveEngineVersion": engine}}
        if found.get("output"):
            configuration["ResultConfiguration"] = {"OutputLocation": found["output"]}
        return {"WorkGroup": {"Name": name, "State": "ENABLED", "Configuration": configuration}}

    # ------------------------------------------------------------------ running a query

    def _run(self, execution: Execution) -> None:
        execution.state = "RUNNING"
        seconds = max((s for marker, s in self.slow.items() if marker in execution.sql), default=0.0)
        if (seconds and execution.stopped.wait(seconds)) or execution.stopped.is_set():
            execution.state, execution.reason = "CANCELLED", "Query cancelled by user"
            return
        with self.lock:
            transient = self.transient > 0
            self.transient -= 1 if transient else 0
        if transient:
            self._fail(execution, "Internal error: the query could not be scheduled", category=1, retryable=True)
            return
        try:
            self._execute(execution)
        except _UserError as exc:
            self._fail(execution, str(exc), category=2, retryable=False)
            return
        except Exception as exc:  # DuckDB's own errors: the query's fault, with DuckDB's message
            self._fail(execution, str(exc), category=2, retryable=False)
            return
        execution.state = "SUCCEEDED"

    @staticmethod
    def _fail(execution: Execution, message: str, category: int, retryable: bool) -> None:
        execution.error = {"ErrorCategory": category, "ErrorType": 1000 if category == 1 else 1306,
                           "Retryable": retryable, "ErrorMessage": message}
        execution.reason = message
        execution.state = "FAILED"

    def _execute(self, execution: Execution) -> None:
        import duckdb

        sql = self._bound(execution.sql, execution.parameters)
        scanned: list[int] = []
        sql = S3_PATH.sub(lambda m: "'" + self._local(m.group(1), m.group(2).replace("''", "'"), scanned)
                          .replace("'", "''") + "'", sql)
        con = duckdb.connect(config={"threads": 1})  # one thread: rows a query leaves unordered come in one order
        try:
            con.execute("SET TimeZone = 'UTC'").fetchall()
            self._glue_views(con, sql, scanned)
            table = con.sql(sql).to_arrow_table()
            types = [str(t) for t in con.sql(sql).types] if table.num_columns else []
            con.register("result", table)
            texts = ", ".join(f"CAST(#{i + 1} AS VARCHAR)" for i in range(table.num_columns))
            rows = [list(row) for row in con.sql(f"SELECT {texts} FROM result").fetchall()] if texts else []
        finally:
            con.close()
        execution.columns = list(zip(table.column_names, types, strict=True))
        execution.rows = rows
        execution.scanned = sum(scanned)
        self._write_result(execution)

    def _bound(self, sql: str, parameters: list[str]) -> str:
        """Each ``?`` (outside strings and comments) replaced by its parameter, once proven a single constant."""
        import duckdb

        checker = duckdb.connect()
        try:
            for value in parameters:
                tree = json.loads(checker.execute("SELECT json_serialize_sql(?::VARCHAR)",
                                                  [f"SELECT {value}"]).fetchall()[0][0])
                if tree.get("error") or not _constant(tree["statements"][0]["node"]["select_list"]):
                    raise _UserError(f"INVALID_INPUT: execution parameter {value!r} must be a single constant")
        finally:
            checker.close()
        masked = MASK.sub(lambda m: " " * len(m.group(0)), sql)
        spots = [i for i, c in enumerate(masked) if c == "?"]
        if len(spots) != len(parameters):
            raise _UserError(f"INVALID_INPUT: the query has {len(spots)} parameters but {len(parameters)} values "
                             "were given")
        for spot, value in reversed(list(zip(spots, parameters, strict=True))):
            sql = f"{sql[:spot]}({value}){sql[spot + 1:]}"
        return sql

    def _local(self, bucket: str, key: str, scanned: list[int]) -> str:
        """A local copy of an S3 object (or of every object under a prefix ending in ``/``, as a glob)."""
        s3 = self._client("s3")
        if key.endswith("/") or not key:
            listed = s3.list_objects_v2(Bucket=bucket, Prefix=key).get("Contents", [])
            for item in listed:
                self._local(bucket, item["Key"], scanned)
            return str(self.mirror / bucket / key) + "**"
        head = s3.head_object(Bucket=bucket, Key=key)
        path = self.mirror / bucket / key
        marker = path.with_name(path.name + ".etag")
        if not (path.is_file() and marker.is_file() and marker.read_text() == head["ETag"]):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
            marker.write_text(head["ETag"])
        scanned.append(int(head["ContentLength"]))
        return str(path)

    def _glue_views(self, con: Any, sql: str, scanned: list[int]) -> None:
        """Glue tables the SQL names (``"db"."table"``) as views over local copies of their objects."""
        named = {pair for pair in re.findall(r'"([^"]+)"\s*\.\s*"([^"]+)"', MASK.sub("", sql))
                 if not pair[0].startswith("__rs_")}
        if not named:
            return
        glue = self._client("glue")
        for database, table in sorted(named):
            try:
                found = glue.get_table(DatabaseName=database, Name=table)["Table"]
            except Exception:  # not a Glue table: a column of an alias, say
                continue
            location = found["StorageDescriptor"]["Location"]
            bucket, _, prefix = location.removeprefix("s3://").partition("/")
            files = [self._local(bucket, item["Key"], scanned) for item in
                     self._client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix.rstrip("/") + "/")
                     .get("Contents", []) if item["Key"].endswith(".parquet")]
            listing = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{database}"').fetchall()
            con.execute(f'CREATE OR REPLACE VIEW "{database}"."{table}" AS SELECT * FROM read_parquet([{listing}], '
                        "hive_partitioning = true)").fetchall()

    def _write_result(self, execution: Execution) -> None:
        bucket, _, prefix = execution.output.removeprefix("s3://").partition("/")
        s3 = self._client("s3")
        s3.put_object(Bucket=bucket, Key=f"{prefix}{execution.id}.csv",
                      Body=result_csv([name for name, _ in execution.columns], execution.rows))
        s3.put_object(Bucket=bucket, Key=f"{prefix}{execution.id}.csv.metadata",
                      Body=json.dumps([_column_info(n, k) for n, k in execution.columns]).encode())

    def _client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, endpoint_url=self.s3_endpoint, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")


def result_csv(names: list[str], rows: list[list[str | None]]) -> bytes:
    """A result file: a header row, then every value quoted (the text DuckDB writes for it), NULL left empty."""
    def quoted(value: str | None) -> str:
        return "" if value is None else '"' + value.replace('"', '""') + '"'

    lines = [",".join(quoted(name) for name in names)] + [",".join(quoted(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def _column_info(name: str, kind: str) -> dict[str, Any]:
    info: dict[str, Any] = {"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": name, "Label": name,
                            "Type": kind, "Nullable": "UNKNOWN", "CaseSensitive": kind == "VARCHAR"}
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", kind)
    if decimal:
        info["Precision"], info["Scale"] = int(decimal.group(1)), int(decimal.group(2))
    return info


def _constant(select_list: list[dict[str, Any]]) -> bool:
    """A select list of one constant: a literal, a negative number or a typed literal (``DATE '…'``)."""
    if len(select_list) != 1:
        return False
    node = select_list[0]
    if node.get("class") == "CAST":
        node = node.get("child") or {}
    return node.get("class") == "CONSTANT"


class _Refused(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


class _UserError(Exception):
    """A query Athena refuses: the user's fault."""


__all__ = ["AthenaStandIn", "result_csv"]
