"""Reviewing in Datasette (`newsmon serve`): logins, review log, canned queries, feeds, export."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("NEWSMON_DB", "NEWSMON_SOURCES")}


def newsmon(*args: str, stdin: str | None = None,
            check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "newsmon.cli", *args], cwd=REPO, env=_env(),
                            input=stdin, capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"newsmon {' '.join(args)}:\n{result.stdout}\n{result.stderr}")
    return result


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Served:
    def __init__(self, db: Path, base: str, name: str, sources: Path) -> None:
        self.db, self.base, self.name, self.sources = db, base, name, sources
        self.clients: list[httpx.Client] = []

    def client(self) -> httpx.Client:
        client = httpx.Client(base_url=self.base, timeout=30)
        self.clients.append(client)      # closed when the server stops (no socket left open)
        return client

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.clients.clear()

    def login(self, user: str = "anna", password: str = PASSWORD) -> httpx.Client:
        client = self.client()
        form = client.get("/-/login").text
        token = re.search(r'name="csrftoken" value="([^"]+)"', form)
        assert token, form
        response = client.post("/-/login", data={"username": user, "password": password,
                                                 "csrftoken": token.group(1)})
        assert response.status_code == 302, response.text
        return client


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The demo database, one reviewer login, and `newsmon serve` on a free port."""
    tmp = tmp_path_factory.mktemp("review")
    db = tmp / "newsroom.db"
    sources = tmp / "demo-sources.yaml"
    newsmon("demo", "--port", "0", "--db", str(db), "--sources", str(sources))
    for name in ("anna", "bob"):
        newsmon("user", "add", name, "--db", str(db), "--password-stdin", stdin=PASSWORD + "\n")
    port = _free_port()
    log = open(tmp / "serve.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "newsmon.cli", "serve", "--db", str(db),
                             "--sources", str(sources), "--port", str(port)], cwd=REPO,
                            env=_env(), stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise AssertionError((tmp / "serve.log").read_text())
            time.sleep(0.3)
        site = Served(db, base, "newsroom", sources)
        yield site
        site.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _token(page: str) -> str:
    match = re.search(r'name="csrftoken" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _rows(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def test_user_add_rejects_bad_names_and_short_passwords(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    missing = newsmon("user", "add", "bob", "--db", db, "--password-stdin",
                      stdin="long enough\n", check=False)
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    from storage.db import open_db
    open_db(db).close()
    bad = newsmon("user", "add", "Bad Name!", "--db", db, "--password-stdin", stdin="pw\n",
                  check=False)
    assert bad.returncode == 2 and "user name" in bad.stderr
    short = newsmon("user", "add", "bob", "--db", db, "--password-stdin", stdin="short\n",
                    check=False)
    assert short.returncode == 1 and "at least 8 characters" in short.stderr
    newsmon("user", "add", "bob", "--db", db, "--password-stdin", stdin="long enough\n")
    assert newsmon("user", "list", "--db", db).stdout.split() == ["bob"]
    hash_file = Path(f"{Path(db).resolve()}-users") / "bob.hash"
    assert oct(hash_file.stat().st_mode)[-3:] == "600"
    assert hash_file.read_text().startswith("pbkdf2_sha256$")
    newsmon("user", "remove", "bob", "--db", db)
    assert newsmon("user", "list", "--db", db).stdout.split() == []
    assert hash_file.exists()             # a running server still reads it: now unusable
    assert newsmon("user", "remove", "bob", "--db", db, check=False).returncode == 1
    again = newsmon("user", "add", "bob", "--db", db, "--password-stdin", stdin="back again\n")
    assert "added reviewer bob" in again.stdout
    assert newsmon("user", "list", "--db", db).stdout.split() == ["bob"]


def _untouched(served: Served, n: int) -> list[int]:
    """Articles nobody has reviewed yet (the demo verifies two and re-queues them)."""
    ids = [r["id"] for r in _rows(served.db, "SELECT id FROM articles WHERE review_status = 'new' "
                                             "AND id NOT IN (SELECT article_id FROM review_log) "
                                             "ORDER BY id")]
    assert len(ids) >= n
    return ids[:n]


