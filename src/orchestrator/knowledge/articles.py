"""Knowledge-base articles: Markdown files with YAML front matter.

Each article lives in its own file, ``<id>.md``, and starts with a front-matter block::

    ---
    id: hours-store
    title: Store and pharmacy opening hours
    topic: hours
    keywords: [hours, open, close]
    ---
    The answer a customer needs, in Markdown.

``id`` and ``title`` are required; ``topic`` defaults to ``general`` and ``keywords`` to none.
Every problem is reported as an :class:`ArticleError` that names the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

__all__ = ["Article", "ArticleError", "load_articles", "parse_article"]

_FENCE = "---"
_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DEFAULT_TOPIC = "general"


class ArticleError(ValueError):
    """An article file is malformed; the message names the file and the problem."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Article:
    """One knowledge-base article."""

    id: str
    title: str
    topic: str
    keywords: tuple[str, ...]
    body: str

    @property
    def search_text(self) -> str:
        """Title, keywords and body in one string, for indexing."""
        parts = [self.title, " ".join(self.keywords), self.body]
        return "\n".join(part for part in parts if part)


def _split_front_matter(text: str, source: str) -> tuple[str, str]:
    """Return (front matter, body) of ``text``; the front matter must open the file."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != _FENCE:
        raise ArticleError(source, "missing front matter (the file must start with '---')")
    for index in range(1, len(lines)):
        if lines[index].strip() == _FENCE:
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :])
    raise ArticleError(source, "front matter is not closed (no second '---' line)")


def _required_str(meta: Mapping[object, object], key: str, source: str) -> str:
    value = meta.get(key)
    if value is None:
        raise ArticleError(source, f"missing {key!r} in front matter")
    if not isinstance(value, str):
        raise ArticleError(source, f"{key!r} must be a string, got {type(value).__name__}")
    value = value.strip()
    if not value:
        raise ArticleError(source, f"{key!r} is empty")
    return value


def _keywords(value: object, source: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items: list[object]
    if isinstance(value, str):
        items = list(value.split(","))
    elif isinstance(value, list):
        items = list(value)
    else:
        raise ArticleError(source, "'keywords' must be a list of strings")
    keywords: list[str] = []
    for item in items:
        # YAML reads yes/no/on/off as booleans: refuse them rather than index "True".
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise ArticleError(source, f"keyword {item!r} is not a string (quote it)")
        keyword = str(item).strip()
        if not keyword:
            raise ArticleError(source, "'keywords' contains an empty keyword")
        if keyword not in keywords:
            keywords.append(keyword)
    return tuple(keywords)


def parse_article(text: str, *, source: str) -> Article:
    """Parse one article file's text; ``source`` names it in error messages."""
    front, body = _split_front_matter(text, source)
    try:
        meta = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        raise ArticleError(source, f"invalid YAML in front matter: {exc}") from exc
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ArticleError(source, "front matter must be a mapping of keys to values")

    article_id = _required_str(meta, "id", source)
    if not _ID_RE.fullmatch(article_id):
        raise ArticleError(
            source, f"id {article_id!r} must be lowercase letters and digits joined by hyphens"
        )
    title = _required_str(meta, "title", source)
    topic = _required_str(meta, "topic", source) if "topic" in meta else _DEFAULT_TOPIC
    keywords = _keywords(meta.get("keywords"), source)
    body = body.strip()
    if not body:
        raise ArticleError(source, "the article body is empty")
    return Article(id=article_id, title=title, topic=topic, keywords=keywords, body=body)


def load_articles(directory: Path) -> list[Article]:
    """Load every ``*.md`` article in ``directory``, sorted by id.

    Raises :class:`ArticleError` for a malformed file, an id that differs from its file's stem,
    or an id used twice.
    """
    if not directory.is_dir():
        raise ArticleError(str(directory), "not a directory")
    seen: dict[str, Path] = {}
    articles: list[Article] = []
    for path in sorted(directory.glob("*.md")):
        if not path.is_file():
            continue
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ArticleError(source, f"cannot read file: {exc}") from exc
        article = parse_article(text, source=source)
        if article.id in seen:
            raise ArticleError(
                source, f"duplicate id {article.id!r} (already used by {seen[article.id]})"
            )
        if article.id != path.stem:
            raise ArticleError(
                source, f"id {article.id!r} does not match the file name {path.stem!r}"
            )
        seen[article.id] = path
        articles.append(article)
    return sorted(articles, key=lambda article: article.id)
