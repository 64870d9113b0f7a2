"""The shape of the codebase: import rules between layers, settings documented."""

from __future__ import annotations

import ast
import re

from tests.conftest import REPO

OURS = ("crawler", "pipelines", "storage", "schedules", "newsmon")


def _imports(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (REPO / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(REPO))] = names
    return found


def _violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path} imports {name}" for path, names in _imports(package).items()
            for name in names if name.split(".")[0] in forbidden or
            any(name.startswith(f + ".") or name == f for f in forbidden)]


def test_storage_imports_nothing_of_ours() -> None:
    assert _violations("storage", ("crawler", "pipelines", "schedules", "newsmon")) == []


def test_crawler_never_imports_pipelines_or_storage() -> None:
    assert _violations("crawler", ("pipelines", "storage", "schedules", "newsmon")) == []


def test_pipelines_never_import_spiders() -> None:
    assert _violations("pipelines", ("crawler.spiders", "newsmon", "schedules")) == []


def test_schedules_start_crawls_as_processes_and_never_import_spiders_or_pipelines() -> None:
    assert _violations("schedules", ("crawler.spiders", "crawler.loader", "pipelines", "scrapy",
                                     "newsmon")) == []


def test_nothing_imports_the_cli() -> None:
    for package in OURS:
        for path, names in _imports(package).items():
            if path != "newsmon/cli.py":
                assert "newsmon.cli" not in names, path


def test_every_newsmon_setting_is_documented() -> None:
    settings = (REPO / "crawler" / "settings.py").read_text(encoding="utf-8")
    names = re.findall(r"^(NEWSMON_[A-Z_]+)\s*=", settings, re.M)
    assert names == sorted(names), "keep the NEWSMON_ block sorted"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [n for n in names if f"`{n}`" not in readme]
    assert not missing, f"settings missing from README.md: {missing}"


def test_no_print_or_sys_exit_below_the_cli() -> None:
    for package in ("crawler", "pipelines", "storage", "schedules"):
        for path in (REPO / package).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            assert not re.search(r"^\s*print\(", source, re.M), path
            assert "sys.exit" not in source, path


def _command_paths(group: object, prefix: str = "") -> list[str]:
    import click
    assert isinstance(group, click.Group)
    paths = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, path + " "))
        else:
            paths.append(path)
    return paths


def test_every_cli_command_is_in_the_readme_with_an_example() -> None:
    """Each command (and subcommand) has a row in README's command table and its docstring
    ends with an example (sqlite-utils' practice)."""
    from newsmon.cli import cli
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = "\n".join(line for line in readme.splitlines() if line.startswith("| `"))
    missing = [p for p in _command_paths(cli)
               if not re.search(rf"`{re.escape(p)}( [^`]*)?`", table)]
    assert not missing, f"commands without a row in README.md's command table: {missing}"
    import click

    def walk(group: click.Group) -> list[tuple[str, click.Command]]:
        found: list[tuple[str, click.Command]] = []
        for name, command in group.commands.items():
            found.append((name, command))
            if isinstance(command, click.Group):
                found.extend(walk(command))
        return found

    no_example = [name for name, command in walk(cli)
                  if "Example:" not in (command.help or "")]
    assert not no_example, f"commands whose help has no example: {no_example}"


def test_only_storage_talks_to_sqlite() -> None:
    """Connections are made in storage/db.py and passed down; other layers may name the type
    for annotations only (under TYPE_CHECKING)."""
    for package in ("crawler", "pipelines", "schedules", "newsmon"):
        for path in (REPO / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            guarded = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                       and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
            for node in ast.walk(tree):
                if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in guarded:
                    names = [a.name for a in node.names] if isinstance(node, ast.Import) \
                        else [node.module or ""]
                    assert not [n for n in names if n.split(".")[0] in ("sqlite3",
                                                                        "sqlite_utils")], path


def test_library_code_reads_no_environment_variables() -> None:
    """Settings come from the CLI and Scrapy settings (crawler/settings.py), never from
    os.environ below them (a child process may be handed the environment as it is)."""
    for package in ("crawler", "pipelines", "storage", "schedules"):
        for path in (REPO / package).rglob("*.py"):
            if path == REPO / "crawler" / "settings.py":
                continue
            source = path.read_text(encoding="utf-8")
            assert not re.search(r"os\.environ(\.get|\[)|os\.getenv|environ\.get", source), path
