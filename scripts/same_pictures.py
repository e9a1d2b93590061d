"""Do two versions of the snapshot SVGs show the same pictures?

A change to how the app draws may change an SVG's markup (where text runs are split, how
styles are named) without changing what it shows. For every snapshot SVG that differs
between a git revision and the working tree, this renders both to PNG (cairosvg, the font
set to DejaVu Sans Mono, as the project looks at pictures) and compares the pixels.

    python scripts/same_pictures.py                 # working tree against HEAD
    python scripts/same_pictures.py --base main     # against another revision
    python scripts/same_pictures.py --keep DIR      # also write old/new PNGs of differing ones

Prints each changed file with "same picture" or the box of pixels that differ, and a
count; exits 1 if any picture differs (or a snapshot was added or removed).
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def render(svg: str):
    import cairosvg
    from PIL import Image

    svg = svg.replace("Fira Code", "DejaVu Sans Mono")
    png = cairosvg.svg2png(bytestring=svg.encode())
    return Image.open(io.BytesIO(png)).convert("RGB")


def changed_snapshots(base: str) -> list[str]:
    out = subprocess.run(
        ["git", "diff", "--name-only", base, "--", "*.svg"], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return [line for line in out.stdout.splitlines() if "__snapshots__" in line]


def old_text(base: str, path: str) -> str | None:
    out = subprocess.run(["git", "show", f"{base}:{path}"], capture_output=True, text=True, cwd=ROOT)
    return out.stdout if out.returncode == 0 else None


def main() -> int:
    from PIL import ImageChops

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="HEAD", help="the revision to compare with (default HEAD)")
    parser.add_argument("--keep", type=Path, help="write old and new PNGs of differing pictures here")
    args = parser.parse_args()
    paths = changed_snapshots(args.base)
    same = differ = 0
    for path in paths:
        before = old_text(args.base, path)
        new_file = ROOT / path
        if before is None or not new_file.exists():
            print(f"{path}: {'added' if before is None else 'removed'}")
            differ += 1
            continue
        old_png, new_png = render(before), render(new_file.read_text())
        box = None if old_png.size != new_png.size else ImageChops.difference(old_png, new_png).getbbox()
        if old_png.size == new_png.size and box is None:
            print(f"{path}: same picture")
            same += 1
            continue
        print(f"{path}: DIFFERS ({'sizes ' + str(old_png.size) + ' ' + str(new_png.size) if box is None else box})")
        differ += 1
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            stem = path.replace("/", "_")
            old_png.save(args.keep / f"{stem}.old.png")
            new_png.save(args.keep / f"{stem}.new.png")
    print(f"{len(paths)} snapshot files changed against {args.base}: {same} same picture, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
