"""A small writer of ZIP archives (PKWARE's APPNOTE.TXT) for the .xlsx workbooks: a few DEFLATE-compressed
entries, written whole, in order.

Python's ``zipfile`` costs about 70 µs an entry (a ZipInfo, a header written then rewritten, a compressor per
entry), most of a small workbook's time. Here an entry's text is deflated into (CRC-32, compressed bytes, size)
and the archive is one join; the parts a workbook shares with earlier ones (the constant parts, and usually the
styles, table and properties) are deflated once per process (``deflate_once``). The bytes are those ``zipfile``
writes for a ``ZipInfo`` entry below its 2 GiB ZIP64 threshold (version 2.0, made on Unix, read and write for the
owner, no extra fields, dated 1980-01-01 00:00), so a workbook has the bytes it had. No ZIP64: an archive of
4 GiB or more is refused.
"""

from __future__ import annotations

import functools
import struct
import zlib
from collections.abc import Sequence
from typing import NamedTuple

# Little-endian records (APPNOTE 4.3.7, 4.3.12, 4.3.16). A local file header: signature, version needed, flags,
# method, time, date, CRC-32, compressed size, size, name length, extra field length (the name follows).
LOCAL = struct.Struct("<4s5H3I2H")
# A central directory header: signature, version made by, then the local header's fields to the extra field's
# length, comment length, disk number, internal and external attributes, the local header's offset (then the name).
CENTRAL = struct.Struct("<4s6H3I5H2I")
# The end of central directory record: signature, this disk, the directory's disk, entries on this disk, entries,
# the directory's size, its offset, comment length.
END = struct.Struct("<4s4H2IH")
VERSION = 20  # 2.0: the version a reader needs for DEFLATE (4.4.3)
MADE_BY = 3 << 8 | VERSION  # made on Unix (upper byte 3), as zipfile writes it anywhere but Windows
DEFLATED = 8  # compression method (4.4.5)
DOS_TIME, DOS_DATE = 0, (1980 - 1980) << 9 | 1 << 5 | 1  # 00:00:00 on 1980-01-01, the first day MS-DOS dates hold
PERMISSIONS = 0o600 << 16  # external attributes: Unix permissions rw------- (in the upper half), as zipfile sets
LIMIT = 0xFFFFFFFF  # a 4-byte size or offset; this value itself means "see the ZIP64 record", which is not written


class Deflated(NamedTuple):
    """One entry's data: the CRC-32 and size of its bytes, and the bytes compressed with raw DEFLATE."""

    crc: int
    data: bytes
    size: int


def deflate(text: str) -> Deflated:
    """``text`` in UTF-8, compressed at zlib's level 6 (zipfile's default) as raw DEFLATE (wbits -15: no zlib
    header or checksum; ZIP keeps a CRC-32 of its own)."""
    raw = text.encode()
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return Deflated(zlib.crc32(raw), compressor.compress(raw) + compressor.flush(), len(raw))


# The same text deflated once per process: the constant parts, and the parts most workbooks of a page share.
deflate_once = functools.lru_cache(maxsize=256)(deflate)


def archive(entries: Sequence[tuple[str, Deflated]]) -> bytes:
    """The ZIP archive of ``entries`` (name, data), in order: each entry's local header and data, then the central
    directory (a header for each entry, with where its local header starts), then the end record."""
    chunks: list[bytes] = []
    directory: list[bytes] = []
    offset = 0  # where the next local header starts
    for name, (crc, data, size) in entries:
        if max(size, len(data), offset) >= LIMIT:
            raise ValueError(f"{name} is too large for a ZIP archive without ZIP64")
        encoded = name.encode("ascii")  # the names are ASCII, so no UTF-8 flag (bit 11) is needed
        sizes = (crc, len(data), size, len(encoded))
        header = LOCAL.pack(b"PK\x03\x04", VERSION, 0, DEFLATED, DOS_TIME, DOS_DATE, *sizes, 0)  # no flags, no extra
        chunks += (header, encoded, data)
        # no flags, extra field or comment; disk 0; no internal attributes
        directory += (CENTRAL.pack(b"PK\x01\x02", MADE_BY, VERSION, 0, DEFLATED, DOS_TIME, DOS_DATE, *sizes,
                                   0, 0, 0, 0, PERMISSIONS, offset), encoded)
        offset += len(header) + len(encoded) + len(data)
    central = b"".join(directory)
    if offset + len(central) >= LIMIT or len(entries) > 0xFFFF:
        raise ValueError("too large for a ZIP archive without ZIP64")
    count = len(entries)
    end = END.pack(b"PK\x05\x06", 0, 0, count, count, len(central), offset, 0)  # one disk, no comment
    return b"".join(chunks) + central + end


__all__ = ["Deflated", "archive", "deflate", "deflate_once"]
