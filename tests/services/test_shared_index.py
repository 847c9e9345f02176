"""One index for every worker: versioned files, the ordered feed, background matching."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from models import FeedCursor, IndexVersion, Match, Notification, PostingChange
from tests.factories import make_need, make_offer, make_org, make_user
from web.services.matching import background, feed, index_files, proposals
from web.services.matching.background import Follower
from web.services.matching.index import IndexHolder, engine_posting
from web.services.matching.worker import load_holder
from web.services.postings import lifecycle
from web.services.postings.side import NEED, OFFER

NEED_TEXT = {"title": "视觉检测", "description": "零部件表面缺陷检测", "category": "技术攻关"}
OFFER_TEXT = {"title": "AI视觉检测", "description": "工业视觉零部件表面缺陷检测系统", "category": "技术攻关"}


def worker(engine: Engine, index_dir: Path, *, quiet: bool = False) -> IndexHolder:
    """A worker's holder; ``quiet``: its writes wait for some background thread to match them."""
    holder = load_holder(engine, index_dir=index_dir)
    if quiet:
        holder.on_write = lambda: None
    return holder


def test_workers_map_one_version_and_agree_on_scores(engine: Engine, session: Session, tmp_path: Path) -> None:
    ent, prov = make_org(session), make_org(session, kind="university")
    user = make_user(session, org=ent)
    make_offer(session, org=prov)
    make_offer(session, org=prov, title="专利质押融资", description="知识产权质押贷款服务", category="科技金融")
    a, b = worker(engine, tmp_path), worker(engine, tmp_path)
    assert a.version == b.version is not None
    assert session.exec(select(IndexVersion)).one().path.startswith(str(tmp_path))
    with Session(engine) as s:
        key = NEED.key(lifecycle.create(s, a, NEED, org_id=ent.id, actor_id=user.id,
                                                  values=NEED_TEXT).id)
    with Session(engine) as s:
        b.sync(s)
    posting = a.index.needs_.postings[key]
    scores_a = [(m.offer_id, m.score) for m in a.match(NEED, posting, 10)]
    scores_b = [(m.offer_id, m.score) for m in b.match(NEED, b.index.needs_.postings[key], 10)]
    assert scores_a == scores_b and scores_a
    stored = session.exec(select(Match)).one()
    assert stored.score == pytest.approx(scores_a[0][1])


def test_a_posting_through_one_worker_is_matched_by_the_other_without_a_request(
        engine: Engine, session: Session, tmp_path: Path) -> None:
    ent, prov = make_org(session), make_org(session, kind="university")
    user = make_user(session, org=ent)
    make_offer(session, org=prov)
    a = worker(engine, tmp_path, quiet=True)  # its own thread is not running
    b = worker(engine, tmp_path)
    follower = Follower(engine, b, poll_seconds=0.2)
    follower.start()
    try:
        with Session(engine) as s:
            need_id = lifecycle.create(s, a, NEED, org_id=ent.id, actor_id=user.id, values=NEED_TEXT).id
        with Session(engine) as s:
            assert feed.pending(s, side="need", posting_id=need_id)  # acknowledged before matching
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and not session.exec(select(Match)).all():
            time.sleep(0.05)
        assert session.exec(select(Match)).one().need_id == need_id
    finally:
        follower.stop()
    assert NEED.key(need_id) in b.index.needs_.postings  # b learnt it from the feed
    notes = session.exec(select(Notification)).all()
    assert sorted(n.org_id for n in notes) == sorted([ent.id, prov.id])  # both sides told
    with Session(engine) as s:
        assert not feed.pending(s, side="need", posting_id=need_id)


