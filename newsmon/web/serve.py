"""Build the Datasette command line for a database: metadata, templates, plugin, logins."""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from newsmon.web.users import auth_config, cookie_secret

WEB = Path(__file__).resolve().parent
METADATA = WEB.parent.parent / "storage" / "metadata.yml"


def datasette_name(db_path: str) -> str:
    return Path(db_path).stem


def _work_dir(db_path: str) -> Path:
    digest = hashlib.sha1(str(Path(db_path).resolve()).encode()).hexdigest()[:10]
    path = Path(tempfile.gettempdir()) / f"newsmon-datasette-{datasette_name(db_path)}-{digest}"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def build_metadata(db_path: str) -> dict[str, Any]:
    """storage/metadata.yml for this file: database key renamed, logins added."""
    name = datasette_name(db_path)
    metadata: dict[str, Any] = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    metadata["databases"] = {name: metadata["databases"]["newsmon"]}
    metadata["description_html"] = metadata["description_html"].replace("/newsmon/", f"/{name}/")
    metadata.setdefault("plugins", {})["datasette-auth-passwords"] = auth_config(db_path)
    return metadata


def build_templates(db_path: str, out: Path) -> Path:
    """Our templates, the article page named for this database as Datasette looks it up."""
    from datasette.utils import to_css_class
    templates = out / "templates"
    if templates.exists():
        shutil.rmtree(templates)
    templates.mkdir()
    source = WEB / "templates"
    shutil.copy(source / "newsmon_weekly_chart.html", templates)
    css = to_css_class(datasette_name(db_path))
    shutil.copy(source / "row-articles.html", templates / f"row-{css}-articles.html")
    return templates


def datasette_command(db_path: str, host: str, port: int) -> tuple[list[str], dict[str, str]]:
    """The `datasette serve` argv and the environment it needs."""
    out = _work_dir(db_path)
    metadata = out / "metadata.yml"
    metadata.write_text(yaml.safe_dump(build_metadata(db_path), allow_unicode=True),
                        encoding="utf-8")
    templates = build_templates(db_path, out)
    argv = [sys.executable, "-m", "datasette", "serve", str(db_path), "--metadata",
            str(metadata), "--template-dir", str(templates),
            "--plugins-dir", str(WEB / "plugins"), "--host", host, "--port", str(port),
            "--setting", "facet_time_limit_ms", "1000",
            "--setting", "sql_time_limit_ms", "5000"]
    return argv, {"DATASETTE_SECRET": cookie_secret(db_path)}
