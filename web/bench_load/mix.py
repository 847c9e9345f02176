"""The users of every role and the 70/20/10 mix they send; the closed-loop driver."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from web.bench_load.client import Connection, cookies_from

PASSWORD = "Demo-2022"  # the demo accounts' password (README)
ROLES = ("enterprise", "provider", "staff", "official", "admin")
SESSIONS_PER_ROLE = 3


@dataclass
class User:
    role: str
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""
    own_ids: list[int] = field(default_factory=list)  # own needs/offers, or staff's proposals


@dataclass
class Stats:
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)

    def add(self, kind: str, seconds: float, ok: bool, what: str) -> None:
        self.samples.setdefault(kind, []).append(seconds)
        if not ok:
            self.errors[kind] = self.errors.get(kind, 0) + 1
            if len(self.error_examples) < 5:
                self.error_examples.append(what)


async def login(conn: Connection, role: str) -> tuple[User, float]:
    """Log in the demo account of ``role`` as a browser would; returns the user and the time."""
    user = User(role=role)
    _, hdrs, body = await conn.request("GET", "/api/v1/csrf-token")
    cookies_from(hdrs, user.cookies)
    anon = json.loads(body)["csrf_token"]
    form = f"username=demo-{role}&password={quote(PASSWORD)}&csrf_token={anon}".encode()
    t = time.perf_counter()
    status, hdrs, _ = await conn.request(
        "POST", "/login", cookies=user.cookies, body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    took = time.perf_counter() - t
    if status != 303:
        raise RuntimeError(f"登录失败：demo-{role} 返回 {status}")
    cookies_from(hdrs, user.cookies)
    _, _, body = await conn.request("GET", "/api/v1/csrf-token", cookies=user.cookies)
    user.csrf = json.loads(body)["csrf_token"]
    await learn_ids(conn, user)
    return user, took


async def learn_ids(conn: Connection, user: User) -> None:
    """The newest open postings of the user (a proposal's ids for staff) whose pages the mix reads."""
    path = {"enterprise": "/api/v1/needs?per_page=100", "provider": "/api/v1/offers?per_page=100",
            "staff": "/api/v1/staff/queue"}.get(user.role)
    if path is None:
        return
    _, _, body = await conn.request("GET", path, cookies=user.cookies)
    data = json.loads(body)
    items = data.get("items", [])
    user.own_ids = [int(i["id"]) for i in items if i.get("status", "open") == "open"][:50]


READS: dict[str, tuple[str, ...]] = {
    "enterprise": ("/enterprise", "/enterprise/needs", "/enterprise/matches", "/inbox",
                   "/enterprise/profile", "/api/v1/needs", "/api/v1/matches", "/api/v1/me",
                   "/api/v1/notifications/unread-count", "/api/v1/categories"),
    "provider": ("/provider", "/provider/offers", "/provider/matches", "/inbox",
                 "/api/v1/offers", "/api/v1/matches", "/api/v1/notifications"),
    "staff": ("/staff/pipeline", "/staff/portraits", "/staff/audit", "/dashboard",
              "/api/v1/staff/pipeline", "/api/v1/needs", "/api/v1/offers"),
    "official": ("/dashboard", "/dashboard/operations", "/api/v1/dashboard/indicators",
                 "/api/v1/dashboard/operations"),
    "admin": ("/admin/users", "/api/v1/users", "/api/v1/me"),
}
READ_WEIGHTS = {"enterprise": 0.35, "provider": 0.25, "staff": 0.2, "official": 0.1, "admin": 0.1}
NEED_TEXTS = (
    ("零部件表面缺陷视觉检测", "需要AI视觉检测方案替代人工目检，识别划痕、裂纹等表面缺陷", "技术攻关"),
    ("专利质押融资对接", "公司拥有发明专利，希望通过知识产权质押获得贷款", "科技金融"),
    ("高新技术企业认定辅导", "计划申报高新技术企业，需要梳理研发项目与知识产权", "资质申报"),
    ("工业互联网平台改造", "生产线设备联网，数据采集与能耗监测，推进两化融合", "数字化转型"),
)
OFFER_TEXTS = (
    ("机器视觉质检解决方案", "提供深度学习表面缺陷检测、产线视觉系统集成与调试", "技术攻关"),
    ("知识产权质押融资服务", "协助企业办理专利权质押贷款，对接银行与担保机构", "科技金融"),
    ("高企认定全程辅导", "研发费用归集、知识产权规划、申报材料编写", "资质申报"),
    ("工业互联网与两化融合咨询", "设备联网、数据采集、贯标咨询与数字化车间建设", "数字化转型"),
)


@dataclass(frozen=True)
class Call:
    kind: str  # read | recommendation | write
    user: User
    method: str
    path: str
    body: bytes = b""


def posting_body(texts: tuple[tuple[str, str, str], ...], rng: random.Random) -> bytes:
    title, description, category = rng.choice(texts)
    n = rng.randrange(1_000_000)
    return json.dumps({"title": f"{title}{n}", "description": description,
                       "category": category}).encode()


def next_call(users: dict[str, list[User]], rng: random.Random) -> Call:
    """One request of the 70/20/10 mix."""
    r = rng.random()
    if r < 0.7:
        role = rng.choices(list(READ_WEIGHTS), weights=list(READ_WEIGHTS.values()))[0]
        return Call("read", rng.choice(users[role]), "GET", rng.choice(READS[role]))
    if r < 0.9:
        role = rng.choices(("enterprise", "provider", "staff"), weights=(0.45, 0.35, 0.2))[0]
        user = rng.choice(users[role])
        if role == "staff" or not user.own_ids:
            if user.own_ids and rng.random() < 0.5:
                return Call("recommendation", user, "GET", f"/staff/review/{rng.choice(user.own_ids)}")
            return Call("recommendation", user, "GET", "/staff/review")
        items = "needs" if role == "enterprise" else "offers"
        pid = rng.choice(user.own_ids)
        path = (f"/{role}/{items}/{pid}" if rng.random() < 0.6
                else f"/api/v1/{items}/{pid}/recommendations")
        return Call("recommendation", user, "GET", path)
    w = rng.random()
    if w < 0.4:
        return Call("write", rng.choice(users["enterprise"]), "POST", "/api/v1/needs",
                    posting_body(NEED_TEXTS, rng))
    if w < 0.7:
        return Call("write", rng.choice(users["provider"]), "POST", "/api/v1/offers",
                    posting_body(OFFER_TEXTS, rng))
    role = rng.choice(("enterprise", "provider", "staff"))
    return Call("write", rng.choice(users[role]), "POST", "/api/v1/notifications/read-all")


async def drive(port: int, make_call: Callable[[random.Random], Call | None], *, connections: int,
                seconds: float, max_requests: int, seed: int = 1) -> tuple[Stats, float]:
    """Closed loop: each connection sends its next request when the last one is answered."""
    stats = Stats()
    deadline = time.perf_counter() + seconds
    sent = 0

    async def loop(i: int) -> None:
        nonlocal sent
        rng = random.Random(seed * 1000 + i)
        conn = Connection(port)
        while time.perf_counter() < deadline and sent < max_requests:
            call = make_call(rng)
            if call is None:
                return
            sent += 1
            headers = {"X-CSRF-Token": call.user.csrf} if call.method != "GET" else {}
            if call.body:
                headers["Content-Type"] = "application/json"
            t = time.perf_counter()
            try:
                status, _, body = await conn.request(call.method, call.path, cookies=call.user.cookies,
                                                     headers=headers, body=call.body)
                ok = status < 400
                what = f"{status} {call.method} {call.path}"
            except (OSError, asyncio.IncompleteReadError) as exc:
                ok, body, what = False, b"", f"{type(exc).__name__} {call.method} {call.path}"
            stats.add(call.kind, time.perf_counter() - t, ok, what)
            if ok and call.method == "POST" and call.path.endswith(("/needs", "/offers")):
                call.user.own_ids.append(int(json.loads(body)["id"]))
        conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(loop(i) for i in range(connections)))
    return stats, time.perf_counter() - started


