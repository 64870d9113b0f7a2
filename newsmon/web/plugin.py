"""Datasette plugin for newsmon reviewers: article pages, review changes, the weekly chart.

Registered through the `datasette` entry point (pyproject.toml), as every datasette-* plugin
is. It acts only on a Datasette that `newsmon serve` configured (plugin config `newsmon`), so
other Datasette instances in the same environment are left alone. Besides Datasette it uses
only the storage layer's definitions (review statuses, JSON array columns).
"""

from __future__ import annotations

import asyncio
import html
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup

from newsmon.web import guard, search
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


def readable_date(value: Any) -> str:
    """'2025-11-20' (or a full ISO time) -> '20 Nov 2025'."""
    try:
        return datetime.fromisoformat(str(value)[:10]).strftime("%-d %b %Y")
    except ValueError:
        return str(value or "")


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    env.filters["json_list"] = json_list
    env.filters["newsmon_date"] = readable_date


@hookimpl(trylast=True)
def prepare_connection(conn: Any, database: str, datasette: Any) -> None:
    """Wait for the write lock as long as newsmon's own connections do (30 s): a review
    saved while a crawl writes waits its turn instead of failing "database is locked".

    Search: `escape_fts`, which Datasette applies to every `?_search=`, is replaced by
    newsmon's (stems the query for the stemmed index; runs after Datasette's own hook, so it
    wins), and `newsmon_snippet(text, query)` marks the matching words."""
    if _config(datasette) is not None:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.create_function("escape_fts", 1, search.fts_query, deterministic=True)
        conn.create_function("newsmon_snippet", 2, search.snippet, deterministic=True)
        conn.create_function("newsmon_snippet", 3, search.snippet_or_title, deterministic=True)


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    """Login throttling, introspection for reviewers only, a short time limit for anonymous
    queries (newsmon/web/guard.py)."""
    if _config(datasette) is None:
        return None

    def wrap_app(app: Any) -> Any:
        return feed_topics(guard.wrap(app, datasette), datasette)

    return wrap_app


def _taxonomy_tags() -> set[str]:
    from pipelines.taxonomy import load_taxonomy
    taxonomy = load_taxonomy()
    return set(taxonomy.topics) | set(taxonomy.subtags)


