"""The README's layout section names every service domain and module that exists, and no other."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _layout() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## 目录 / Layout"):]
    return section[:section.index("```", section.index("```") + 3)]


def test_layout_names_every_service_domain_and_module() -> None:
    layout = _layout()
    services = ROOT / "web" / "services"
    for package in sorted(p for p in services.iterdir() if (p / "__init__.py").exists()):
        line = next((ln for ln in layout.splitlines() if ln.strip().startswith(f"{package.name}/")), None)
        assert line is not None, f"README layout does not name web/services/{package.name}/"
        for module in sorted(package.glob("*.py")):
            if module.stem != "__init__":
                assert re.search(rf"\b{module.stem}\b", line), f"{package.name}/{module.name} missing from README"
    for module in sorted(services.glob("*.py")):
        if module.stem != "__init__":
            assert f"{module.name}" in layout, f"web/services/{module.name} missing from README layout"


def test_layout_names_no_missing_domain() -> None:
    layout = _layout()
    named = re.findall(r"^ {4}(\w+)/", layout, flags=re.M)
    assert named and all((ROOT / "web" / "services" / n).is_dir() for n in named)