def test_version_swap_under_concurrent_queries_is_all_or_nothing(
        engine: Engine, session: Session, tmp_path: Path) -> None:
    ent, prov = make_org(session), make_org(session, kind="university")
    make_offer(session, org=prov)
    holder = worker(engine, tmp_path)
    probe = engine_posting(NEED, make_need(session, org=ent), ent)
    old = [(m.offer_id, m.score) for m in holder.match(NEED, probe, 10)]
    for i in range(30):  # the next version knows more offers and more words
        make_offer(session, org=prov, title=f"机器视觉检测平台{i}", description="表面缺陷检测与视觉质检")
    fresh_version = index_files.refit(engine, index_dir=tmp_path)
    fresh = index_files.open_version(engine, fresh_version)
    new = [(m.offer_id, m.score) for m in fresh.match(NEED, probe, 10)]
    assert new != old
    seen: list[list[tuple[str, float]]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def query() -> None:
        while not stop.is_set():
            try:
                seen.append([(m.offer_id, m.score) for m in holder.match(NEED, probe, 10)])
            except BaseException as exc:  # noqa: BLE001  (any failure fails the test below)
                errors.append(exc)

    threads = [threading.Thread(target=query) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    holder.swap(index_files.open_version(engine, fresh_version))
    time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join()
    assert not errors
    assert {tuple(r) for r in seen} <= {tuple(old), tuple(new)}
    assert seen[0] == old and seen[-1] == new and holder.version == fresh_version.version


def test_matching_that_dies_half_way_loses_nothing(engine: Engine, session: Session, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    ent, prov = make_org(session), make_org(session, kind="university")
    user, puser = make_user(session, org=ent), make_user(session, role="provider", org=prov)
    make_offer(session, org=prov)
    holder = worker(engine, tmp_path, quiet=True)
    with Session(engine) as s:
        lifecycle.create(s, holder, NEED, org_id=ent.id, actor_id=user.id, values=NEED_TEXT)
        lifecycle.create(s, holder, OFFER, org_id=prov.id, actor_id=puser.id, values=OFFER_TEXT)
    real = proposals.store_proposals
    calls = 0

    def dies_on_the_second(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("process killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(proposals, "store_proposals", dies_on_the_second)
    with pytest.raises(RuntimeError):
        background.match_pending(engine, holder)
    assert session.exec(select(Match)).all() == [] and session.get(FeedCursor, feed.MATCHING) is None
    monkeypatch.setattr(proposals, "store_proposals", real)
    assert background.catch_up(engine, holder) == 2
    assert len(session.exec(select(Match)).all()) == 2  # the need with each offer, once
    assert session.get(FeedCursor, feed.MATCHING).seq == session.exec(select(PostingChange.seq)).all()[-1]


def test_two_workers_matching_the_same_batch_store_it_once(engine: Engine, session: Session,
                                                            tmp_path: Path) -> None:
    ent, prov = make_org(session), make_org(session, kind="university")
    user = make_user(session, org=ent)
    make_offer(session, org=prov)
    a, b = worker(engine, tmp_path, quiet=True), worker(engine, tmp_path, quiet=True)
    with Session(engine) as s:
        lifecycle.create(s, a, NEED, org_id=ent.id, actor_id=user.id, values=NEED_TEXT)
    results: list[int] = []
    barrier = threading.Barrier(2)

    def run(holder: IndexHolder) -> None:
        barrier.wait()
        results.append(background.match_pending(engine, holder))

    threads = [threading.Thread(target=run, args=(h,)) for h in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 1 or results.count(1) == 1
    assert len(session.exec(select(Match)).all()) == 1
    assert len(session.exec(select(Notification)).all()) == 2


def test_refit_command_publishes_a_version_that_running_workers_take_up(
        engine: Engine, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from web.cli import app

    ent, prov = make_org(session), make_org(session, kind="university")
    make_offer(session, org=prov)
    running = worker(engine, tmp_path)
    make_need(session, org=ent)  # written by a script: no feed change
    monkeypatch.setenv("DATABASE_URL", str(engine.url.render_as_string(hide_password=False)))
    monkeypatch.setenv("ZHENGQI_INDEX_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["refit-index"])
    assert result.exit_code == 0, result.output
    newest = session.exec(select(IndexVersion).order_by(IndexVersion.version.desc())).first()  # type: ignore[union-attr]
    assert "第 2 版" in result.output and newest.version == 2 and newest.postings == 2
    background.run_round(engine, running)
    assert running.version == 2 and running.size() == 2


def test_concurrent_refits_converge_on_one_version(engine: Engine, session: Session, tmp_path: Path) -> None:
    make_offer(session, org=make_org(session, kind="university"))
    worker(engine, tmp_path)
    found: list[int] = []
    threads = [threading.Thread(target=lambda: found.append(index_files.refit(engine, index_dir=tmp_path).version))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    versions = session.exec(select(IndexVersion)).all()
    # Every caller ends up with a registered version; files of the losers are gone.
    assert set(found) <= {v.version for v in versions}
    assert {p.name for p in tmp_path.glob("*.zqm")} <= {Path(v.path).name for v in versions}


def test_a_version_dropped_before_it_is_opened_gives_way_to_the_newest(
        engine: Engine, session: Session, tmp_path: Path) -> None:
    """Between reading the newest row and opening its file, other workers' refits may have
    written two more versions and deleted that file: the worker opens the newest instead."""
    make_offer(session, org=make_org(session, kind="university"))
    worker(engine, tmp_path)
    with Session(engine) as s:
        seen = index_files.newest(s)
    assert seen is not None
    for _ in range(index_files.KEEP_VERSIONS):
        make_offer(session, org=make_org(session, kind="university"))
        index_files.refit(engine, index_dir=tmp_path)
    assert not Path(seen.path).exists()
    holder = index_files.open_version(engine, seen)
    with Session(engine) as s:
        now = index_files.newest(s)
    assert now is not None and holder.version == now.version > seen.version
    assert holder.size() == 3


def two_quiet_workers(engine: Engine, session: Session, tmp_path: Path
                      ) -> tuple[IndexHolder, IndexHolder, Callable[..., None]]:
    """Workers a and b with no threads running, and ``post(title)``: a need posted through a."""
    ent, prov = make_org(session), make_org(session, kind="university")
    user = make_user(session, org=ent)
    make_offer(session, org=prov)
    a, b = worker(engine, tmp_path, quiet=True), worker(engine, tmp_path, quiet=True)

    def post(title: str = NEED_TEXT["title"]) -> None:
        with Session(engine) as s:
            lifecycle.create(s, a, NEED, org_id=ent.id, actor_id=user.id, values=NEED_TEXT | {"title": title})

    return a, b, post


def test_a_batch_is_matched_by_the_worker_that_wrote_it_not_twice(engine: Engine, session: Session,
                                                                   tmp_path: Path) -> None:
    a, b, post = two_quiet_workers(engine, session, tmp_path)
    post()  # through a
    computed: list[str] = []
    for name, holder in (("a", a), ("b", b)):
        match = holder.match
        holder.match = lambda *args, _m=match, _n=name, **kw: (computed.append(_n), _m(*args, **kw))[1]
    assert background.match_pending(engine, b, defer=True) == 0  # a wrote it: b leaves it to a
    assert b.ownership.take_retry() is not None  # and looks again when the grace ends
    assert background.match_pending(engine, a, defer=True) == 1
    assert background.match_pending(engine, b, defer=True) == 0  # nothing left
    assert computed == ["a"]
    assert len(session.exec(select(Match)).all()) == 1


def test_a_batch_whose_writer_stays_silent_is_taken_after_the_grace(
        engine: Engine, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("web.services.matching.ownership.OWNER_GRACE_SECONDS", 0.2)
    a, b, post = two_quiet_workers(engine, session, tmp_path)
    post()  # through a
    assert background.match_pending(engine, b, defer=True) == 0
    assert not session.exec(select(Match)).all()
    time.sleep(0.25)  # a died, or is busy: b takes the batch over
    assert background.match_pending(engine, b, defer=True) == 1
    assert len(session.exec(select(Match)).all()) == 1
    # Without defer (commands, tests, inline matching) nothing waits.
    post("视觉检测二")
    assert background.catch_up(engine, b) == 1


def test_when_changes_pile_up_nothing_is_left_to_the_writer(engine: Engine, session: Session,
                                                             tmp_path: Path) -> None:
    a, b, post = two_quiet_workers(engine, session, tmp_path)
    for i in range(background.BATCH + 1):  # more than a batch waits: matching is behind
        post(f"视觉检测{i}")
    assert background.match_pending(engine, b, defer=True) == background.BATCH
    assert background.match_pending(engine, b, defer=True) == 0  # the last one is a's again