def test_anonymous_visitors_read_but_never_write(served: Served) -> None:
    # Which ids the demo's own reviews land on depends on the crawl's order: take one they missed.
    [a] = _untouched(served, 1)
    anon = served.client()
    article = anon.get(f"/{served.name}/articles/{a}")
    assert article.status_code == 200 and "Log in</a> to review" in article.text
    assert 'id="review-form"' not in article.text
    assert anon.post("/-/newsmon/review", data={"database": served.name, "id": str(a),
                                                "status": "verified"}).status_code == 403
    assert anon.post("/-/newsmon/review", data={"database": served.name, "id": str(a),
                                                "status": "verified", "_json": "1"}
                     ).json()["ok"] is False
    sql = anon.get(f"/{served.name}", params={"sql": "UPDATE articles SET review_status = "
                                                     "'verified'"})
    assert sql.status_code == 400
    assert _rows(served.db, "SELECT count(*) AS n FROM review_log WHERE article_id = ?", (a,)
                 )[0]["n"] == 0
    assert _rows(served.db, "SELECT review_status FROM articles WHERE id = ?", (a,)
                 )[0]["review_status"] == "new"
    metadata = anon.get("/-/metadata.json").text
    assert "pbkdf2" not in metadata                       # hashes stay in their files


def test_a_logged_in_reviewer_changes_status_and_the_log_records_it(served: Served) -> None:
    a, b = _untouched(served, 2)
    client = served.login()
    page = client.get(f"/{served.name}/articles/{a}")
    assert 'id="review-form"' in page.text
    no_csrf = client.post("/-/newsmon/review", data={"database": served.name, "id": str(a),
                                                     "status": "verified"})
    assert no_csrf.status_code == 403                     # CSRF protection stays on
    token = _token(page.text)
    done = client.post("/-/newsmon/review", data={
        "database": served.name, "id": str(a), "status": "needs_follow_up",
        "note": "check the court date", "csrftoken": token})
    assert done.status_code == 302 and done.headers["location"].endswith(f"/articles/{a}")
    for form, status in (({"id": "99999", "status": "verified"}, 404),
                         ({"id": str(a), "status": "bogus"}, 400),
                         ({"id": "two", "status": "verified"}, 400)):
        bad = client.post("/-/newsmon/review", data={"database": served.name,
                                                     "csrftoken": token, **form})
        assert bad.status_code == status, (form, bad.text)
    [row] = _rows(served.db, "SELECT review_status, reviewer, note, reviewed_at FROM articles "
                             "WHERE id = ?", (a,))
    assert row["review_status"] == "needs_follow_up" and row["reviewer"] == "anna"
    assert row["note"] == "check the court date" and row["reviewed_at"]
    log = _rows(served.db, "SELECT * FROM review_log WHERE article_id = ?", (a,))
    assert [(r["old_status"], r["new_status"], r["reviewer"]) for r in log] == [
        ("new", "needs_follow_up", "anna")]
    shown = client.get(f"/{served.name}/articles/{a}").text
    assert "new → needs_follow_up by anna: check the court date" in shown

    # Scripts use the same route (the one write path), with a JSON answer.
    scripted = client.post("/-/newsmon/review", data={
        "database": served.name, "id": str(b), "status": "irrelevant", "note": "",
        "csrftoken": token, "_json": "1"})
    assert scripted.status_code == 200 and scripted.json() == {
        "ok": True, "message": f"Article {b}: new → irrelevant", "article": b,
        "old_status": "new", "new_status": "irrelevant"}
    [entry] = _rows(served.db, "SELECT * FROM review_log WHERE article_id = ?", (b,))
    assert entry["reviewer"] == "anna" and entry["new_status"] == "irrelevant"


def test_a_removed_reviewer_cannot_write_any_more(served: Served) -> None:
    [c] = _untouched(served, 1)
    bob = served.login("bob")
    page = bob.get(f"/{served.name}/articles/{c}").text
    assert 'id="review-form"' in page
    token = _token(page)
    newsmon("user", "remove", "bob", "--db", str(served.db))
    assert served.client().get("/-/login").status_code == 200      # others can still log in
    denied = bob.post("/-/newsmon/review", data={"database": served.name, "id": str(c),
                                                 "status": "verified", "csrftoken": token})
    assert denied.status_code == 403 and "not a reviewer" in denied.text
    scripted = bob.post("/-/newsmon/review", data={
        "database": served.name, "id": str(c), "status": "verified", "csrftoken": token,
        "_json": "1"})
    assert scripted.status_code == 403 and not scripted.json()["ok"]
    assert 'id="review-form"' not in bob.get(f"/{served.name}/articles/{c}").text
    with pytest.raises(AssertionError):
        served.login("bob")                                   # the old password is gone
    assert _rows(served.db, "SELECT count(*) AS n FROM review_log WHERE article_id = ?",
                 (c,))[0]["n"] == 0


