"""`orchestrator`: serve, classify, eval, train, redact, pii-eval; kb, keys, audit, orders, db."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from orchestrator.auth import cli as auth_cli
from orchestrator.compliance import cli as audit_cli
from orchestrator.config import Settings
from orchestrator.domain import Channel
from orchestrator.knowledge import cli as kb_cli
from orchestrator.orders import cli as orders_cli
from orchestrator.storage import cli as db_cli

app = typer.Typer(
    help="Contact-center orchestrator: classify, route, measure.", no_args_is_help=True
)
app.add_typer(auth_cli.app, name="keys")
app.add_typer(kb_cli.app, name="kb")
app.add_typer(audit_cli.app, name="audit")
app.add_typer(orders_cli.app, name="orders")
app.add_typer(db_cli.app, name="db")
console = Console(stderr=True)
PROGRESS_MIN_ROWS = 50
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@app.callback()
def _setup() -> None:
    """Logs go to stderr as JSON, so stdout carries only what a command prints."""
    from pydantic import ValidationError

    from orchestrator.observability.logging import configure_logging

    try:
        settings = Settings()
    except ValidationError as exc:  # e.g. production without API keys on /classify
        reasons = "; ".join(str(error["msg"]) for error in exc.errors())
        raise _fail(f"invalid configuration: {reasons}") from None
    configure_logging(settings.log_level, json=settings.log_json)


def _fail(message: str, code: int = 2) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
) -> None:
    """Serve the HTTP API."""
    import os

    import uvicorn

    from orchestrator.api.protocol import UVICORN_OPTIONS
    from orchestrator.observability.metrics import multiprocess_dir

    settings = Settings()
    if not settings.classify_key_required and host not in LOOPBACK_HOSTS:
        console.print(
            f"[yellow]warning:[/yellow] {host} is reachable from other machines and "
            "/api/v1/classify takes no API key: set ORCH_CLASSIFY_REQUIRES_KEY=true"
        )
    if workers > 1:  # migrate once here, not in N workers racing on a fresh database
        from orchestrator.storage.engine import upgrade_sync

        upgrade_sync(settings.database_url)
    os.environ["ORCH_WORKERS"] = str(workers)  # each worker's model takes its share of the cores
    with multiprocess_dir(workers, settings.prometheus_multiproc_dir, os.environ):
        uvicorn.run(
            "orchestrator.main:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            **UVICORN_OPTIONS,
        )


async def _classify_once(settings: Settings, body: Any) -> Any:
    from orchestrator import flows
    from orchestrator.runtime import open_runtime

    async with open_runtime(settings) as runtime:
        with console.status("loading the classifier"):
            classifier = await asyncio.to_thread(_load_classifier, settings)
        try:
            await runtime.attach(classifier)
            assert runtime.pipeline is not None
            return await flows.classify_message(
                runtime, runtime.pipeline, body, request_id=uuid.uuid4().hex
            )
        finally:
            await classifier.aclose()


def _load_classifier(settings: Settings) -> Any:
    """The configured tier, or a clear error (an LLM tier without a key, say)."""
    from orchestrator.runtime import load_classifier

    try:
        return load_classifier(settings)
    except ValueError as exc:
        raise _fail(str(exc)) from None


def _load_pipeline(settings: Settings) -> Any:
    from orchestrator.runtime import build_pipeline

    with console.status("loading the classifier"):
        return build_pipeline(settings, _load_classifier(settings))


async def _run_and_close(pipeline: Any, run: Any) -> Any:
    """Run, then close the classifier's clients on the loop that used them."""
    try:
        return await run
    finally:
        await pipeline.classifier.aclose()


@app.command()
def classify(
    text: Annotated[str, typer.Argument(help="The customer message")],
    channel: Annotated[Channel, typer.Option(help="chat, voice or mail")] = Channel.CHAT,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API response as JSON")] = False,
) -> None:
    """Classify one message through the same pipeline and workflows as the service."""
    from pydantic import ValidationError

    from orchestrator.api.schemas import ClassifyRequest

    try:
        body = ClassifyRequest(message=text, channel=channel)
    except ValidationError as exc:
        raise _fail(exc.errors()[0]["msg"]) from None
    from orchestrator.classifiers.base import ClassifierError

    try:
        response = asyncio.run(_classify_once(Settings(), body))
    except ClassifierError as exc:
        raise _fail(f"the classifier cannot answer ({exc.kind}); try again later", 1) from None
    if as_json:
        typer.echo(response.model_dump_json(indent=2))
        return
    table = Table(show_header=False)
    table.add_row("category", f"[bold]{response.category.value}[/bold]")
    table.add_row("confidence", f"{response.confidence:.2f}")
    table.add_row("decision", response.decision_path)
    if response.intent:
        table.add_row("intent", response.intent.value)
    if response.severity:
        table.add_row("severity", response.severity.value)
    table.add_row("next step", json.dumps(response.next_step.model_dump()))
    Console().print(table)


