"""ASGI guard in front of Datasette: login throttling, no introspection for anonymous visitors,
a shorter time limit for their queries.

Installed by the plugin's asgi_wrapper hook on a Datasette that `newsmon serve` configured.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

# Pages that show how the server is set up (file paths, plugins, password file locations):
# for logged-in reviewers only.
INTROSPECTION = ("/-/metadata", "/-/databases", "/-/plugins", "/-/settings", "/-/config",
                 "/-/versions", "/-/threads", "/-/actions", "/-/allow-debug",
                 "/-/permissions", "/-/messages", "/-/patterns")


@dataclass
class LoginThrottle:
    """Failed logins per account and per address in a sliding window; each attempt costs
    about 230 ms of CPU (PBKDF2), so refusals happen before the password is checked."""

    window_s: float = 900.0
    per_account: int = 5
    per_address: int = 20
    clock: Callable[[], float] = time.monotonic
    _failures: dict[tuple[str, str], deque[float]] = field(default_factory=dict)

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and self.clock() - failures[0] > self.window_s:
            failures.popleft()
        return failures

    def wait_s(self, account: str, address: str) -> float:
        """Seconds until an attempt is allowed (0: now)."""
        wait = 0.0
        for key, limit in ((("account", account.lower()), self.per_account),
                           (("address", address), self.per_address)):
            failures = self._recent(key)
            if len(failures) >= limit:
                wait = max(wait, self.window_s - (self.clock() - failures[-limit]))
        return wait

    def failed(self, account: str, address: str) -> None:
        for key in (("account", account.lower()), ("address", address)):
            self._recent(key).append(self.clock())

    def succeeded(self, account: str) -> None:
        self._failures.pop(("account", account.lower()), None)


async def _send_text(send: Send, status: int, text: str,
                     headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


def wrap(app: App, datasette: Any, throttle: LoginThrottle | None = None,
         anonymous_time_limit_ms: int = 1000) -> App:
    throttle = throttle or LoginThrottle()

    def actor(scope: Scope) -> dict[str, Any] | None:
        headers = dict(scope.get("headers") or [])
        cookie = SimpleCookie(headers.get(b"cookie", b"").decode("latin-1"))
        if "ds_actor" not in cookie:
            return None
        try:
            decoded = datasette.unsign(cookie["ds_actor"].value, "actor")
        except Exception:                  # a forged or stale cookie: nobody
            return None
        found = decoded.get("a") if isinstance(decoded, dict) else None
        return found if isinstance(found, dict) else None

    async def login(scope: Scope, receive: Receive, send: Send) -> None:
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        form = parse_qs(body.decode("utf-8", "replace"))
        account = (form.get("username") or [""])[0]
        address = (scope.get("client") or ("?", 0))[0]
        wait = throttle.wait_s(account, address)
        if wait > 0:
            await _send_text(send, 429, f"Too many failed logins; try again in "
                                        f"{math.ceil(wait / 60)} minute(s).\n",
                             [(b"retry-after", str(math.ceil(wait)).encode())])
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        status: list[int] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        await app(scope, replay, watch)
        if status and status[0] in (301, 302, 303):      # logged in: a redirect
            throttle.succeeded(account)
        elif account:
            throttle.failed(account, address)

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path.rstrip("/") == "/-/login" and scope.get("method") == "POST":
            await login(scope, receive, send)
            return
        who = actor(scope)
        if who is None and path.startswith(INTROSPECTION):
            await _send_text(send, 403, "Log in to see the server's configuration.\n")
            return
        if who is None and scope.get("method") == "GET" and not path.startswith("/-/"):
            # Anonymous visitors' queries get a shorter time limit (Datasette honours a
            # lower ?_timelimit=), so a slow one cannot hold the SQL threads for long.
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"),
                             keep_blank_values=True)
            asked = query.get("_timelimit", [""])[0]
            if not asked.isdigit() or int(asked) > anonymous_time_limit_ms:
                query["_timelimit"] = [str(anonymous_time_limit_ms)]
                scope = {**scope, "query_string": urlencode(query, doseq=True).encode()}
        await app(scope, receive, send)

    return guarded
