"""``GET /chat``: a small web page to chat with the bot through the REST channel.

Served when ``PARLEY_ENABLE_CHAT=true`` (``parley run --enable-chat``). The
page is one static HTML file (no build step, no external assets); it posts
to ``/webhooks/rest/webhook`` and, when the HTTP API is enabled, its debug
drawer reads ``/conversations/{id}/tracker`` (a ``?token=`` on the page URL
is passed on to those calls). The page is public like the channel itself.
"""
from __future__ import annotations

import json
from pathlib import Path

import falcon
import falcon.asgi

PAGE_FILE = Path(__file__).resolve().parent / "static" / "chat.html"
CONFIG_MARKER = "/*PARLEY_CHAT_CONFIG*/"


class ChatPageResource:
    """Serve the chat page with its settings filled in.

    Args:
        api_enabled: Whether the HTTP API (and so the debug drawer) is on.
        page: The HTML template (default: ``gateway/static/chat.html``).
    """

    public = True

    def __init__(self, *, api_enabled: bool, page: Path = PAGE_FILE) -> None:
        template = page.read_text(encoding="utf-8")
        config = json.dumps({"api": api_enabled, "webhook": "/webhooks/rest/webhook"})
        self.html = template.replace(CONFIG_MARKER, f"window.PARLEY_CHAT = {config};")

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Answer the page."""
        resp.content_type = "text/html; charset=utf-8"
        resp.cache_control = ["no-cache"]
        resp.text = self.html
