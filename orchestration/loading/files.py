"""The file side of loading: the drop folder, hashes, encodings, line endings and the header.

Everything here works per file or per chunk of bytes; no Python loop runs over rows. The rows
themselves are read by DuckDB (see `loader.py` and `records.py`).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from orchestration.loading.contract import FILE_NAME_PATTERN, SOURCES

CHUNK_BYTES = 8 * 1024 * 1024
UTF8_BOM = codecs.BOM_UTF8
EXPECTED_NAME = "<source>_<YYYYMMDD>.csv"
EINVOICES_SUBFOLDER = "einvoices"  # the default e-invoice folder in the drop folder (docs/einvoices.md)

ENC_UTF8 = "utf-8"
ENC_UTF8_BOM = "utf-8-sig"
ENC_CP1252 = "windows-1252"


# --------------------------------------------------------------------------------------------
# The drop folder


@dataclass(frozen=True)
class DropFile:
    """A file in the drop folder whose name is `<source>_<YYYYMMDD>.csv` with a known source."""

    path: Path
    source: str
    extract_date: date

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class IgnoredFile:
    """Anything else in the drop folder: not loaded, reported with a warning that names it."""

    path: Path
    warning: str

    @property
    def name(self) -> str:
        return self.path.name


@dataclass
class DropFolderScan:
    folder: Path
    files: dict[str, list[DropFile]] = field(default_factory=dict)  # per source, load order
    ignored: list[IgnoredFile] = field(default_factory=list)

    def files_of(self, source: str) -> list[DropFile]:
        return self.files.get(source, [])

    @property
    def warnings(self) -> list[str]:
        return [i.warning for i in self.ignored]


def classify_name(name: str) -> tuple[str, date] | str:
    """(source, extract date) for an export file name, else the reason it is not one."""
    m = FILE_NAME_PATTERN.match(name)
    if not m:
        lower = FILE_NAME_PATTERN.match(name.lower())
        if lower and lower.group("source") in SOURCES:
            return f"the name must be written in lower case ({EXPECTED_NAME})"
        return f"the name does not have the form {EXPECTED_NAME}"
    source, digits = m.group("source"), m.group("date")
    if source not in SOURCES:
        return f"{source!r} is not a known source (one of {', '.join(SOURCES)})"
    try:
        extract_date = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return f"{digits} is not a valid date (YYYYMMDD)"
    return source, extract_date


def scan_drop_folder(folder: Path) -> DropFolderScan:
    """The export files in `folder` per source (by extract date, then name), and the ignored rest."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"drop folder {folder} does not exist or is not a folder")
    scan = DropFolderScan(folder=folder, files={s: [] for s in SOURCES})
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if path.is_dir() and path.name == EINVOICES_SUBFOLDER:
            continue  # the e-invoice inbox: read by orchestration/einvoices, not an export
        if path.is_dir():
            scan.ignored.append(IgnoredFile(path, f"ignored {path.name}: a folder, not an export file"))
            continue
        what = classify_name(path.name)
        if isinstance(what, str):
            scan.ignored.append(IgnoredFile(path, f"ignored {path.name}: {what}; it is not loaded"))
        else:
            scan.files[what[0]].append(DropFile(path, what[0], what[1]))
    for files in scan.files.values():
        files.sort(key=lambda f: (f.extract_date, f.name))
    return scan


# --------------------------------------------------------------------------------------------
# Bytes: hash, encoding, line endings


@dataclass(frozen=True)
class FileBytes:
    sha256: str
    size: int
    encoding: str  # ENC_UTF8, ENC_UTF8_BOM or ENC_CP1252
    has_cr: bool  # holds a carriage return (CRLF line endings, or a stray CR)
    has_nul: bool  # holds a NUL byte (not a text file)
    invalid_utf8_at: tuple[int, int, int] | None = None  # (byte offset, line, byte value)
    lines: int = 0  # physical lines (LF-terminated, and a last one without LF)
    has_quote: bool = False  # holds a `"`
    separators: int = 0  # `;` bytes, counted up to the first quote (then it is not one record per line)
    has_lone_cr: bool = False  # a CR not followed by LF (the LF copy has a line break more there)
    crlf_only: bool = False  # every line break is a CRLF, and every CR in one

    def one_record_per_line(self, n_fields: int) -> bool:
        """Every line of the file is one record of `n_fields` fields, or DuckDB's strict read
        rejects one or reads fewer rows than lines: with no quote, every `;` separates fields, so a
        line with fewer fields (which DuckDB rejects) or an empty one (which it skips) would need
        another with more to make the count come out, and a line with more is one of those DuckDB
        accepts without a word (empty fields at its end). Lines as the loader's line scan counts them
        (records.map_records), in the file DuckDB reads: its LF copy, if one is made
        (write_read_copy), has the same lines and separators, as Windows-1252 keeps ASCII bytes and
        a CRLF becomes an LF; only a lone CR, excluded here, would make a line more."""
        return (
            self.lines > 0 and not (self.has_quote or self.has_lone_cr or self.has_nul)
            and self.separators == self.lines * (n_fields - 1)
        )

    @property
    def needs_copy(self) -> bool:
        """DuckDB must read a UTF-8 copy with LF line endings rather than the file itself: a file in
        Windows-1252, or with CRs, unless every CR is in a CRLF and every LF too. DuckDB reads such a
        file as it reads its LF copy (its reader and the line scan take a CRLF as one line break),
        but for the CRLFs inside quoted fields, which the loader turns into LF as the copy does; a
        copy of a whole drop of CRLF exports was a fifth of the load's time at 1M invoices. A file
        mixing CRLF and LF is copied: DuckDB cannot read it."""
        return self.encoding == ENC_CP1252 or (self.has_cr and not self.crlf_only)


