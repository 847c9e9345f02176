"""A User-Agent header as people read it: "Chrome 120 · Windows"."""

from __future__ import annotations

import re

# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = (("Edg", "Edge"), ("OPR", "Opera"), ("Firefox", "Firefox"), ("MicroMessenger", "微信"),
             ("HeadlessChrome", "Chrome（无界面）"), ("Chrome", "Chrome"), ("Version", "Safari"))
_SYSTEMS = (("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"),
            ("Mac OS X", "macOS"), ("Linux", "Linux"))


def browser_label(user_agent: str | None) -> str:
    """Browser, major version and system; the raw header's start when nothing is recognised."""
    if not user_agent:
        return "—"
    browser = next((f"{label} {m.group(1)}" for token, label in _BROWSERS
                    if (m := re.search(rf"\b{token}/(\d+)", user_agent))), None)
    system = next((label for token, label in _SYSTEMS if token in user_agent), None)
    if browser is None:
        return user_agent[:40]
    return f"{browser} · {system}" if system else browser
