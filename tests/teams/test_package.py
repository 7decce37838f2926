"""``policybot teams-package``: manifest filled in, icons checked, zip laid out for Teams."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from adapters.teams.manifest.make_icons import png
from bot.cli import main
from bot.commands.teams_package import MANIFEST_DIR, PackageError, build_package, png_info

APP_ID = "0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"


def test_cli_writes_a_zip_with_the_bot_id(tmp_path: Path) -> None:
    out = tmp_path / "policybot-teams.zip"
    assert main(["teams-package", "--app-id", APP_ID, "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        assert png_info(archive.read("color.png"))[:2] == (192, 192)
        outline = png_info(archive.read("outline.png"))
        assert outline[:2] == (32, 32) and outline[2] == 6
    assert manifest["id"] == APP_ID
    bot = manifest["bots"][0]
    assert bot["botId"] == APP_ID
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    titles = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert titles == ["ask", "report", "help"]
    assert "{{" not in json.dumps(manifest)


def test_bad_app_id_is_refused_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.zip"
    assert main(["teams-package", "--app-id", "my-bot", "--out", str(out)]) == 2
    assert "not a Microsoft App ID" in capsys.readouterr().err
    assert not out.exists()


def test_wrong_icon_size_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "manifest"
    shutil.copytree(MANIFEST_DIR, folder)
    (folder / "color.png").write_bytes(png(100, 100, lambda x, y: (0, 0, 255, 255)))
    with pytest.raises(PackageError, match="100x100; Teams needs 192x192"):
        build_package(APP_ID, tmp_path / "x.zip", folder=folder)