def file_stat(path: Path) -> str:
    """What tells, without reading a file, that it is the very file seen before: its size, its
    modification and change times (ns) and its inode. Any write to the file moves its change time
    (ctime), which no tool can set back, and a copy is a new inode; so a file with the same
    signature has the same bytes, and a loaded file whose signature is unchanged need not be hashed
    again (the loader hashes it when the signature differs: touched, copied, restored). The
    signatures are kept in raw.load_log (file_stat)."""
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


def file_sha256(path: Path) -> str:
    """The sha256 of a file alone: what telling a re-delivered file from a changed one needs. A
    quarter of inspect_bytes's cost (measured: 0.29 s against 1.15 s of CPU for 291 MB), paid for a
    file loaded before only when its file_stat differs from the one last seen."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def inspect_bytes(path: Path) -> FileBytes:
    """One streamed pass over the file: sha256, size, UTF-8 validity, CR, NUL and quote bytes, lines
    and `;` separators."""
    with open(path, "rb") as fh:
        return _inspect(iter(lambda: fh.read(CHUNK_BYTES), b""))


def _inspect(chunks: Iterable[bytes]) -> FileBytes:
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    size = lines = separators = 0
    crs = crlfs = 0
    has_nul = has_cr = has_quote = False
    invalid: tuple[int, int, int] | None = None
    first = b""
    tail = b""  # the bytes before the chunk
    for chunk in chunks:
        if not first:
            first = chunk[:3]
        digest.update(chunk)
        has_nul = has_nul or b"\x00" in chunk
        has_cr = has_cr or b"\r" in chunk
        has_quote = has_quote or b'"' in chunk
        if has_cr:
            crs += chunk.count(b"\r")
            crlfs += chunk.count(b"\r\n") + (tail[-1:] == b"\r" and chunk[:1] == b"\n")
        if not has_quote:  # what tells one record per line (a file with a quote never does)
            separators += chunk.count(b";")
        tail = chunk[-1:]
        if invalid is None:
            pending = decoder.getstate()[0]  # the start of a character split across chunks
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as e:
                data = e.object  # pending + chunk
                offset = size - len(pending) + e.start
                line = lines + data[: e.start].count(b"\n") + 1
                invalid = (offset, line, data[e.start])
        lines += chunk.count(b"\n")
        size += len(chunk)
    if invalid is None:
        pending = decoder.getstate()[0]
        if pending:  # the file ends in the middle of a UTF-8 sequence
            invalid = (size - len(pending), lines + 1, pending[0])
    crlf_only = crs > 0 and crs == crlfs == lines
    if size and tail[-1:] != b"\n":
        lines += 1  # a last line without LF
    if invalid is not None:
        encoding = ENC_CP1252
    elif first.startswith(UTF8_BOM):
        encoding = ENC_UTF8_BOM
    else:
        encoding = ENC_UTF8
    return FileBytes(digest.hexdigest(), size, encoding, has_cr, has_nul, invalid, lines, has_quote, separators,
                     crs > crlfs, crlf_only)


def _c1_fallback(err: UnicodeError) -> tuple[str, int]:
    # The five bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) are read as the
    # C1 control characters of the same value, as browsers (WHATWG) do.
    assert isinstance(err, UnicodeDecodeError)
    return chr(err.object[err.start]), err.start + 1


codecs.register_error("rettidig-cp1252", _c1_fallback)


def write_read_copy(path: Path, info: FileBytes, target: Path) -> Path:
    """A UTF-8 copy (no BOM) of `path` with every CRLF and lone CR turned into LF.

    Streamed in chunks. Windows-1252 is decoded chunk by chunk (one byte is one character).
    """
    with open(path, "rb") as src, open(target, "wb") as dst:
        for chunk in _converted(iter(lambda: src.read(CHUNK_BYTES), b""), info):
            dst.write(chunk)
    return target


def _converted(chunks: Iterable[bytes], info: FileBytes) -> Iterator[bytes]:
    pending_cr = False
    first = True
    for chunk in chunks:
        if first:
            first = False
            if info.encoding != ENC_CP1252 and chunk.startswith(UTF8_BOM):
                chunk = chunk[len(UTF8_BOM):]
        if info.encoding == ENC_CP1252:
            chunk = chunk.decode("cp1252", errors="rettidig-cp1252").encode("utf-8")
        if pending_cr:
            chunk = b"\r" + chunk
        pending_cr = chunk.endswith(b"\r")
        if pending_cr:
            chunk = chunk[:-1]
        yield chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if pending_cr:
        yield b"\n"


# --------------------------------------------------------------------------------------------
# The header


def read_header(read_path: Path) -> list[str]:
    """The column names on the first line of a UTF-8, LF file (BOM skipped, names NFC-normalised)."""
    with open(read_path, "rb") as fh:
        raw = fh.readline()
    text = raw.decode("utf-8-sig").rstrip("\n").rstrip("\r")
    if not text:
        return []
    names = next(csv.reader([text], delimiter=";", quotechar='"', doublequote=True, strict=False))
    return [unicodedata.normalize("NFC", n) for n in names]
