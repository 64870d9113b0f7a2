"""Datasette plugin for newsmon reviewers: article pages, review changes, the weekly chart.

Registered through the `datasette` entry point (pyproject.toml), as every datasette-* plugin
is. It acts only on a Datasette that `newsmon serve` configured (plugin config `newsmon`), so
other Datasette instances in the same environment are left alone. Besides Datasette it uses
only the storage layer's definitions (review statuses, JSON array columns).
"""

from __future__ import annotations

import asyncio
import html
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup

from newsmon.web import guard
from storage.db import BUSY_TIMEOUT_MS
from storage.export import json_list
from storage.migrations import REVIEW_STATUSES

MAX_NOTE = 2000
PALETTE = ("#4e79a7", "#e15759", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948")


PLUGIN = "newsmon"


def _config(datasette: Any) -> dict[str, Any] | None:
    """The settings `newsmon serve` gave this plugin; None: not a newsmon Datasette."""
    config = datasette.plugin_config(PLUGIN)
    return config if isinstance(config, dict) else None


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    env.filters["json_list"] = json_list


@hookimpl
def prepare_connection(conn: Any, database: str, datasette: Any) -> None:
    """Wait for the write lock as long as newsmon's own connections do (30 s): a review
    saved while a crawl writes waits its turn instead of failing "database is locked"."""
    if _config(datasette) is not None:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    """Login throttling, introspection for reviewers only, a short time limit for anonymous
    queries (newsmon/web/guard.py)."""
    if _config(datasette) is None:
        return None

    def wrap_app(app: Any) -> Any:
        return guard.wrap(app, datasette)

    return wrap_app


@hookimpl
def render_cell(value: Any, column: str, table: str | None, database: str,
                datasette: Any) -> Any:
    """In canned queries an `article` column holds an article id: link it to its page."""
    if _config(datasette) is None:
        return None
    if column == "article" and table is None and isinstance(value, int):
        url = datasette.urls.row(database, "articles", value)
        return Markup(f'<a href="{html.escape(url)}">{value}</a>')
    return None


@hookimpl
def extra_template_vars(template: str, database: str | None, table: str | None,
                        view_name: str, request: Any, datasette: Any) -> Any:
    if view_name != "row" or table != "articles" or request is None or database is None \
            or _config(datasette) is None:
        return {}

    async def inner() -> dict[str, Any]:
        db = datasette.get_database(database)
        pk = request.url_vars.get("pks")
        row = (await db.execute("SELECT id, story_id FROM articles WHERE id = ?", [pk])).first()
        if row is None:
            return {}
        copies = (await db.execute(
            "SELECT id, title, source, published_at, url, similarity, duplicate_of, "
            "near_duplicate_of FROM articles WHERE story_id = ? AND id != ? "
            "ORDER BY published_at, id", [row["story_id"], row["id"]])).rows
        story = (await db.execute("SELECT * FROM stories WHERE id = ?",
                                  [row["story_id"]])).first()
        versions = (await db.execute(
            "SELECT id, replaced_at, diff_summary FROM article_versions WHERE article_id = ? "
            "ORDER BY id DESC", [row["id"]])).rows
        history = (await db.execute(
            "SELECT * FROM review_log WHERE article_id = ? ORDER BY id DESC", [row["id"]])).rows
        return {"story_copies": copies, "story": story, "versions": versions,
                "review_history": history, "review_statuses": REVIEW_STATUSES,
                "can_review": bool(request.actor and request.actor.get("id")
                                   and _is_reviewer(datasette, str(request.actor["id"])))}

    return inner


def _is_reviewer(datasette: Any, actor_id: str) -> bool:
    """A current login: its hash file exists and it was not removed (`newsmon user remove`).

    Checked on every review, so removing a user takes effect at once although their signed
    login cookie stays valid.
    """
    config = _config(datasette) or {}
    directory = Path(config.get("users_dir") or "")
    if not config.get("users_dir") or "/" in actor_id or actor_id.startswith("."):
        return False
    return (directory / f"{actor_id}.hash").is_file() and \
        not (directory / f"{actor_id}.removed").exists()


def _answer(as_json: bool, message: str, status: int, **extra: Any) -> Response:
    if as_json:
        return Response.json({"ok": status < 400, "message": message, **extra}, status=status)
    return Response.text(message, status=status)


async def review(request: Any, datasette: Any) -> Response:
    """POST a review: status and note for one article, by the logged-in reviewer.

    The one way reviews are written: the article page's form posts here, and so may scripts
    (with a login cookie and the CSRF token, `_json=1` for a JSON answer).
    """
    if request.method != "POST":
        return Response.text("POST a review here from an article page", status=405)
    form = await request.post_vars()
    as_json = form.get("_json") == "1"
    actor = request.actor or {}
    if not actor.get("id"):
        return _answer(as_json, "log in (/-/login) to review articles", 403)
    if not _is_reviewer(datasette, str(actor["id"])):
        return _answer(as_json, f"{actor['id']} is not a reviewer (any more)", 403)
    database = form.get("database", "")
    if database not in datasette.databases or database == "_internal":
        return _answer(as_json, f"unknown database {database!r}", 400)
    try:
        article_id = int(form.get("id", ""))
    except ValueError:
        return _answer(as_json, f"article id must be a number, got {form.get('id')!r}", 400)
    status = form.get("status", "")
    if status not in REVIEW_STATUSES:
        return _answer(as_json, f"status must be one of {', '.join(REVIEW_STATUSES)}, "
                                f"got {status!r}", 400)
    note = (form.get("note") or "").strip()[:MAX_NOTE] or None
    db = datasette.get_database(database)
    row = (await db.execute("SELECT review_status FROM articles WHERE id = ?",
                            [article_id])).first()
    if row is None:
        return _answer(as_json, f"no article {article_id} in {database}", 404)
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    await _write_with_retries(db, "UPDATE articles SET review_status = ?, reviewer = ?, "
                                  "note = ?, reviewed_at = ? WHERE id = ?",
                              [status, str(actor["id"]), note, now, article_id])
    message = f"Article {article_id}: {row['review_status']} → {status}"
    if as_json:
        return _answer(True, message, 200, article=article_id,
                       old_status=row["review_status"], new_status=status)
    datasette.add_message(request, message, datasette.INFO)
    return Response.redirect(datasette.urls.row(database, "articles", article_id))


async def _write_with_retries(db: Any, sql: str, params: list[Any], attempts: int = 5) -> None:
    """Datasette runs writes on its write thread (off the event loop); a lock held longer
    than the busy timeout is retried, with a pause, before the review is given up."""
    for attempt in range(attempts):
        try:
            await db.execute_write(sql, params)
            return
        except Exception as exc:             # sqlite3.OperationalError, through Datasette
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            await asyncio.sleep(0.5 * (attempt + 1))


def weekly_chart_svg(rows: list[Any], width: int = 760, height: int = 280) -> str:
    """Stacked bars of articles per topic per week, as inline SVG (no JavaScript)."""
    weeks = sorted({r["week"] for r in rows})
    topics = sorted({r["topic"] for r in rows})
    counts = {(r["week"], r["topic"]): r["articles"] for r in rows}
    top = max([sum(counts.get((w, t), 0) for t in topics) for w in weeks] or [1])
    left, bottom, top_pad = 40, 40, 10
    bar = (width - left) / max(len(weeks), 1)
    scale = (height - bottom - top_pad) / top
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" id="weekly-chart" role="img" '
             f'aria-label="Relevant articles per topic per week" width="{width}" '
             f'height="{height + 20 * len(topics)}" font-family="sans-serif">',
             f'<text x="0" y="{top_pad + 10}" font-size="11">{top}</text>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" '
             f'stroke="#999"/>']
    for i, week in enumerate(weeks):
        y = float(height - bottom)
        for j, topic in enumerate(topics):
            n = counts.get((week, topic), 0)
            if not n:
                continue
            h = n * scale
            y -= h
            parts.append(f'<rect class="bar" data-week="{html.escape(week)}" '
                         f'data-topic="{html.escape(topic)}" data-articles="{n}" '
                         f'x="{left + i * bar + 2:.1f}" y="{y:.1f}" width="{max(bar - 4, 1):.1f}" '
                         f'height="{h:.1f}" fill="{PALETTE[j % len(PALETTE)]}">'
                         f'<title>week of {html.escape(week)}, {html.escape(topic)}: {n}</title>'
                         f'</rect>')
        parts.append(f'<text x="{left + i * bar + bar / 2:.1f}" y="{height - bottom + 14}" '
                     f'font-size="10" text-anchor="middle">{html.escape(week[2:])}</text>')
    for j, topic in enumerate(topics):
        y = height + 20 * j
        parts.append(f'<rect x="{left}" y="{y - 10}" width="10" height="10" '
                     f'fill="{PALETTE[j % len(PALETTE)]}"/><text x="{left + 15}" y="{y}" '
                     f'font-size="12">{html.escape(topic)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


async def weekly_chart(request: Any, datasette: Any) -> Response:
    # Plugin routes are not covered by Datasette's instance permissions: check them here.
    await datasette.ensure_permissions(request.actor, ["view-instance"])
    names = [n for n in datasette.databases if n != "_internal"]
    name = request.args.get("db") or (names[0] if names else "")
    if name not in names:
        return Response.text(f"unknown database {name!r}", status=404)
    weeks = request.args.get("weeks", "26")
    # The numbers are the weekly_topic_counts canned query's: one definition for table and chart.
    query = await datasette.get_canned_query(name, "weekly_topic_counts", request.actor)
    if query is None:
        return Response.text(f"{name} has no weekly_topic_counts query", status=404)
    rows = (await datasette.get_database(name).execute(query["sql"])).rows
    if weeks.isdigit():
        keep = sorted({r["week"] for r in rows})[-int(weeks):]
        rows = [r for r in rows if r["week"] in keep]
    svg = weekly_chart_svg(rows)
    if request.args.get("_format") == "svg":
        return Response(svg, content_type="image/svg+xml")
    return Response.html(await datasette.render_template(
        "newsmon_weekly_chart.html", {"svg": Markup(svg), "database": name, "rows": rows},
        request=request))


@hookimpl
def register_routes(datasette: Any) -> list[tuple[str, Any]]:
    if _config(datasette) is None:
        return []
    return [(r"^/-/newsmon/review$", review), (r"^/-/newsmon/weekly-chart$", weekly_chart)]


@hookimpl
def menu_links(datasette: Any, actor: Any) -> list[dict[str, str]]:
    if _config(datasette) is None:
        return []
    links = [{"href": datasette.urls.path("/-/newsmon/weekly-chart"),
              "label": "Articles per topic per week"}]
    if not actor:
        links.append({"href": datasette.urls.path("/-/login"), "label": "Log in to review"})
    return links
