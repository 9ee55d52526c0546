"""Routing that lets a conversation id contain "/" (Rasa's ``<id:path>``)."""
from __future__ import annotations

import re
from typing import Any

from falcon.routing import CompiledRouter, map_http_methods, set_default_responders

PATH_FIELD = "conversation_id"
"""URI template field that may span several path segments."""

_FIELD = re.compile(r"{(\w+)}")


def _template_regex(uri_template: str) -> re.Pattern[str]:
    pattern, last = "", 0
    for match in _FIELD.finditer(uri_template):
        pattern += re.escape(uri_template[last : match.start()])
        name = match.group(1)
        pattern += f"(?P<{name}>.+)" if name == PATH_FIELD else f"(?P<{name}>[^/]+)"
        last = match.end()
    # DOTALL: an id may contain any character, a newline too ("%0A" in the URL).
    return re.compile(pattern + re.escape(uri_template[last:]), re.DOTALL)


class GatewayRouter(CompiledRouter):
    """Falcon's compiled router plus templates with a ``{conversation_id}``.

    Rasa declares conversation ids as ``<conversation_id:path>``, so ids may
    contain ``/`` (``/conversations/a/b/tracker`` is conversation ``a/b``).
    Falcon's ``path`` converter only works as the last segment, so such
    templates are matched with a regex instead, in the order they were
    added and before the compiled routes. The path Falcon hands over was
    URL-decoded once by the server; it is not decoded again.
    """

    def __init__(self) -> None:
        super().__init__()
        self._path_routes: list[tuple[re.Pattern[str], object, dict[str, Any], str]] = []

    def add_route(self, uri_template: str, resource: object, **kwargs: Any) -> None:
        """Add a route; templates with ``{conversation_id}`` match across "/"."""
        if "{" + PATH_FIELD + "}" not in uri_template:
            super().add_route(uri_template, resource, **kwargs)
            return
        method_map = map_http_methods(resource, suffix=kwargs.get("suffix"))
        set_default_responders(method_map, asgi=kwargs.get("_asgi", False))
        regex = _template_regex(uri_template)
        self._path_routes.append((regex, resource, method_map, uri_template))

    def path_routes(self) -> list[tuple[str, object, dict[str, Any]]]:
        """Return ``(template, resource, method map)`` of the ``{conversation_id}`` routes."""
        return [(template, resource, map_) for _, resource, map_, template in self._path_routes]

    def find(
        self, uri: str, req: Any = None
    ) -> tuple[object, Any, dict[str, Any], str | None] | None:
        """Find the resource, method map, params and template for ``uri``."""
        for regex, resource, method_map, template in self._path_routes:
            match = regex.fullmatch(uri)
            if match:
                return resource, method_map, match.groupdict(), template
        return super().find(uri, req)