def feed_topics(app: Any, datasette: Any) -> Any:
    """A topic feed for a topic or subtag that does not exist is a 404, not an empty feed
    (a mistyped subscription must not look like a quiet topic)."""
    known: set[str] = set()

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "") if scope.get("type") == "http" else ""
        if path.endswith("/topic_feed.atom") or path.endswith("/topic_feed.json"):
            from urllib.parse import parse_qs
            query = parse_qs(scope.get("query_string", b"").decode("utf-8", "replace"))
            topic = (query.get("topic") or [""])[0]
            if not known:
                known.update(_taxonomy_tags())
            if topic not in known:
                names = await _tags_in_database(datasette)
                if topic not in names:
                    body = (f"No topic or subtag {topic!r}. Known: "
                            f"{', '.join(sorted(known | names))}\n").encode()
                    await send({"type": "http.response.start", "status": 404,
                                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
                    await send({"type": "http.response.body", "body": body})
                    return
        if path.endswith(".atom"):
            await app(scope, receive, _absolute_links(scope, send))
            return
        await app(scope, receive, send)

    return wrapped


def _absolute_links(scope: Any, send: Any) -> Any:
    """Feed readers and mail clients need absolute links: an entry's link to the newsmon
    article page is written relative by the SQL, made absolute here from the request's host."""
    headers = dict(scope.get("headers") or [])
    host = headers.get(b"host", b"").decode("latin-1")
    base = f"{scope.get('scheme', 'http')}://{host}" if host else ""
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def buffered(message: Any) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
            return
        if message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = b"".join(chunks)
        if base:
            body = body.replace(b'href="/', f'href="{base}/'.encode())
        start["headers"] = [(k, v) for k, v in start.get("headers", [])
                            if k.lower() != b"content-length"]
        start["headers"].append((b"content-length", str(len(body)).encode()))
        await send(start)
        await send({"type": "http.response.body", "body": body})

    return buffered


async def _tags_in_database(datasette: Any) -> set[str]:
    names: set[str] = set()
    for name in datasette.databases:
        if name == "_internal":
            continue
        try:
            rows = await datasette.get_database(name).execute(
                "SELECT DISTINCT tag FROM article_tags")
        except Exception:                       # not a newsmon database
            continue
        names.update(str(r["tag"]) for r in rows.rows)
    return names


_CHIP = ('<span style="display:inline-block;padding:0 .5em;margin:0 .2em .2em 0;'
         'border-radius:.8em;background:#eef;border:1px solid #ccd;font-size:.85em">{}</span>')


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str,
                datasette: Any) -> Any:
    """Canned queries and the article table read like a desk: an `article` column and the
    title link to the article page, topics and subtags are chips, dates are readable, a
    snippet's matching words are highlighted."""
    if _config(datasette) is None:
        return None
    keys = row.keys() if hasattr(row, "keys") else []
    if column == "article" and table is None and isinstance(value, int):
        url = datasette.urls.row(database, "articles", value)
        return Markup(f'<a href="{html.escape(url)}">{value}</a>')
    if column == "title" and table is None and "article" in keys and \
            isinstance(row["article"], int) and isinstance(value, str):
        url = datasette.urls.row(database, "articles", row["article"])
        return Markup(f'<a href="{html.escape(url)}">{html.escape(value)}</a>')
    if column == "snippet" and table is None and isinstance(value, str):
        return Markup(_marks(html.escape(value)))
    if column in ("topics", "subtags", "languages") and isinstance(value, str) and \
            value.startswith("["):
        items = json_list(value)
        return Markup("".join(_CHIP.format(html.escape(str(i).replace("_", " ")))
                              for i in items) or "–")
    if column in ("published", "published_at", "first_published_at") and table is None and \
            isinstance(value, str) and len(value) >= 10:
        return Markup(f'<time datetime="{html.escape(value)}">'
                      f'{html.escape(readable_date(value))}</time>')
    return None


def _marks(escaped: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"<mark>\1</mark>", escaped)


async def desk_counts(datasette: Any) -> dict[str, Any] | None:
    """The home page's numbers: waiting for review, new relevant articles per topic in the
    last 24 hours and 7 days, sources flagged by health, articles changed lately."""
    names = [d for d in datasette.databases if d != "_internal"]
    if not names:
        return None
    db = datasette.get_database(names[0])
    now = "strftime('%Y-%m-%dT%H:%M:%S', 'now'"
    one = await db.execute(
        "SELECT (SELECT count(*) FROM articles WHERE relevant = 1 AND review_status = 'new' "
        "AND duplicate_of IS NULL) AS waiting, (SELECT count(*) FROM articles WHERE "
        f"coalesce(removed_at, edited_at) >= {now}, '-7 days')) AS changed")
    topics = await db.execute(
        f"SELECT t.tag AS name, sum(a.first_seen_at >= {now}, '-1 day')) AS day, count(*) AS "
        "week FROM articles a JOIN article_tags t ON t.article_id = a.id AND t.kind = 'topic' "
        f"WHERE a.relevant = 1 AND a.duplicate_of IS NULL AND a.first_seen_at >= {now}, "
        "'-7 days') GROUP BY t.tag ORDER BY t.tag")
    found = {r["name"]: r for r in topics.rows}
    health = await db.execute("SELECT source FROM source_health WHERE status != 'ok' "
                              "AND enabled = 1")
    flagged = [r["source"] for r in health.rows]
    row = one.first()
    return {"database": names[0], "waiting": row["waiting"], "changed": row["changed"],
            "topics": [{"name": t, "day": found[t]["day"] if t in found else 0,
                        "week": found[t]["week"] if t in found else 0}
                       for t in ("crackdown", "emigration")],
            "flagged": len(flagged), "flagged_names": flagged[:8]}


@hookimpl
def extra_template_vars(template: str, database: str | None, table: str | None,
                        view_name: str, request: Any, datasette: Any) -> Any:
    if _config(datasette) is not None and view_name == "index":
        async def home() -> dict[str, Any]:
            return {"desk": await desk_counts(datasette)}
        return home
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
        parts.append(f'<text class="week" x="{left + i * bar + bar / 2:.1f}" '
                     f'y="{height - bottom + 14}" font-size="10" text-anchor="middle">'
                     f'{html.escape(_week_label(week, weeks[i - 1] if i else None))}</text>')
    for j, topic in enumerate(topics):
        y = height + 20 * j
        parts.append(f'<rect x="{left}" y="{y - 10}" width="10" height="10" '
                     f'fill="{PALETTE[j % len(PALETTE)]}"/><text x="{left + 15}" y="{y}" '
                     f'font-size="12">{html.escape(topic)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _week_label(week: str, previous: str | None) -> str:
    """"10 Nov 2025" for the first week and when the year changes, "17 Nov" after: never
    an ambiguous "25-11-10"."""
    try:
        day = datetime.fromisoformat(week[:10])
    except ValueError:
        return week
    if previous is None or previous[:4] != week[:4]:
        return day.strftime("%-d %b %Y")
    return day.strftime("%-d %b")


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
