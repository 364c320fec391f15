"""Ingest: find input files, read them safely, and yield raw documents.

Formats: `.txt`, `.html`/`.htm`, `.jsonl`, `.warc`/`.warc.gz`, and gzip of any
of them. Bad input never stops a batch: it becomes a `QuarantineEntry` naming
the file (and line or record) and the reason.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from kabar.model import DocFormat, QuarantineEntry, RawDocument

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
TEXT_SUFFIXES = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html"}
SUPPORTED = (".txt", ".text", ".html", ".htm", ".jsonl", ".warc")
# Share of control characters above which a file is binary, not text.
MAX_CONTROL_SHARE = 0.01

Item = RawDocument | QuarantineEntry
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def discover(paths: Iterable[str]) -> Iterator[str | QuarantineEntry]:
    """Input files under `paths`, recursively, in a stable order."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for name in sorted(files):
                    if not name.startswith(".") and _inner_suffix(name) in SUPPORTED:
                        yield str(Path(root) / name)
        elif path.is_file():
            yield given
        else:
            yield QuarantineEntry(given, "no such file or folder")


def _inner_suffix(name: str) -> str:
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    return os.path.splitext(lower)[1]


def read(source: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Item]:
    """Raw documents (or quarantine entries) from one input file."""
    try:
        size = os.path.getsize(source)
        if size == 0:
            yield QuarantineEntry(source, "empty file")
            return
        if size > max_bytes:
            yield QuarantineEntry(source, "file too large", f"{size} bytes > limit {max_bytes}")
            return
        with open(source, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        yield QuarantineEntry(source, "cannot read file", exc.strerror or str(exc))
        return
    suffix = _inner_suffix(source)
    if source.lower().endswith(".gz") and suffix != ".warc":
        try:
            data = _gunzip(data, max_bytes)
        except (OSError, EOFError, zlib.error, ValueError) as exc:
            yield QuarantineEntry(source, "broken gzip", str(exc))
            return
        if not data:
            yield QuarantineEntry(source, "empty file", "nothing inside the gzip")
            return
    site_key = str(Path(source).parent)
    if suffix == ".warc":
        yield from _read_warc(source, data, site_key)
    elif suffix == ".jsonl":
        yield from _read_jsonl(source, data, site_key)
    else:
        fmt: DocFormat = "html" if TEXT_SUFFIXES.get(suffix) == "html" else "txt"
        text = decode(data)
        if isinstance(text, str):
            if not text.strip():
                yield QuarantineEntry(source, "empty file", "only whitespace")
            else:
                yield RawDocument(source=source, body=text, format=fmt, site_key=site_key)
        else:
            yield QuarantineEntry(source, text[0], text[1])


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    # Read in pieces so a gzip bomb stops at the size limit.
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
        while chunk := gz.read(1 << 20):
            out.write(chunk)
            if out.tell() > max_bytes:
                raise ValueError(f"decompressed size over limit {max_bytes}")
    return out.getvalue()


def decode(data: bytes) -> str | tuple[str, str]:
    """Text from bytes, or (reason, detail) when the bytes are not text.

    UTF-8 is tried first because nearly everything is UTF-8 and charset
    detection is slow; charset-normalizer decides for the rest.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ("binary file", "contains NUL bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            return ("undecodable text", "no character encoding fits these bytes")
        text = str(best)
    controls = len(_CONTROL.findall(text, 0, 20000))
    if controls > MAX_CONTROL_SHARE * min(len(text), 20000):
        return ("binary file", f"{controls} control characters")
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def _read_jsonl(source: str, data: bytes, site_key: str) -> Iterator[Item]:
    text = decode(data)
    if not isinstance(text, str):
        yield QuarantineEntry(source, text[0], text[1])
        return
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{source}#{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield QuarantineEntry(where, "broken JSON line", f"line {number}: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(record, dict):
            yield QuarantineEntry(where, "JSON line is not an object", f"line {number}")
            continue
        body = record.get("text") or record.get("html")
        if not isinstance(body, str) or not body.strip():
            yield QuarantineEntry(where, "record has no text or html", f"line {number}")
            continue
        rid = record.get("id")
        keyed = f"{source}#{rid}" if rid not in (None, "") else where
        yield RawDocument(
            source=keyed,
            body=body,
            format="txt" if record.get("text") else "html",
            url=_str(record.get("url")),
            title=_str(record.get("title")),
            published=_str(record.get("published")),
            outlet=_str(record.get("outlet")),
            language=_str(record.get("language")),
            site_key=_str(record.get("outlet")) or site_key,
        )


def _str(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _read_warc(source: str, data: bytes, site_key: str) -> Iterator[Item]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    number = 0
    try:
        for record in ArchiveIterator(io.BytesIO(data)):
            number += 1
            if record.rec_type != "response":
                continue
            rid = record.rec_headers.get_header("WARC-Record-ID") or str(number)
            where = f"{source}#{rid}"
            url = record.rec_headers.get_header("WARC-Target-URI")
            ctype = (record.http_headers.get_header("Content-Type") or "") if record.http_headers else ""
            if "html" not in ctype.lower():
                continue
            try:
                payload = record.content_stream().read()
            except (OSError, zlib.error, ValueError) as exc:
                yield QuarantineEntry(where, "broken WARC record", f"record {number}: {exc}")
                continue
            text = decode(payload)
            if not isinstance(text, str):
                yield QuarantineEntry(where, text[0], f"record {number}: {text[1]}")
            elif not text.strip():
                yield QuarantineEntry(where, "empty WARC record", f"record {number}")
            else:
                host = url.split("/")[2] if url and "//" in url else site_key
                yield RawDocument(source=where, body=text, format="html", url=url, site_key=host)
    except (ArchiveLoadFailed, OSError, zlib.error, ValueError, EOFError, AttributeError, TypeError) as exc:
        # warcio raises whatever its parser trips on when a record is malformed.
        yield QuarantineEntry(f"{source}#{number + 1}", "broken WARC record", f"record {number + 1}: {exc}")
