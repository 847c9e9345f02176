"""Every template compiles, and none loads a script, style or image from another host."""

from __future__ import annotations

import re

import pytest

from web.presentation.templates import TEMPLATES_DIR, make_templates
from web.presentation.times import DEFAULT_TIME_ZONE, local_zone

_ALL = sorted(p.relative_to(TEMPLATES_DIR).as_posix() for p in TEMPLATES_DIR.rglob("*.html"))
_EXTERNAL = re.compile(r"""(src|href)=["'](https?:)?//""", re.IGNORECASE)


@pytest.mark.parametrize("name", _ALL)
def test_template_compiles(name: str) -> None:
    make_templates(local_zone(DEFAULT_TIME_ZONE)).env.get_template(name)


@pytest.mark.parametrize("name", _ALL)
def test_template_loads_nothing_from_outside(name: str) -> None:
    text = (TEMPLATES_DIR / name).read_text(encoding="utf-8")
    assert not _EXTERNAL.search(text), f"{name} references an external URL"
