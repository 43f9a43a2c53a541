"""`orchestrator kb ...`: load the article files into the database, measure retrieval."""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from orchestrator.config import Settings
from orchestrator.knowledge import service as kb_service
from orchestrator.knowledge.articles import ArticleError, load_articles

if TYPE_CHECKING:  # scikit-learn behind them: imported by the commands that search, not by
    # every `orchestrator` command (`serve` among them, whose supervisor needs none of it)
    from orchestrator.knowledge import evaluate as kb_eval
    from orchestrator.knowledge.search import SearchIndex

app = typer.Typer(help="Knowledge base files: load and evaluate retrieval.", no_args_is_help=True)
console = Console(stderr=True)
DEFAULT_QUESTIONS = Path("data/eval/kb_questions.csv")


def _fail(message: str, code: int = 2) -> typer.Exit:
    console.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)


def _embedder(settings: Settings) -> Any:
    from orchestrator.classifiers.embedder import Embedder

    with console.status("loading the embedding model"):
        return Embedder(settings.embedding_model_path)


async def _load(settings: Settings, directory: Path) -> kb_service.SyncReport:
    from orchestrator.runtime import open_runtime

    articles = load_articles(directory)
    if not articles:
        raise ArticleError(str(directory), "no *.md articles; refusing to empty the knowledge base")
    embedder = _embedder(settings)
    async with open_runtime(settings) as runtime, runtime.sessions() as session:
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("embedding", total=None, visible=False)
            return await kb_service.sync_articles(
                session,
                articles,
                embedder,
                on_plan=lambda n: progress.update(task, total=n, visible=n > 0),
                progress=lambda n: progress.advance(task, n),
            )


@app.command()
def load(
    directory: Annotated[
        Path, typer.Argument(exists=True, file_okay=False, help="Folder of *.md articles")
    ],
) -> None:
    """Sync DIR's articles into the database: embed new and changed ones, remove gone ones."""
    try:
        report = asyncio.run(_load(Settings(), directory))
    except ArticleError as exc:
        raise _fail(str(exc)) from None
    typer.echo(report.summary())
    for label, ids in (("added", report.added), ("updated (re-embedded)", report.updated)):
        if ids:
            typer.echo(f"  {label}: {', '.join(ids)}")
    if report.removed:
        typer.echo(f"  removed, their files are gone from {directory}: {', '.join(report.removed)}")


async def _index(settings: Settings, kb: Path | None, embedder: Any) -> SearchIndex:
    from orchestrator.knowledge.search import SearchIndex

    """The service's index over the configured database, loaded from `kb` first if empty."""
    from orchestrator.runtime import open_runtime

    async with open_runtime(settings) as runtime, runtime.sessions() as session:
        if not await kb_service.count_articles(session):
            directory = kb or kb_service.resolve_kb_dir(settings)
            if directory is None:
                raise ArticleError("kb", "the knowledge base is empty; pass --kb DIR")
            with console.status(f"loading {directory}"):
                await kb_service.load_directory(session, directory, embedder)
        rows = await kb_service.list_articles(session)
    return SearchIndex.from_rows(
        rows,
        semantic_weight=settings.kb_semantic_weight,
        keyword_weight=settings.kb_keyword_weight,
        min_score=settings.kb_min_score,
    )


def _prepare(
    data: Path, kb: Path | None, temp_db: bool
) -> tuple[SearchIndex, list[kb_eval.Question], Any]:
    from orchestrator.knowledge import evaluate as kb_eval

    try:
        questions = kb_eval.load_questions(data)
    except kb_eval.QuestionsError as exc:
        raise _fail(str(exc)) from None
    settings = Settings()
    with tempfile.TemporaryDirectory(prefix="orch-kb-") as scratch:
        if temp_db:
            settings = Settings(database_url=f"sqlite+aiosqlite:///{Path(scratch) / 'kb.db'}")
        embedder = _embedder(settings)
        try:
            index = asyncio.run(_index(settings, kb, embedder))
        except ArticleError as exc:
            raise _fail(str(exc)) from None
    if not len(index):
        raise _fail("the knowledge base is empty")
    return index, questions, embedder


DataOption = Annotated[
    Path, typer.Option(exists=True, dir_okay=False, help="CSV with question,article_id")
]
KbOption = Annotated[
    Path | None,
    typer.Option(exists=True, file_okay=False, help="Articles to load when the database is empty"),
]
TempDbOption = Annotated[
    bool, typer.Option("--temp-db", help="Use a throwaway SQLite database loaded from --kb")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object")]


@app.command("eval")
def evaluate(
    data: DataOption = DEFAULT_QUESTIONS,
    kb: KbOption = None,
    temp_db: TempDbOption = False,
    as_json: JsonOption = False,
) -> None:
    """Measure retrieval: hit@1, hit@3, MRR, no-match accuracy, latency."""
    from orchestrator.knowledge import evaluate as kb_eval

    index, questions, embedder = _prepare(data, kb, temp_db)
    summary = kb_eval.evaluate(index, questions, embedder.encode)
    if as_json:
        typer.echo(json.dumps(summary))
        return
    _print_figures(f"{summary['n']} questions", [("all", summary)])
    for key in ("latency_ms", "search_latency_ms"):
        typer.echo(f"{key}: p50 {summary[key]['p50']}  p95 {summary[key]['p95']}")


@app.command()
def tune(
    data: DataOption = DEFAULT_QUESTIONS,
    kb: KbOption = None,
    temp_db: TempDbOption = False,
    as_json: JsonOption = False,
) -> None:
    """Choose the hybrid weights and the minimum score on half the questions; report all."""
    from orchestrator.knowledge import evaluate as kb_eval

    index, questions, embedder = _prepare(data, kb, temp_db)
    result = kb_eval.tune(index, questions, embedder.encode)
    if as_json:
        typer.echo(json.dumps(result))
        return
    _print_figures(
        "tuned on 'tune', reported on each split",
        [(name, result[name]) for name in ("tune", "holdout", "all")],
    )
    typer.echo(
        f"ORCH_KB_SEMANTIC_WEIGHT={result['semantic_weight']} "
        f"ORCH_KB_KEYWORD_WEIGHT={result['keyword_weight']} "
        f"ORCH_KB_MIN_SCORE={result['min_score']}"
    )


FIGURES = (
    "hit_at_1",
    "hit_at_3",
    "mrr",
    "answered_rate",
    "answer_accuracy",
    "no_match_accuracy",
    "answerable",
    "unanswerable",
)


def _print_figures(title: str, columns: Sequence[tuple[str, dict[str, Any]]]) -> None:
    table = Table(title=title)
    table.add_column("metric")
    for name, _ in columns:
        table.add_column(name, justify="right")
    for key in FIGURES:
        table.add_row(key, *(str(figures[key]) for _, figures in columns))
    Console().print(table)


if __name__ == "__main__":  # pragma: no cover - `python -m orchestrator.knowledge.cli`
    app()
