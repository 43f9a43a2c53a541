"""Parsing and loading knowledge-base articles, and the shipped KB and its question set."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from orchestrator.knowledge.articles import Article, ArticleError, load_articles, parse_article

REPO_ROOT = Path(__file__).resolve().parents[2]
KB_DIR = REPO_ROOT / "data" / "kb"
QUESTIONS_CSV = REPO_ROOT / "data" / "eval" / "kb_questions.csv"

GOOD = """\
---
id: hours-store
title: Store opening hours
topic: hours
keywords: [hours, open, 24, close]
---

The store opens at **8 a.m.**

- Sunday: 9 a.m.
"""


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def _article(article_id: str, title: str = "A title") -> str:
    return f"---\nid: {article_id}\ntitle: {title}\n---\nBody of {article_id}.\n"


# --- parse_article ---------------------------------------------------------------------------


def test_parse_good_article() -> None:
    article = parse_article(GOOD, source="hours-store.md")
    assert article == Article(
        id="hours-store",
        title="Store opening hours",
        topic="hours",
        keywords=("hours", "open", "24", "close"),
        body="The store opens at **8 a.m.**\n\n- Sunday: 9 a.m.",
    )


def test_search_text_has_title_keywords_and_body() -> None:
    article = parse_article(GOOD, source="hours-store.md")
    text = article.search_text
    assert text.startswith("Store opening hours\n")
    assert "hours open 24 close" in text
    assert text.endswith("- Sunday: 9 a.m.")


def test_parse_defaults_topic_and_keywords() -> None:
    article = parse_article("---\nid: a\ntitle: T\n---\nBody\n", source="a.md")
    assert article.topic == "general"
    assert article.keywords == ()
    assert article.search_text == "T\nBody"


def test_parse_accepts_crlf_bom_and_comma_keywords() -> None:
    text = "\ufeff---\r\nid: a-b\r\ntitle: ' Spaced '\r\nkeywords: x, y ,x\r\n---\r\nBody\r\n"
    article = parse_article(text, source="a-b.md")
    assert article.id == "a-b"
    assert article.title == "Spaced"
    assert article.keywords == ("x", "y")
    assert article.body == "Body"


def test_article_is_frozen() -> None:
    article = parse_article(GOOD, source="hours-store.md")
    with pytest.raises(AttributeError):
        article.id = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "missing front matter"),
        ("id: a\ntitle: T\n\nBody\n", "missing front matter"),
        ("Intro\n---\nid: a\ntitle: T\n---\nBody\n", "missing front matter"),
        ("---\nid: a\ntitle: T\nBody\n", "not closed"),
        ("---\nid: [a\ntitle: T\n---\nBody\n", "invalid YAML"),
        ("---\n- a\n- b\n---\nBody\n", "must be a mapping"),
        ("---\n---\nBody\n", "missing 'id'"),
        ("---\ntitle: T\n---\nBody\n", "missing 'id'"),
        ("---\nid: a\n---\nBody\n", "missing 'title'"),
        ("---\nid: a\ntitle:\n---\nBody\n", "missing 'title'"),
        ("---\nid: ''\ntitle: T\n---\nBody\n", "'id' is empty"),
        ("---\nid: a\ntitle: '  '\n---\nBody\n", "'title' is empty"),
        ("---\nid: 42\ntitle: T\n---\nBody\n", "'id' must be a string"),
        ("---\nid: a\ntitle: [x]\n---\nBody\n", "'title' must be a string"),
        ("---\nid: Hours_Store\ntitle: T\n---\nBody\n", "lowercase"),
        ("---\nid: a\ntitle: T\ntopic: ''\n---\nBody\n", "'topic' is empty"),
        ("---\nid: a\ntitle: T\nkeywords: {a: 1}\n---\nBody\n", "list of strings"),
        ("---\nid: a\ntitle: T\nkeywords: [open, no]\n---\nBody\n", "not a string"),
        ("---\nid: a\ntitle: T\nkeywords: [open, '']\n---\nBody\n", "empty keyword"),
        ("---\nid: a\ntitle: T\n---\n\n  \n", "body is empty"),
    ],
    ids=lambda value: value if len(value) < 30 else None,
)
def test_parse_errors(text: str, problem: str) -> None:
    with pytest.raises(ArticleError, match=problem) as caught:
        parse_article(text, source="kb/broken.md")
    assert str(caught.value).startswith("kb/broken.md: ")
    assert caught.value.source == "kb/broken.md"


# --- load_articles ---------------------------------------------------------------------------


def test_load_articles_sorted_by_id(tmp_path: Path) -> None:
    for article_id in ("zeta", "alpha", "mid-one"):
        _write(tmp_path, f"{article_id}.md", _article(article_id))
    _write(tmp_path, "notes.txt", "not an article")
    articles = load_articles(tmp_path)
    assert [article.id for article in articles] == ["alpha", "mid-one", "zeta"]
    assert articles[0].body == "Body of alpha."


def test_load_articles_empty_directory(tmp_path: Path) -> None:
    assert load_articles(tmp_path) == []


@pytest.mark.parametrize(
    ("files", "bad_file", "problem"),
    [
        ({"a.md": "No front matter here.\n"}, "a.md", "missing front matter"),
        ({"a.md": "---\ntitle: T\n---\nBody\n"}, "a.md", "missing 'id'"),
        ({"a.md": "---\nid: a\n---\nBody\n"}, "a.md", "missing 'title'"),
        ({"a.md": _article("b")}, "a.md", "does not match the file name 'a'"),
        ({"a.md": _article("a"), "b.md": _article("a")}, "b.md", "duplicate id 'a'"),
    ],
    ids=["no-front-matter", "no-id", "no-title", "id-not-stem", "duplicate-id"],
)
def test_load_articles_errors(
    tmp_path: Path, files: dict[str, str], bad_file: str, problem: str
) -> None:
    for name, text in files.items():
        _write(tmp_path, name, text)
    with pytest.raises(ArticleError, match=problem) as caught:
        load_articles(tmp_path)
    assert caught.value.source == str(tmp_path / bad_file)
    assert str(caught.value).startswith(f"{tmp_path / bad_file}: ")


def test_load_articles_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="not a directory"):
        load_articles(tmp_path / "absent")


def test_load_articles_undecodable_file(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_bytes(b"---\nid: a\ntitle: \xff\n---\nBody\n")
    with pytest.raises(ArticleError, match="cannot read file"):
        load_articles(tmp_path)


def test_article_error_is_value_error() -> None:
    assert issubclass(ArticleError, ValueError)


# --- the shipped knowledge base --------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> list[Article]:
    return load_articles(KB_DIR)


def test_shipped_kb_loads(shipped: list[Article]) -> None:
    assert len(shipped) >= 40
    ids = [article.id for article in shipped]
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids)
    for article in shipped:
        assert article.topic != "general", article.id
        assert article.keywords, article.id
        words = len(article.body.split())
        assert 80 <= words <= 250, f"{article.id}: {words} words"


def test_shipped_questions_reference_existing_articles(shipped: list[Article]) -> None:
    ids = {article.id for article in shipped}
    with QUESTIONS_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["question", "article_id"]
        rows = list(reader)
    answered = [row for row in rows if row["article_id"]]
    unanswered = [row for row in rows if not row["article_id"]]
    assert len(answered) >= 180
    assert len(unanswered) >= 20
    assert all(row["question"].strip() for row in rows)
    unknown = sorted({row["article_id"] for row in answered} - ids)
    assert unknown == []
    per_article = {article_id: 0 for article_id in ids}
    for row in answered:
        per_article[row["article_id"]] += 1
    assert min(per_article.values()) >= 2, per_article
