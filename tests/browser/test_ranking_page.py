"""The ranking-model page at desk and phone width: train now, see what happened."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from models.db import autocommit_engine, make_engine
from tests.browser.conftest import login_as, shot
from tests.factories import PASSWORD, make_user
from tests.web.test_ranking_model import _decide, _world


@pytest.fixture
def model_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Model versions go to a temporary folder (set before the live server starts)."""
    monkeypatch.setenv("ZHENGQI_MODEL_DIR", str(tmp_path / "models"))
    return tmp_path / "models"


def test_train_now_at_desk_and_phone_width(model_dir: Path, page) -> None:  # type: ignore[no-untyped-def]
    login_as(page, "demo-staff")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.click("nav.main-nav >> text=排序模型")
    page.wait_for_load_state()
    assert page.url.endswith("/staff/ranking")
    assert page.locator("h1").inner_text() == "排序模型"
    shot(page, "ranking-1366")
    page.click("text=立即训练")
    with page.expect_navigation():  # forms.js asks in a dialog, then submits
        page.locator("dialog#confirm-dialog").get_by_role("button", name="确认训练").click()
    flash = page.locator(".flash").inner_text()
    # The demo data has few decisions: the page says how many more, or, with enough,
    # what training found; either way it says something.
    assert "还需要约" in flash or "训练完成" in flash
    assert (model_dir / "state.json").exists() == ("训练完成" in flash)
    shot(page, "ranking-1366-after-train")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    shot(page, "ranking-390")


def test_trained_model_shown_and_rolled_back(model_dir: Path, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'live.db'}")  # the live server's copy
    with Session(autocommit_engine(engine)) as s:
        _decide(s, _world(s))
        make_user(s, role="admin", username="ranking-admin")
    engine.dispose()
    login_as(page, "ranking-admin", PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/staff/ranking")
    page.click("text=立即训练")
    with page.expect_navigation():  # forms.js asks in a dialog, then submits
        page.locator("dialog#confirm-dialog").get_by_role("button", name="确认训练").click()
    assert "训练完成，已保存模型版本 1" in page.locator(".flash").inner_text()
    assert "启用新模型" in page.locator(".flash").inner_text()
    shot(page, "ranking-1366-trained")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    shot(page, "ranking-390-trained")
    assert "启用新模型" in page.locator(".flash").inner_text()
    page.click("text=回滚当前模型")
    with page.expect_navigation():
        page.locator("dialog#confirm-dialog").get_by_role("button", name="确认回滚").click()
    assert "已回滚，现在不使用模型" in page.locator(".flash").inner_text()
