"""``policybot teams-package --app-id ID --out FILE.zip``: the Teams app for a school's admin.

Fills the bot's Microsoft App ID into the bundled manifest, checks the two icons (Teams
refuses a package whose colour icon is not 192x192 or whose outline icon is not a 32x32
image with transparency) and zips ``manifest.json``, ``color.png`` and ``outline.png`` at
the top level of the archive, ready for "Upload a custom app" in the Teams admin centre.
"""

from __future__ import annotations

import argparse
import json
import re
import struct
import sys
import zipfile
from pathlib import Path
from typing import Any

MANIFEST_DIR = Path(__file__).resolve().parents[2] / "adapters" / "teams" / "manifest"
PLACEHOLDER = "{{BOT_ID}}"
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ICONS = {"color": (192, 192), "outline": (32, 32)}


class PackageError(ValueError):
    """The package cannot be built; the message says what to fix."""


def png_info(data: bytes) -> tuple[int, int, int]:
    """Width, height and PNG colour type of an image (PackageError if not a PNG)."""
    if len(data) < 26 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise PackageError("not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    return width, height, data[25]


def build_manifest(
    template: dict[str, Any], app_id: str, version: str | None = None
) -> dict[str, Any]:
    """The manifest with the bot id filled in (and an optional version)."""
    if not GUID.match(app_id):
        raise PackageError(
            f"--app-id {app_id!r} is not a Microsoft App ID (a GUID such as "
            "00000000-0000-0000-0000-000000000000 from the Azure Bot's Configuration page)"
        )
    text = json.dumps(template).replace(PLACEHOLDER, app_id)
    manifest: dict[str, Any] = json.loads(text)
    if version:
        manifest["version"] = version
    return manifest


def check_icons(manifest: dict[str, Any], folder: Path) -> dict[str, bytes]:
    """Read and check both icons named in the manifest; file name -> bytes."""
    files: dict[str, bytes] = {}
    for kind, (want_w, want_h) in ICONS.items():
        name = manifest["icons"][kind]
        path = folder / name
        if not path.is_file():
            raise PackageError(f"the {kind} icon {name} is missing from {folder}")
        data = path.read_bytes()
        try:
            width, height, colour_type = png_info(data)
        except PackageError as exc:
            raise PackageError(f"the {kind} icon {name} is {exc}") from exc
        if (width, height) != (want_w, want_h):
            raise PackageError(
                f"the {kind} icon {name} is {width}x{height}; Teams needs {want_w}x{want_h}"
            )
        if kind == "outline" and colour_type not in (4, 6):
            raise PackageError(f"the outline icon {name} must have a transparent background")
        files[name] = data
    return files


def build_package(
    app_id: str, out: Path, *, folder: Path = MANIFEST_DIR, version: str | None = None
) -> Path:
    """Write the zip and return its path."""
    template = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest = build_manifest(template, app_id, version)
    icons = check_icons(manifest, folder)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        for name, data in icons.items():
            archive.writestr(name, data)
    return out


def run(args: argparse.Namespace) -> int:
    """Build the package; a friendly message and exit code 2 on a problem."""
    out = Path(args.out)
    if out.suffix.lower() != ".zip":
        print(f"--out {args.out!r} should be a .zip file", file=sys.stderr)
        return 2
    try:
        build_package(args.app_id.strip(), out, version=args.version)
    except PackageError as exc:
        print(f"Could not build the Teams package: {exc}", file=sys.stderr)
        return 2
    print(f"Teams app package written to {out}")
    print("Upload it in the Teams admin centre: Teams apps > Manage apps > Upload new app.")
    return 0


def register(subparsers: Any) -> None:
    """Add the ``teams-package`` sub-command."""
    parser = subparsers.add_parser(
        "teams-package",
        help="build the Teams app package (manifest + icons) for upload",
        description=__doc__,
    )
    parser.add_argument("--app-id", required=True, help="the bot's Microsoft App ID (a GUID)")
    parser.add_argument("--out", required=True, help="where to write the .zip")
    parser.add_argument("--version", help="app version to put in the manifest (e.g. 1.0.1)")
    parser.set_defaults(func=run)