def test_a_second_reviewer_confirming_is_logged(served: Served) -> None:
    [a] = _untouched(served, 1)
    [quiet] = [r["id"] for r in _rows(served.db, "SELECT id FROM articles WHERE relevant = 0 "
                                                 "AND id NOT IN (SELECT article_id FROM "
                                                 "review_log) AND id != ? ORDER BY id LIMIT 1",
                                      (a,))]
    conn = sqlite3.connect(served.db)
    conn.execute("UPDATE articles SET review_status = 'relevant', reviewer = 'anna', "
                 "reviewed_at = '2026-01-01T00:00:00+00:00' WHERE id = ?", (a,))
    conn.execute("UPDATE articles SET reviewer = 'carl', "
                 "reviewed_at = '2026-01-02T00:00:00+00:00' WHERE id = ?", (a,))
    # A crawler's write (recheck's checked_at) is not a review.
    conn.execute("UPDATE articles SET checked_at = '2026-01-03T00:00:00+00:00' WHERE id = ?",
                 (a,))
    conn.execute("UPDATE articles SET checked_at = '2026-01-03T00:00:00+00:00' WHERE id = ?",
                 (quiet,))
    conn.commit()
    conn.close()
    log = _rows(served.db, "SELECT reviewer, old_status, new_status FROM review_log "
                           "WHERE article_id = ? ORDER BY id", (a,))
    assert log == [{"reviewer": "anna", "old_status": "new", "new_status": "relevant"},
                   {"reviewer": "carl", "old_status": "relevant", "new_status": "relevant"}]
    assert not _rows(served.db, "SELECT id FROM review_log WHERE article_id = ?", (quiet,))


def test_home_page_links_work(served: Served) -> None:
    client = served.client()
    home = client.get("/").text
    links = set(re.findall(r'href="(/[^"#]*)"', home))
    assert "/-/newsmon/weekly-chart" in links and f"/{served.name}/review_queue" in links
    reviewer = served.login()
    for link in sorted(links):
        link = link.replace("&amp;", "&")
        assert reviewer.get(link).status_code == 200, link
        expected = 403 if link.endswith("/review_log") else 200    # reviewers' names, notes
        assert client.get(link).status_code == expected, link


