"""What the fault run's clients noted, and the report of the check against the database."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Entry:
    key: str
    title: str
    description: str
    category: str
    amount: str
    need_id: int | None = None
    attempts: int = 0
    doubts: int = 0  # sends whose answer never came
    replayed: bool = False  # the answer came from the stored one: an earlier send had committed


@dataclass
class Report:
    database: str
    writes: int
    kills: int
    workers: int
    clients: int
    seconds: float = 0.0
    kills_done: int = 0
    in_doubt: int = 0
    committed_unanswered: int = 0  # in doubt, and had in fact been written: retried, not duplicated
    errors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.errors

    def summary(self) -> str:
        verdict = "通过 / passed" if self.ok else "失败 / FAILED"
        return (f"{verdict}: {self.database}, {self.writes} writes, {self.kills_done} SIGKILLs, {self.workers} workers, "
                f"{self.clients} clients, {self.seconds:.1f} s; {self.in_doubt} sends in doubt, "
                f"{self.committed_unanswered} of them had committed without their answer (returned by key, "
                f"not written twice); lost 0 / duplicated 0 / half-written 0 unless listed below"
                + "".join(f"\n  - {p}" for p in (self.errors + self.problems)[:30]))

