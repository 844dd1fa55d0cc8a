"""Is a file an image at all? Checked from its first bytes before any image reader runs,
so that a text or other file is a :class:`~kinetor.errors.DataError` naming it (image
readers answer with plugin lists and install hints, or warnings).

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "x.png"
>>> _ = p.write_text("not an image")
>>> check_image_file(p, "give a PNG")
Traceback (most recent call last):
...
kinetor.errors.DataError: 1 problem in the data:
  x.png: not an image kinetor can read (PNG, TIFF or JPEG expected) (fix: give a PNG)
"""

from __future__ import annotations

from pathlib import Path

from kinetor.errors import DataError, Problem

__all__ = ["check_image_file", "not_an_image"]

# PNG, JPEG, TIFF (classic and BigTIFF, both byte orders), BMP, GIF
_MAGIC = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"II*\x00",
    b"MM\x00*",
    b"II+\x00",
    b"MM\x00+",
    b"BM",
    b"GIF8",
)


def not_an_image(p: Path, fix: str) -> DataError:
    """The error of a file that no image reader opens."""
    return DataError(
        Problem("not an image kinetor can read (PNG, TIFF or JPEG expected)", file=p.name, fix=fix)
    )


def check_image_file(p: Path, fix: str) -> None:
    """Refuse a missing path (FileNotFoundError), a folder or a file without an image
    signature (DataError naming it)."""
    if not p.exists():
        raise FileNotFoundError(f"no such file: {p}")
    if not p.is_file():
        raise DataError(Problem("is a folder, not an image file", file=str(p), fix=fix))
    with p.open("rb") as fh:
        head = fh.read(8)
    if not head.startswith(_MAGIC):
        raise not_an_image(p, fix)
