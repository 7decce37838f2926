"""Draw the two Teams app icons without any imaging library (PNG written by hand).

``color.png`` 192x192: a white speech bubble with a tick on the trust's blue.
``outline.png`` 32x32: the same bubble, white on transparent (as Teams requires).
Run: ``python -m adapters.teams.manifest.make_icons`` (rewrites both files).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
BLUE = (0x1F, 0x4E, 0x8C, 0xFF)
WHITE = (0xFF, 0xFF, 0xFF, 0xFF)
CLEAR = (0, 0, 0, 0)
Pixel = tuple[int, int, int, int]


def png(width: int, height: int, pixel: Callable[[float, float], Pixel]) -> bytes:
    """An RGBA PNG; ``pixel(x, y)`` gets coordinates scaled to 0..1."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows.extend(pixel((x + 0.5) / width, (y + 0.5) / height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def bubble(x: float, y: float) -> bool:
    """A rounded speech bubble with a tail, in unit coordinates."""
    in_body = 0.18 <= x <= 0.82 and 0.2 <= y <= 0.68
    corner = min(abs(x - 0.18), abs(x - 0.82)) < 0.08 and min(abs(y - 0.2), abs(y - 0.68)) < 0.08
    if in_body and corner:
        cx = 0.26 if x < 0.5 else 0.74
        cy = 0.28 if y < 0.5 else 0.6
        in_body = (x - cx) ** 2 + (y - cy) ** 2 <= 0.08**2
    tail = 0.3 <= x <= 0.45 and 0.68 <= y <= 0.84 and (y - 0.68) <= (0.45 - x) * 1.1
    return in_body or tail


def tick(x: float, y: float) -> bool:
    """A tick mark inside the bubble."""
    d1 = abs((y - 0.46) - (x - 0.33)) < 0.045 and 0.33 <= x <= 0.46
    d2 = abs((y - 0.59) + (x - 0.46) * 1.3) < 0.05 and 0.45 <= x <= 0.68
    return d1 or d2


def color_pixel(x: float, y: float) -> Pixel:
    """Blue square, white bubble, blue tick."""
    if bubble(x, y):
        return BLUE if tick(x, y) else WHITE
    return BLUE


def outline_pixel(x: float, y: float) -> Pixel:
    """White bubble outline area on transparent."""
    return WHITE if bubble(x, y) and not tick(x, y) else CLEAR


def main() -> None:
    """Write color.png and outline.png next to this file."""
    (HERE / "color.png").write_bytes(png(192, 192, color_pixel))
    (HERE / "outline.png").write_bytes(png(32, 32, outline_pixel))


if __name__ == "__main__":
    main()
