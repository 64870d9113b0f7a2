"""Build the Datasette command line for a database: metadata, templates, plugin, logins."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from importlib import resources

import yaml

from newsmon.web.users import auth_config, cookie_secret, users_dir
from storage.paths import Paths

TEMPLATES = resources.files("newsmon.web") / "templates"


def datasette_name(db_path: str) -> str:
    return Path(db_path).stem


def _alive(pid_file: Path) -> bool:
    from storage.locks import pid_alive
    try:
        pid = int(pid_file.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return False
    return pid_alive(pid)


def _work_dir(db_path: str) -> Path:
    """A fresh private directory for this run's generated files, beside the database.

    Not in the shared /tmp (another local user could plant templates there). `serve` becomes
    Datasette (same pid), so each directory records its pid; directories of servers that
    have stopped are removed, those of running ones are left alone.
    """
    base = Paths.for_db(db_path).datasette
    base.mkdir(mode=0o700, exist_ok=True)
    for old in base.glob("serve-*"):
        try:
            young = time.time() - old.stat().st_mtime < 60     # still being written
            if not young and not _alive(old / "pid"):
                shutil.rmtree(old)
        except OSError:
            continue
    work = Path(tempfile.mkdtemp(prefix="serve-", dir=base))
    (work / "pid").write_text(str(os.getpid()), encoding="ascii")
    return work


LOGGED_IN = {"id": "*"}


def build_metadata(db_path: str, private: bool = False) -> dict[str, Any]:
    """storage/metadata.yml for this file: database key renamed, logins and plugin config
    added; arbitrary SQL and the review log for logged-in reviewers only, everything with
    `private`."""
    from datasette.utils import tilde_encode
    name = datasette_name(db_path)
    # The storage layer describes its tables; the file ships inside the storage package.
    metadata: dict[str, Any] = yaml.safe_load(
        resources.files("storage").joinpath("metadata.yml").read_text(encoding="utf-8"))
    database = metadata["databases"].pop("newsmon")
    metadata["databases"] = {name: database}
    metadata["description_html"] = metadata["description_html"].replace(
        'href="/newsmon/', f'href="/{tilde_encode(name)}/')
    # Feeds link entries to their pages on this site: the database's name is in the path.
    for query in database.get("queries", {}).values():
        query["sql"] = query["sql"].replace("'/newsmon/", f"'/{tilde_encode(name)}/")
    # Reviewer names and notes, and SQL that can run anything, are not for anonymous visitors.
    database["allow_sql"] = LOGGED_IN
    database.setdefault("tables", {}).setdefault("review_log", {})["allow"] = LOGGED_IN
    if private:
        metadata["allow"] = LOGGED_IN
    plugins = metadata.setdefault("plugins", {})
    plugins["datasette-auth-passwords"] = auth_config(db_path)
    plugins["newsmon"] = {"users_dir": str(users_dir(db_path))}   # newsmon/web/plugin.py
    return metadata


def build_templates(db_path: str, out: Path) -> Path:
    """Our templates, the article page named for this database as Datasette looks it up."""
    from datasette.utils import to_css_class
    templates = out / "templates"
    templates.mkdir()
    css = to_css_class(datasette_name(db_path))
    for name, target in (("newsmon_weekly_chart.html", "newsmon_weekly_chart.html"),
                         ("row-articles.html", f"row-{css}-articles.html"),
                         ("_table-articles.html", f"_table-{css}-articles.html"),
                         ("index.html", "index.html"),
                         ("query-newsmon.html", f"query-{css}.html")):
        (templates / target).write_text(TEMPLATES.joinpath(name).read_text(encoding="utf-8"),
                                        encoding="utf-8")
    return templates


def datasette_command(db_path: str, host: str, port: int,
                      private: bool = False) -> tuple[list[str], dict[str, str]]:
    """The `datasette serve` argv and the environment it needs."""
    out = _work_dir(db_path)
    metadata = out / "metadata.yml"
    metadata.write_text(yaml.safe_dump(build_metadata(db_path, private), allow_unicode=True),
                        encoding="utf-8")
    templates = build_templates(db_path, out)
    argv = [sys.executable, "-m", "datasette", "serve", str(db_path), "--metadata",
            str(metadata), "--template-dir", str(templates),
            "--host", host, "--port", str(port),
            "--setting", "facet_time_limit_ms", "1000",
            "--setting", "sql_time_limit_ms", "5000"]
    return argv, {"DATASETTE_SECRET": cookie_secret(db_path)}