def test_the_review_log_cannot_be_edited(served: Served) -> None:
    client = served.login()
    for sql in ("DELETE FROM review_log", "UPDATE review_log SET reviewer = 'x'",
                "WITH a AS (SELECT 1) DELETE FROM review_log"):
        assert client.get(f"/{served.name}", params={"sql": sql}).status_code == 400
    conn = sqlite3.connect(served.db)
    conn.execute("INSERT INTO review_log (article_id, at, new_status) VALUES (1, 'now', 'new')")
    conn.commit()
    for sql in ("UPDATE review_log SET reviewer = 'x'", "DELETE FROM review_log"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(sql)
    conn.close()


def test_articles_page_facets_and_search(served: Served) -> None:
    client = served.client()
    data = client.get(f"/{served.name}/articles.json", params={
        "_search": "Vilnius", "_shape": "objects"}).json()
    assert data["rows"] and all("vilnius" in (r["title"] + r["text"]).lower()
                                for r in data["rows"])
    facets = client.get(f"/{served.name}/articles.json").json()["facet_results"]
    for name in ("source", "lang", "topics", "subtags", "review_status", "countries",
                 "published_month"):
        assert name in facets and facets[name]["results"], name
    months = {r["value"] for r in facets["published_month"]["results"]}
    assert months == {r["m"] for r in _rows(served.db, "SELECT DISTINCT substr(published_at, 1, 7)"
                                                       " AS m FROM articles")}


def test_canned_queries_answer(served: Served) -> None:
    client = served.client()

    def query(name: str, **params: str) -> list[dict[str, Any]]:
        response = client.get(f"/{served.name}/{name}.json",
                              params={"_shape": "objects", **params})
        assert response.status_code == 200, response.text
        return list(response.json()["rows"])

    queue = query("review_queue")
    expected = _rows(served.db, "SELECT id FROM articles WHERE relevant = 1 AND "
                                "review_status = 'new' AND duplicate_of IS NULL")
    assert {r["article"] for r in queue} == {r["id"] for r in expected} and queue
    dates = [r["published_at"] for r in queue]
    assert dates == sorted(dates, reverse=True)
    stories = query("multi_outlet_stories", days="100000")
    assert stories and all(r["outlet_count"] >= 2 for r in stories)
    copies = query("story_copies", story=str(stories[0]["story"]))
    assert len(copies) == stories[0]["article_count"] >= 2
    assert copies[0]["relation"] == "first report"
    assert all(c["relation"] in ("verbatim", "rewrite", "teaser", "expanded", "translation")
               for c in copies[1:])
    assert [c["published"] for c in copies] == sorted(c["published"] for c in copies)
    # The demo's news is dated relative to today, so the default window (7 days) shows it.
    recent = query("multi_outlet_stories", days="")
    assert recent and {r["story"] for r in recent} <= {r["story"] for r in stories}
    weekly = query("weekly_topic_counts")
    assert {r["topic"] for r in weekly} == {"crackdown", "emigration"}
    assert all(r["articles"] >= r["stories"] >= 1 for r in weekly)
    health = query("source_health_now")
    assert {r["source"] for r in health} >= {"demo-tmt", "demo-meduza", "demo-novaya",
                                             "demo-ovd"}
    # The demo's second pass edits one verified page and takes another down.
    changed = {r["article"]: r for r in query("edited_or_removed")}
    stored = _rows(served.db, "SELECT id, edited_at, removed_at FROM articles "
                              "WHERE edited_at IS NOT NULL OR removed_at IS NOT NULL")
    assert set(changed) == {r["id"] for r in stored} and len(changed) == 2
    assert sum(1 for r in changed.values() if r["removed_reason"]) == 1


def test_chart_draws_one_bar_per_week_and_topic(served: Served) -> None:
    client = served.client()
    weekly = client.get(f"/{served.name}/weekly_topic_counts.json",
                        params={"_shape": "objects"}).json()["rows"]
    page = client.get("/-/newsmon/weekly-chart").text
    bars = re.findall(r'<rect class="bar" data-week="([^"]+)" data-topic="([^"]+)" '
                      r'data-articles="(\d+)"', page)
    assert sorted(bars) == sorted((r["week"], r["topic"], str(r["articles"])) for r in weekly)
    labels = re.findall(r'<text class="week"[^>]*>([^<]+)</text>', page)
    assert len(labels) == len({r["week"] for r in weekly})
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", labels[0])   # "10 Nov 2025", not 25-11-10
    svg = client.get("/-/newsmon/weekly-chart", params={"_format": "svg"})
    assert svg.headers["content-type"].startswith("image/svg+xml")


def test_atom_feeds_of_the_queue_and_of_a_topic(served: Served) -> None:
    client = served.client()
    queue = feedparser.parse(client.get(f"/{served.name}/review_queue_feed.atom").content)
    assert not queue.bozo and queue.entries
    in_queue = _rows(served.db, "SELECT count(*) AS n FROM articles WHERE relevant = 1 AND "
                                "review_status = 'new' AND duplicate_of IS NULL")[0]["n"]
    assert len(queue.entries) == in_queue
    topic = feedparser.parse(client.get(f"/{served.name}/topic_feed.atom",
                                        params={"topic": "emigration"}).content)
    assert not topic.bozo and topic.entries
    tagged = _rows(served.db, "SELECT a.id, a.url, a.source FROM articles a JOIN article_tags t "
                              "ON t.article_id = a.id WHERE t.tag = 'emigration' AND "
                              "a.relevant = 1 AND a.duplicate_of IS NULL")
    by_id = {f"urn:newsmon:article:{r['id']}": r for r in tagged}
    assert {e.id for e in topic.entries} == set(by_id)
    for entry in topic.entries:
        article = by_id[entry.id]
        # The entry opens the newsmon page, where a reviewer acts; the original is inside.
        assert entry.link == f"{served.base}/{served.name}/articles/{article['id']}"
        assert f'href="{article["url"]}"' in entry.summary
        assert entry.author == article["source"]          # Atom requires an author
        assert entry.summary.startswith("<p>Topics: ") and '["' not in entry.summary
        assert "emigration" in entry.summary.split("</p>", 1)[0]
    for tag in ("no_such_topic", ""):
        unknown = client.get(f"/{served.name}/topic_feed.atom", params={"topic": tag})
        assert unknown.status_code == 404 and "emigration" in unknown.text  # lists known ones
    subtag = client.get(f"/{served.name}/topic_feed.atom", params={"topic": "exit_ban"})
    assert subtag.status_code == 200 and not feedparser.parse(subtag.content).bozo
    csv_export = client.get(f"/{served.name}/articles.csv", params={"_size": "max"})
    assert csv_export.status_code == 200 and csv_export.text.startswith("id,")


def test_export_command_formats_agree(served: Served, tmp_path: Path) -> None:
    db = str(served.db)
    lines = newsmon("export", "--db", db, "--topic", "crackdown", "--since", "2025-11-01",
                    "--format", "jsonl").stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    assert rows and all("crackdown" in r["topics"] for r in rows)
    assert all(r["published_at"] >= "2025-11-01" and r["relevant"] == 1 for r in rows)
    out = tmp_path / "crackdown.csv"
    newsmon("export", "--db", db, "--topic", "crackdown", "--since", "2025-11-01",
            "--format", "csv", "-o", str(out))
    with open(out, encoding="utf-8", newline="") as handle:
        parsed = list(csv.DictReader(handle))
    assert [int(r["id"]) for r in parsed] == [r["id"] for r in rows]
    assert [r["text"] for r in parsed] == [r["text"] for r in rows]     # newlines survive
    assert not out.read_bytes().startswith(b"\xef\xbb\xbf")
    # --bom: a byte-order mark so Excel opens Cyrillic as UTF-8; the rows are unchanged.
    excel = tmp_path / "crackdown-excel.csv"
    newsmon("export", "--db", db, "--topic", "crackdown", "--since", "2025-11-01",
            "--format", "csv", "--bom", "-o", str(excel))
    assert excel.read_bytes().startswith(b"\xef\xbb\xbfid,")
    with open(excel, encoding="utf-8-sig", newline="") as handle:
        assert list(csv.DictReader(handle)) == parsed
    bom_jsonl = newsmon("export", "--db", db, "--format", "jsonl", "--bom", check=False)
    assert bom_jsonl.returncode == 2 and "--bom" in bom_jsonl.stderr
    atom = newsmon("export", "--db", db, "--topic", "crackdown", "--since", "2025-11-01",
                   "--format", "atom").stdout
    feed = feedparser.parse(atom)
    assert not feed.bozo and [e.id for e in feed.entries] == [
        f"urn:newsmon:article:{r['id']}" for r in rows]
    bad = newsmon("export", "--db", db, "--topic", "nonsense", check=False)
    assert bad.returncode == 2 and "crackdown" in bad.stderr
    assert newsmon("export", "--db", db, "--since", "yesterday-ish",
                   check=False).returncode == 2


# -- a real browser --------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
SCREENSHOTS = Path(os.environ.get("NEWSMON_SCREENSHOT_DIR", REPO / "test-artifacts"))


@pytest.fixture
def browser() -> Iterator[Any]:
    if not (CHROMIUM and CHROMEDRIVER):
        message = ("headless Chromium not installed (Debian packages chromium and "
                   "chromium-driver; .ci/run installs them)")
        if os.environ.get("NEWSMON_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--window-size=1280,1400"):
        options.add_argument(arg)
    # An explicit driver path: Selenium Manager would otherwise try the network.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _shot(browser: Any, name: str) -> None:
    """Keep a screenshot of each page the browser test visits (CI keeps test-artifacts/)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{name}.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 5_000


def test_in_a_browser_desk_search_review_and_feeds(served: Served, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait
    wait = WebDriverWait(browser, 30)
    articles = f"{served.base}/{served.name}/articles"

    # The desk's home page: counts, a search box, no internal tables on show.
    browser.get(served.base + "/")
    counts = browser.find_element(By.CSS_SELECTOR, ".desk-counts").text
    waiting = _rows(served.db, "SELECT count(*) AS n FROM articles WHERE relevant = 1 AND "
                               "review_status = 'new' AND duplicate_of IS NULL")[0]["n"]
    assert f"{waiting}\nwaiting for review" in counts and "sources flagged by health" in counts
    home_links = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "h2 + p a")]
    assert "articles" in home_links and "lsh_recent" not in home_links
    _shot(browser, "desk-home")

    # Search in Russian from the home page: an inflected form finds the other forms.
    box = browser.find_element(By.NAME, "q")
    box.send_keys("иноагент")
    box.submit()
    wait.until(ec.url_contains("/search?q="))
    assert browser.title.startswith("Search articles")         # not the SQL text
    assert not browser.find_elements(By.CSS_SELECTOR, "textarea#sql-editor")
    marks = [m.text.lower() for m in browser.find_elements(
        By.CSS_SELECTOR, "td.col-title mark, td.col-snippet mark")]
    assert marks and all(m.startswith("иноагент") for m in marks)
    assert any(m != "иноагент" for m in marks)                # inflected forms found too
    links = browser.find_elements(By.CSS_SELECTOR, "td.col-title a")
    assert links and all("/articles/" in a.get_attribute("href") for a in links)
    _shot(browser, "search-ru")

    # Search in English with the table's own box: "detain" finds "detained".
    browser.get(articles)
    box = browser.find_element(By.NAME, "_search")
    box.send_keys("detain")
    box.submit()
    wait.until(ec.url_contains("_search=detain"))
    found = [int(a.get_attribute("href").rstrip("/").rsplit("/", 1)[1])
             for a in browser.find_elements(By.CSS_SELECTOR, ".desk-list .desk-title a")]
    detained = {r["id"] for r in _rows(served.db, "SELECT id FROM articles WHERE "
                                                  "lower(title || ' ' || text) LIKE '%detained%'")}
    assert found and detained and detained <= set(found)      # "detain" found "detained"
    _shot(browser, "search-en")

    # The compact list, faceted by topic: chips, readable dates, no raw JSON.
    browser.get(articles)
    browser.find_element(By.CSS_SELECTOR, "#facet-topics").find_element(
        By.PARTIAL_LINK_TEXT, "emigration").click()
    wait.until(ec.url_contains("topics__arraycontains=emigration"))
    expected = _rows(served.db, "SELECT count(*) AS n FROM articles WHERE EXISTS (SELECT 1 "
                                "FROM json_each(topics) WHERE value = 'emigration')")[0]["n"]
    assert f"{expected} row" in browser.find_element(By.CSS_SELECTOR, "h3").text
    items = browser.find_elements(By.CSS_SELECTOR, ".desk-list li")
    assert len(items) == min(expected, 100)
    assert all("emigration" in li.text and '["' not in li.text for li in items)
    assert len(browser.find_elements(By.CSS_SELECTOR, ".facet-info-name")) == len(
        {e.text for e in browser.find_elements(By.CSS_SELECTOR, ".facet-info-name")})
    _shot(browser, "desk-list")

    # Open the first article of the facet from its title.
    browser.find_element(By.CSS_SELECTOR, ".desk-list .desk-title a").click()
    title = wait.until(ec.presence_of_element_located((By.ID, "article-title"))).text
    article_url = browser.current_url
    article_id = int(article_url.rstrip("/").rsplit("/", 1)[1])
    assert title == _rows(served.db, "SELECT title FROM articles WHERE id = ?",
                          (article_id,))[0]["title"]
    assert browser.find_elements(By.CSS_SELECTOR, "#evidence li")
    assert browser.find_elements(By.CSS_SELECTOR, "#article-text p")

    # Log in, come back, change the review status with a note.
    browser.find_element(By.LINK_TEXT, "Log in").click()
    browser.find_element(By.ID, "id_username").send_keys("anna")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.password-login input[type=submit]").click()
    wait.until(ec.url_to_be(served.base + "/"))
    assert "logged in as anna" in browser.find_element(By.CSS_SELECTOR, "section.content").text
    browser.get(article_url)
    Select(wait.until(ec.presence_of_element_located((By.ID, "review-status-select")))
           ).select_by_value("verified")
    note = browser.find_element(By.ID, "review-note")
    note.clear()
    note.send_keys("confirmed by a second source")
    browser.find_element(By.ID, "review-submit").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "review-status"), "verified"))
    history = browser.find_element(By.ID, "review-history").text
    assert "→ verified by anna: confirmed by a second source" in history
    _shot(browser, "review-article")

    # The change is in the review log table.
    browser.get(f"{served.base}/{served.name}/review_log?article_id={article_id}")
    log_text = browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns").text
    assert "anna" in log_text and "verified" in log_text
    assert _rows(served.db, "SELECT new_status, reviewer FROM review_log WHERE article_id = ? "
                            "ORDER BY id DESC LIMIT 1", (article_id,)) == [
        {"new_status": "verified", "reviewer": "anna"}]

    # The review queue's feed, found from the home page: it no longer holds that article.
    browser.get(served.base + "/")
    feed_url = browser.find_element(By.PARTIAL_LINK_TEXT, "Review queue feed").get_attribute("href")
    browser.get(feed_url)
    _shot(browser, "review-queue-feed")
    feed = feedparser.parse(httpx.get(feed_url, timeout=30).content)
    assert not feed.bozo and feed.entries
    assert f"urn:newsmon:article:{article_id}" not in {e.id for e in feed.entries}
    browser.get(feed.entries[0].link)                     # an entry opens the newsmon page
    assert wait.until(ec.presence_of_element_located((By.ID, "article-title"))).text == \
        feed.entries[0].title

    # And the chart renders as SVG bars.
    browser.get(f"{served.base}/-/newsmon/weekly-chart")
    assert browser.find_elements(By.CSS_SELECTOR, "svg#weekly-chart rect.bar")
    _shot(browser, "weekly-chart")


def test_metadata_and_templates_for_an_awkward_database_name(tmp_path: Path) -> None:
    from newsmon.web.serve import build_metadata, build_templates
    db = str(tmp_path / "My News.v2.db")
    metadata = build_metadata(db)
    assert list(metadata["databases"]) == ["My News.v2"]
    assert 'href="/My+News~2Ev2/review_queue"' in metadata["description_html"]  # tilde-encoded
    assert 'href="/-/newsmon/weekly-chart"' in metadata["description_html"]
    templates = build_templates(db, tmp_path)
    [row_template] = templates.glob("row-*-articles.html")
    from datasette.utils import to_css_class
    assert row_template.name == f"row-{to_css_class('My News.v2')}-articles.html"


def test_chart_survives_an_unparseable_date(served: Served) -> None:
    conn = sqlite3.connect(served.db)
    [(article, published)] = conn.execute(
        "SELECT id, published_at FROM articles WHERE relevant = 1 LIMIT 1").fetchall()
    conn.execute("UPDATE articles SET published_at = 'sometime' WHERE id = ?", [article])
    conn.commit()
    try:
        assert served.client().get("/-/newsmon/weekly-chart").status_code == 200
        assert served.client().get(f"/{served.name}/weekly_topic_counts.json").status_code == 200
    finally:
        conn.execute("UPDATE articles SET published_at = ? WHERE id = ?", [published, article])
        conn.commit()
        conn.close()


def test_anonymous_visitors_cannot_see_the_setup_the_log_or_run_sql(served: Served) -> None:
    anon, anna = served.client(), served.login()
    for path in ("/-/metadata.json", "/-/databases.json", "/-/versions.json",
                 "/-/plugins.json", "/-/settings.json"):
        assert anon.get(path).status_code == 403, path
        assert anna.get(path).status_code == 200, path
    assert str(served.db) not in anon.get(f"/{served.name}").text
    assert anon.get(f"/{served.name}/review_log").status_code == 403
    assert anna.get(f"/{served.name}/review_log").status_code == 200
    assert anon.get(f"/{served.name}", params={"sql": "select 1"}).status_code == 403
    assert anna.get(f"/{served.name}.json", params={"sql": "select 1 as one"}
                    ).json()["rows"] == [[1]]
    assert anon.get(f"/{served.name}/articles").status_code == 200      # reading stays open


def test_failed_logins_are_throttled_per_account(served: Served) -> None:
    client = served.client()

    def attempt(user: str, password: str) -> httpx.Response:
        token = _token(client.get("/-/login").text)
        return client.post("/-/login", data={"username": user, "password": password,
                                              "csrftoken": token})
    for _ in range(5):
        assert attempt("mallory", "guess").status_code == 200        # the form again
    started = time.monotonic()
    blocked = attempt("mallory", "guess")
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 60
    assert time.monotonic() - started < 0.2                           # no hashing done
    assert served.login().get("/-/actor.json").json()["actor"]["id"] == "anna"


def test_a_review_waits_for_a_crawl_holding_the_write_lock(served: Served) -> None:
    import threading
    client = served.login()
    token = _token(client.get(f"/{served.name}/articles/6").text)
    held = threading.Event()

    def hold_lock() -> None:
        conn = sqlite3.connect(served.db, timeout=30)
        conn.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(7)                  # longer than Python's default 5 s busy timeout
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=hold_lock)
    thread.start()
    held.wait(10)
    response = client.post("/-/newsmon/review", data={
        "database": served.name, "id": "6", "status": "relevant", "csrftoken": token})
    thread.join()
    assert response.status_code == 302, response.text
    assert _rows(served.db, "SELECT review_status FROM articles WHERE id = 6"
                 )[0]["review_status"] == "relevant"


def test_private_mode_needs_a_login_to_read(served: Served) -> None:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "newsmon.cli", "serve", "--db",
                             str(served.db), "--sources", str(served.sources), "--port",
                             str(port), "--private"], cwd=REPO, env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/-/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.3)
        private = Served(served.db, base, served.name, served.sources)
        anon = private.client()
        assert anon.get("/").status_code == 403
        assert anon.get(f"/{served.name}/articles/1").status_code == 403
        assert anon.get(f"/{served.name}/articles.json").status_code == 403
        assert private.login().get(f"/{served.name}/articles/1").status_code == 200
        private.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_hostile_text_is_escaped_everywhere(served: Served, tmp_path: Path) -> None:
    """A title, text, author or URL carrying markup or SQL shows as text on every page."""
    import json as json_module
    payload = "<script>alert('x')</script><img src=x onerror=alert(1)>'; DROP TABLE articles;--"
    source = tmp_path / "xss.jsonl"
    source.write_text(json_module.dumps({
        "url": "https://evil.example/a?q=<script>alert(1)</script>", "title": payload,
        "text": (payload + " Police detained an activist in Moscow. ") * 6,
        "source": "<b>src</b>"}) + "\n", encoding="utf-8")
    newsmon("import", str(source), "--db", str(served.db))
    [row] = _rows(served.db, "SELECT id FROM articles WHERE url LIKE 'https://evil.example/%'")
    client = served.client()
    for path in (f"/{served.name}/articles/{row['id']}", f"/{served.name}/articles",
                 f"/{served.name}/articles?_search=activist", f"/{served.name}/review_queue",
                 f"/{served.name}/review_queue_feed.atom"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "<script>alert" not in page.text and "<img src=x" not in page.text, path
    assert _rows(served.db, "SELECT count(*) AS n FROM articles")[0]["n"] > 1   # no DROP


def test_why_it_was_tagged_marks_what_did_not_count(served: Served, tmp_path: Path) -> None:
    """The article page says which matches counted (and how much), which did not lead to a
    tag, which a negative vetoed and which the topic model vetoed."""
    import json as json_module
    source = tmp_path / "veto.jsonl"
    source.write_text(json_module.dumps({
        "url": "https://www.themoscowtimes.com/2025/11/20/casino-a1",
        "title": "Court in Perm jails anti-war activist",
        "text": "A court in Perm sentenced an anti-war activist to five years for his posts. "
                "Separately, Roskomnadzor blocked a casino website on Monday. " * 3,
        "source": "themoscowtimes"}) + "\n" + json_module.dumps({
        "url": "https://example.org/2025/11/20/holding-a2",
        "title": "Холдинг переехал с Кипра на остров Октябрьский",
        "text": "Промышленный холдинг перерегистрировался с Кипра в специальный "
                "административный район в Калининграде, куда с 2018 года переехали более "
                "60 компаний.", "lang": "ru"}) + "\n", encoding="utf-8")
    newsmon("import", str(source), "--db", str(served.db))
    # A weak rules topic the topic model vetoed says so, with the model's probability.
    [held] = _rows(served.db, "SELECT id, relevant FROM articles WHERE url LIKE '%holding-a2'")
    assert held["relevant"] == 0
    page = served.client().get(f"/{served.name}/articles/{held['id']}").text
    section = page.split('id="evidence"', 1)[1].split("</section>", 1)[0]
    assert "vetoed by the topic model (probability 0." in section and "переехал" in section
    [row] = _rows(served.db, "SELECT id, tag_evidence, subtags FROM articles "
                             "WHERE url LIKE '%casino-a1'")
    evidence = json_module.loads(row["tag_evidence"])
    assert any(e.get("vetoed_by") for e in evidence) and any(e["counted"] for e in evidence)
    page = served.client().get(f"/{served.name}/articles/{row['id']}").text
    section = page.split('id="evidence"', 1)[1].split("</section>", 1)[0]
    assert 'class="counted"' in section and "vetoed by “casino”" in section
    assert "did not count" in section
