"""newsmon/web/guard.py without a server: the throttle's arithmetic, anonymous time limits."""

from __future__ import annotations

import asyncio
from typing import Any

from newsmon.web.guard import LoginThrottle, wrap


def test_throttle_per_account_and_per_address_with_a_controlled_clock() -> None:
    now = [0.0]
    throttle = LoginThrottle(window_s=900, per_account=5, per_address=20,
                             clock=lambda: now[0])
    for _ in range(5):
        assert throttle.wait_s("anna", "10.0.0.1") == 0
        throttle.failed("anna", "10.0.0.1")
    assert 899 <= throttle.wait_s("anna", "10.0.0.2") <= 900      # the account, anywhere
    assert throttle.wait_s("bob", "10.0.0.1") == 0
    now[0] = 901
    assert throttle.wait_s("anna", "10.0.0.1") == 0               # the window slid by
    for account in range(20):                                     # one address, many names
        throttle.failed(f"user{account}", "10.0.0.9")
    assert throttle.wait_s("carol", "10.0.0.9") > 0
    assert throttle.wait_s("carol", "10.0.0.8") == 0
    throttle.failed("dave", "10.0.0.7")
    throttle.succeeded("dave")
    assert ("account", "dave") not in throttle._failures


class _Datasette:
    def unsign(self, value: str, namespace: str) -> Any:
        if value == "good":
            return {"a": {"id": "anna"}}
        raise ValueError("bad signature")


def _call(query: bytes, cookie: bytes | None, path: str = "/db/articles") -> tuple[Any, Any]:
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen["query"] = scope["query_string"]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    headers = [(b"cookie", b"ds_actor=" + cookie)] if cookie else []
    scope = {"type": "http", "method": "GET", "path": path, "query_string": query,
             "headers": headers, "client": ("127.0.0.1", 1)}
    asyncio.run(wrap(app, _Datasette())(scope, receive, send))
    return seen.get("query"), sent[0]["status"]


def test_anonymous_queries_get_a_short_time_limit_and_no_introspection() -> None:
    assert _call(b"_search=x", None)[0] == b"_search=x&_timelimit=1000"
    assert _call(b"_timelimit=50", None)[0] == b"_timelimit=50"        # lower stays
    assert _call(b"_timelimit=99999", None)[0] == b"_timelimit=1000"
    assert _call(b"_search=x", b"good")[0] == b"_search=x"              # a reviewer
    assert _call(b"_search=x", b"forged")[0] == b"_search=x&_timelimit=1000"
    assert _call(b"", None, "/-/databases.json")[1] == 403
    assert _call(b"", b"good", "/-/databases.json")[1] == 200