@app.command("eval")
def evaluate(
    data: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Labelled CSV")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
    report: Annotated[Path | None, typer.Option(help="Write plots and a summary here")] = None,
) -> None:
    """Measure the classifier on a labelled CSV (text,category[,intent,severity,channel])."""
    from orchestrator.classifiers.base import ClassifierError
    from orchestrator.evaluation.dataset import EvalDataError, load_rows
    from orchestrator.evaluation.metrics import summarise
    from orchestrator.evaluation.runner import run_rows, tier_usage

    try:
        rows = load_rows(data)
    except EvalDataError as exc:
        raise _fail(str(exc)) from None
    settings = Settings()
    pipeline = _load_pipeline(settings)
    show = len(rows) >= PROGRESS_MIN_ROWS and sys.stderr.isatty()
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not show,
    ) as progress:
        task = progress.add_task("classifying", total=len(rows))
        run = run_rows(pipeline, rows, advance=lambda: progress.advance(task))
        try:
            outcomes = asyncio.run(_run_and_close(pipeline, run))
        except ClassifierError as exc:  # llm mode without fallback, provider down
            raise _fail(f"the classifier cannot answer ({exc.kind}); try again later", 1) from None
    summary = summarise(rows, outcomes)
    summary["classifier"] = tier_usage(settings.classifier, outcomes)
    if report is not None:
        from orchestrator.evaluation.report import write_report

        for path in write_report(report, summary, rows, outcomes):
            console.print(f"wrote {path}")
    if as_json:
        typer.echo(json.dumps(summary))
        return
    _print_summary(summary)


def _print_summary(summary: dict[str, Any]) -> None:
    out = Console()
    table = Table(title=f"{summary['n']} messages")
    for column in ("category", "precision", "recall", "f1", "support"):
        table.add_column(column)
    for name, figures in summary["per_category"].items():
        table.add_row(
            name,
            *(f"{figures[k]:.3f}" for k in ("precision", "recall", "f1")),
            str(figures["support"]),
        )
    out.print(table)
    for key in (
        "accuracy",
        "macro_f1",
        "safety_recall",
        "urgent_recall",
        "intent_accuracy",
        "severity_accuracy",
        "ece",
    ):
        out.print(f"{key:>18}: {summary[key]}")
    lat = summary["latency_ms"]
    out.print(f"{'latency_ms':>18}: p50 {lat['p50']}  p95 {lat['p95']}  p99 {lat['p99']}")
    tiers = summary.get("classifier")
    if tiers and tiers["mode"] != "local":
        decided = ", ".join(f"{tier} {count}" for tier, count in tiers["decided_by"].items())
        out.print(f"{'decided by':>18}: {decided}")
        out.print(f"{'sent to the LLM':>18}: {tiers['llm_calls']} ({tiers['llm_share']:.1%})")
        tokens = tiers["llm_tokens"]
        out.print(
            f"{'LLM tokens':>18}: {tokens['prompt']} prompt, {tokens['completion']} completion"
        )


@app.command()
def train(
    data: Annotated[Path, typer.Option(exists=True, help="A CSV file or a folder of CSVs")],
    out: Annotated[Path, typer.Option(help="Folder for heads.npz and manifest.json")],
) -> None:
    """Train the local classifier's heads (deterministic for the same data)."""
    from orchestrator.classifiers.embedder import Embedder
    from orchestrator.classifiers.training import TrainingDataError
    from orchestrator.classifiers.training import train as train_model

    settings = Settings()
    try:
        with console.status("training") as status:
            model = train_model(
                data,
                Embedder(settings.embedding_model_path),
                progress=lambda message: status.update(message),
            )
    except TrainingDataError as exc:
        raise _fail(str(exc)) from None
    model.save(out)
    console.print(f"wrote {out}: {json.dumps(model.manifest['cv_accuracy'])} (cross-validated)")


@app.command()
def redact(
    text: Annotated[str | None, typer.Argument(help="Text to redact")] = None,
    data: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="JSONL with a text field")
    ] = None,
) -> None:
    """Redact PII the way the service does before storing anything."""
    from orchestrator.privacy.redactor import Redactor

    redactor = Redactor()
    if data is None and text is None:
        raise _fail("give TEXT or --data FILE.jsonl")
    if text is not None:
        typer.echo(json.dumps(redactor.redact(text).as_dict()))
    if data is not None:
        with data.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                    value = item["text"]
                    if not isinstance(value, str):
                        raise TypeError("text is not a string")
                except (json.JSONDecodeError, KeyError, TypeError) as exc:
                    raise _fail(f"{data.name}:{number}: {exc}") from None
                typer.echo(json.dumps(redactor.redact(value).as_dict()))


@app.command("pii-eval")
def pii_eval(
    data: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Labelled JSONL")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Measure PII recall and precision on a labelled JSONL ({"text", "entities": [...]})."""
    from orchestrator.privacy.evaluate import evaluate as evaluate_pii

    try:
        report = evaluate_pii(data)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    figures = report.as_dict()
    if as_json:
        typer.echo(json.dumps(figures))
        return
    table = Table("type", "support", "recall", "precision", title=f"{report.texts} texts")
    for kind, score in figures["per_type"].items():  # type: ignore[attr-defined]
        table.add_row(
            kind, str(score["support"]), f"{score['recall']:.3f}", f"{score['precision']:.3f}"
        )
    table.add_row("overall", str(report.support), f"{report.recall:.3f}", f"{report.precision:.3f}")
    Console().print(table)


if __name__ == "__main__":  # pragma: no cover
    app()
