"""Batch commands of the engine: ``match``, ``evaluate``, ``bench`` (no database).

The platform mounts ``app`` under its ``zhengqi`` console command;
``python -m matcher ...`` runs the same commands.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="zhengqi 匹配引擎: batch match, evaluation and benchmark.",
                  no_args_is_help=True, add_completion=False)


def _fail(msg: str) -> None:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(code=2)


@app.command("match")
def match_cmd(
    needs: Annotated[Path, typer.Option("--needs", help="needs, JSON Lines")],
    offers: Annotated[Path, typer.Option("--offers", help="offers, JSON Lines")],
    top: Annotated[int, typer.Option("--top", min=1, help="matches per need")] = 10,
    out: Annotated[Path | None, typer.Option("--out", help="output file (default stdout)")] = None,
    jobs: Annotated[int, typer.Option("--jobs", min=1, help="processes for segmentation")] = (
        os.cpu_count() or 1
    ),
    feedback: Annotated[Path | None, typer.Option(
        "--feedback", help="staff decisions, JSON Lines: need_id, offer_id, decision")] = None,
) -> None:
    """Match every need against the offers: one JSON line per need, in input order."""
    from matcher.batch import run_match
    from matcher.jsonl import InputError

    for p in (needs, offers, *([feedback] if feedback else [])):
        if not p.is_file():
            _fail(f"{p}: no such file")
    try:
        if out is None:
            # Buffer so that an error part-way leaves standard output untouched.
            import io

            buf = io.StringIO()
            run_match(needs, offers, out=buf, top=top, n_jobs=jobs, feedback=feedback)
            sys.stdout.write(buf.getvalue())
            sys.stdout.flush()
            return
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                run_match(needs, offers, out=fh, top=top, n_jobs=jobs, feedback=feedback)
            os.replace(tmp, out)
        finally:
            Path(tmp).unlink(missing_ok=True)
    except InputError as exc:
        _fail(str(exc))
    except UnicodeDecodeError as exc:
        _fail(f"input is not UTF-8 text ({exc.reason})")


@app.command("evaluate")
def evaluate_cmd(
    set_: Annotated[str, typer.Option(
        "--set", help="labelled | labelled-hard | csl-ts | csl-kg | all")] = "all",
    csl_dir: Annotated[Path | None, typer.Option(
        "--csl-dir", help="CSL folder (dev part: tuning; *_test.tsv there: held-out)")] = None,
    labelled_dir: Annotated[Path | None, typer.Option(
        "--labelled-dir", help="a labelled set's folder (needs, offers, split.json)")] = None,
    feedback: Annotated[bool, typer.Option(
        "--feedback/--no-feedback", help="also learn from decisions on half of the needs (tune; CSL: half of dev), measured on the other half")] = True,
    feedback_dev: Annotated[int, typer.Option(
        "--feedback-dev", min=0, help="instead: the feedback gain on N development splits of the learning half only (for choosing; no held-out needs)")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of tables")] = False,
) -> None:
    """Tune and held-out figures side by side: the engine beside three baselines."""
    from matcher import heldout

    if importlib.util.find_spec("bm25s") is None:
        _fail("评测需要可选依赖 [eval]，请先安装：pip install 'zhengqi[eval]'（在源码目录中：pip install -e '.[eval]'）\n"
              "evaluate needs the [eval] extra: pip install 'zhengqi[eval]' "
              "(from a checkout: pip install -e '.[eval]')")
    names = heldout.SET_NAMES if set_ == "all" else (set_,)
    if set_ not in (*heldout.SET_NAMES, "all"):
        _fail(f"unknown evaluation set {set_!r} ({' | '.join(heldout.SET_NAMES)} | all)")
    results = []
    for name in names:
        try:
            gs = heldout.load_set(name, csl_dir=csl_dir, labelled_dir=labelled_dir)
        except (FileNotFoundError, ValueError) as exc:
            if set_ == "all" and name.startswith("csl"):
                typer.echo(f"set={name}: skipped ({exc})", err=True)
                continue
            _fail(str(exc))
        if feedback_dev:
            from matcher import feedback_dev as dev

            res = dev.development_gains(gs, feedback_dev)
            results.append(res)
            if not as_json:
                typer.echo(dev.format_development(res))
            continue
        res = heldout.evaluate_set(gs, heldout.default_systems())
        if feedback:
            res["feedback"] = heldout.feedback_gain(gs)
        results.append(res)
        if not as_json:
            typer.echo(heldout.format_side_by_side(res))
            if "feedback" in res:
                typer.echo(heldout.format_feedback(res["feedback"]))
            typer.echo("")
    if as_json:
        typer.echo(json.dumps(results, ensure_ascii=False, indent=2))


@app.command("bench")
def bench_cmd(
    sizes: Annotated[str, typer.Option("--sizes", help="offer counts, comma separated")] = "10000,100000",
    million: Annotated[bool, typer.Option("--million", help="add the 1,000,000 size")] = False,
    max_needs: Annotated[int | None, typer.Option("--max-needs", min=1, help="needs per size at most (default: as many as offers)")] = None,
    seed: Annotated[int, typer.Option("--seed")] = 20200101,
    naive_sample: Annotated[int, typer.Option("--naive-sample", help="need-blocks timed for the naive full rematch (0 = all)")] = 5,
    end_to_end: Annotated[bool, typer.Option("--end-to-end/--no-end-to-end", help="also time `match` on 10k needs x largest size")] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    real_text: Annotated[bool, typer.Option("--real-text", help="only segmentation, on the CSL titles and abstracts, against naive jieba")] = False,
    csl_dir: Annotated[Path | None, typer.Option("--csl-dir", help="CSL dev split folder (with --real-text)")] = None,
    repeat: Annotated[int, typer.Option("--repeat", min=1, help="repeats (with --real-text)")] = 5,
) -> None:
    """Benchmark fit, single query, full rematch and memory against the naive way."""
    from matcher import bench

    if real_text:
        from matcher import bench_segmentation

        try:
            rep = bench_segmentation.run_real_text(csl_dir, repeat=repeat)
        except FileNotFoundError as exc:
            _fail(str(exc))
        typer.echo(json.dumps(rep, indent=2) if as_json
                   else bench_segmentation.format_real_text(rep))
        return

    sz = [int(s) for s in sizes.split(",") if s.strip()]
    if million and 1_000_000 not in sz:
        sz.append(1_000_000)
    report = bench.run(sz, seed=seed, naive_sample=naive_sample, end_to_end=end_to_end,
                       max_needs=max_needs)
    typer.echo(json.dumps(report, indent=2) if as_json else bench.format_report(report))
