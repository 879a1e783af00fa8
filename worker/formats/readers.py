"""Import readers: turn an uploaded file into an iterator of task items.

Items are what Label Studio accepts: a task ``{"data": {...}, ...}`` or a bare data dict.
Readers stream (ijson for JSON files, line by line for JSONL/CSV/TSV) so memory stays flat.
"""
import csv
import io

import ijson
import orjson

from ..errors import ImportRejected

DATA_EXTENSIONS = {"json", "jsonl", "csv", "tsv"}


def sniff_format(filename, content_type=""):
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext in DATA_EXTENSIONS:
        return ext
    if "json" in (content_type or ""):
        return "json"
    return None


def read_items(stream, fmt):
    """Iterate items from a binary stream in ``fmt``. Raises ImportRejected naming the problem."""
    if fmt == "json":
        return _json_items(stream)
    if fmt == "jsonl":
        return _jsonl_items(stream)
    if fmt in ("csv", "tsv"):
        return _csv_items(stream, "\t" if fmt == "tsv" else ",")
    raise ImportRejected(f"unsupported import format {fmt!r}")


def _json_items(stream):
    if isinstance(stream, io.BytesIO):
        # Already in memory (a request body): one orjson parse beats streaming.
        yield from _parsed(stream.getvalue())
        return
    head = stream.read(1)
    while head and head.isspace():
        head = stream.read(1)
    if head == b"{":
        # A single task object, as Label Studio also accepts.
        rest = stream.read()
        try:
            yield orjson.loads(head + rest)
        except orjson.JSONDecodeError as exc:
            raise ImportRejected(f"the file is not valid JSON: {exc}") from exc
        return
    if head != b"[":
        raise ImportRejected("a JSON import must be a list of tasks (or one task object)")
    index = 0
    try:
        for index, item in enumerate(ijson.items(_Prepend(head, stream), "item", use_float=True)):
            yield item
    except ijson.JSONError as exc:
        raise ImportRejected(f"the file is not valid JSON after task {index}: {exc}") from exc


def _parsed(raw):
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ImportRejected(f"the body is not valid JSON: {exc}") from exc
    if isinstance(body, dict):
        yield body
    elif isinstance(body, list):
        yield from body
    else:
        raise ImportRejected("a JSON import must be a list of tasks (or one task object)")


class _Prepend:
    """Give back the byte we peeked at, then the rest of the stream."""

    def __init__(self, head, stream):
        self._head, self._stream = head, stream

    def read(self, n=-1):
        if n == 0:
            return b""  # ijson probes with read(0) to tell bytes from text
        if self._head:
            head, self._head = self._head, b""
            return head + (self._stream.read(n - 1) if n and n > 1 else b"")
        return self._stream.read(n)


def _jsonl_items(stream):
    for lineno, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            yield orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise ImportRejected(f"line {lineno} is not valid JSON: {exc}", index=lineno - 1) from exc


def _csv_items(stream, delimiter):
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    except UnicodeDecodeError as exc:
        raise ImportRejected("the file is not UTF-8 text") from exc
    if not header or any(not h.strip() for h in header):
        raise ImportRejected("the first row must name every column")
    if len(set(header)) != len(header):
        raise ImportRejected("column names in the first row must be unique")
    try:
        for i, row in enumerate(reader):
            if len(row) != len(header):
                raise ImportRejected(f"row has {len(row)} columns, the header has {len(header)}", index=i)
            yield dict(zip(header, row))
    except UnicodeDecodeError as exc:
        raise ImportRejected("the file is not UTF-8 text") from exc
