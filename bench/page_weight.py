"""The JS and CSS every page loads, raw and gzipped (what a first visit downloads)."""

from __future__ import annotations

import gzip
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"
ASSETS = ["vendor/htmx.min.js", "js/app.js", "css/app.css"]


def main() -> None:
    """Print each asset's size and the total."""
    total_raw = total_gz = 0
    for name in ASSETS:
        data = (STATIC / name).read_bytes()
        gz = len(gzip.compress(data, compresslevel=9))
        total_raw += len(data)
        total_gz += gz
        print(f"{name:<22} {len(data):>8,} B  {gz:>7,} B gzipped")
    print(f"{'total':<22} {total_raw:>8,} B  {total_gz:>7,} B gzipped")


if __name__ == "__main__":
    main()
