"""Percentiles and the table the benchmark prints."""

from __future__ import annotations

from dataclasses import dataclass


def pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))] if s else float("nan")


@dataclass
class Result:
    label: str
    requests: int
    errors: int
    seconds: float
    p50: float
    p95: float
    p99: float
    client_cpu: float  # share of one core the load generator used
    server_ms: float = float("nan")  # CPU the server's processes used per request, in ms


    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def row(self, ref: Result | None) -> str:
        ratio = f"{self.rps / ref.rps:6.3f}" if ref else "     -"
        return (f"| {self.label:<34} | {self.rps:8.1f} | {ratio} | {self.p50 * 1000:7.1f} | "
                f"{self.p95 * 1000:7.1f} | {self.p99 * 1000:7.1f} | {self.errors:>6} | "
                f"{self.requests:>7} | {self.client_cpu:5.0%} | {self.server_ms:6.2f} |")


HEADER = ("| run | req/s | × bare | p50 ms | p95 ms | p99 ms | errors | requests | client CPU | server CPU ms/req |\n"
          "|---|---|---|---|---|---|---|---|---|---|")


def summarise(label: str, samples: list[float], errors: int, seconds: float, cpu: float) -> Result:
    return Result(label, len(samples), errors, seconds, pct(samples, 0.5), pct(samples, 0.95),
                  pct(samples, 0.99), cpu)


