"""deploy/grafana/dashboard.json: it parses, covers what the issue asks for, and every metric
(and label) it queries is one the service registers, so the dashboard cannot drift."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from deploy.support import ROOT
from orchestrator.observability.metrics import Metrics

DASHBOARD = json.loads((ROOT / "deploy" / "grafana" / "dashboard.json").read_text())
SAMPLE_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("", "_sum", "_count", "_created"),
}
GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
SELECTOR = re.compile(r"\b([a-zA-Z_:][\w:]*)\s*\{([^}]*)\}")
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or"}
KEYWORDS |= {"unless", "offset", "inf", "nan"}


def panels(items: list[dict[str, Any]] | None = None) -> Iterator[dict[str, Any]]:
    for panel in DASHBOARD["panels"] if items is None else items:
        yield panel
        yield from panels(panel.get("panels", []))


def expressions() -> list[tuple[str, str]]:
    return [(p["title"], t["expr"]) for p in panels() for t in p.get("targets", [])]


def metric_names(expr: str) -> set[str]:
    """The series names a PromQL expression reads (functions, keywords and labels left out)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = GROUPING.sub("", text)
    names = re.findall(r"(?<![\w.$])([a-zA-Z_:][\w:]*)\b(?!\s*\()", text)
    return {n for n in names if n.lower() not in KEYWORDS}


def registered_series() -> set[str]:
    """Every series name the service's metrics can expose."""
    series = set()
    for family in Metrics().registry.collect():
        series.update(family.name + suffix for suffix in SAMPLE_SUFFIXES[family.type])
    return series


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("sum by (category) (rate(a_total[5m]))", {"a_total"}),
        ('histogram_quantile(0.95, sum by (le) (rate(b_bucket{x="y"}[$__rate_interval])))',
         {"b_bucket"}),
        ("sum(rate(c_sum[1m])) / sum(rate(c_count[1m])) > bool 0", {"c_sum", "c_count"}),
        ("max by (circuit) (d) or on() vector(0)", {"d"}),
    ],
)  # fmt: skip
def test_metric_names_are_read_out_of_promql(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names


def test_every_queried_metric_is_registered() -> None:
    known = registered_series()
    unknown = {
        (title, name) for title, expr in expressions() for name in metric_names(expr)
        if name not in known
    }  # fmt: skip
    assert unknown == set()


def test_a_renamed_metric_would_be_caught() -> None:
    assert "classification_latency_seconds_bucket" in registered_series()
    assert "classification_latency_bucket" not in registered_series()


@pytest.mark.parametrize(
    ("topic", "pattern"),
    [
        ("requests by category", r"sum by \(category\) \(rate\(classification_by_category_total"),
        ("latency p50", r"histogram_quantile\(0\.50?, .*classification_latency_seconds_bucket"),
        ("latency p95", r"histogram_quantile\(0\.95, .*classification_latency_seconds_bucket"),
        ("latency p99", r"histogram_quantile\(0\.99, .*classification_latency_seconds_bucket"),
        ("confidence", r"classification_confidence_bucket"),
        ("LLM errors", r"sum by \(kind\) \(rate\(llm_errors_total"),
        ("breaker state", r"circuit_breaker_state"),
        ("rate limited", r"rate\(rate_limited_total"),
        ("shed", r"rate\(shed_total"),
        ("in flight", r"requests_in_flight"),
    ],
)
def test_the_dashboard_shows(topic: str, pattern: str) -> None:
    assert any(re.search(pattern, expr) for _, expr in expressions()), topic


def test_panels_are_well_formed_and_use_the_datasource_variable() -> None:
    ids = [p["id"] for p in panels()]
    assert len(ids) == len(set(ids))
    variables = {v["name"]: v for v in DASHBOARD["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    for panel in panels():
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"]), panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        ref_ids = [t["refId"] for t in panel["targets"]]
        assert ref_ids and len(ref_ids) == len(set(ref_ids)), panel["title"]


async def test_grouping_labels_exist_on_the_series_the_service_exposes(
    client: httpx.AsyncClient,
) -> None:
    """Labels only show on a scrape once a series has a sample: serve a few requests first,
    then check every label the dashboard groups or filters by on the series that have one."""
    for body in (
        {"message": "where is my order ORD-10001"},
        {"message": "what are your pharmacy hours on sunday", "channel": "voice"},
        {"message": "I took twice my dose of metoprolol and feel dizzy", "channel": "mail"},
        {"message": "   "},
    ):
        await client.post("/api/v1/classify", json=body)
    scrape = (await client.get("/metrics")).text
    labels: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(scrape):
        for sample in family.samples:
            labels.setdefault(sample.name, set()).update(sample.labels)
    checked = 0
    for title, expr in expressions():
        names = metric_names(expr) & set(labels)
        if not names:
            continue
        available = set.union(*(labels[n] for n in names)) | {"le"}
        for group in GROUPING.findall(expr):
            used = {label.strip() for label in group.split(",") if label.strip()}
            assert used <= available, (title, used - available)
            checked += 1
        for name, matchers in SELECTOR.findall(expr):
            used = {m.split("=")[0].strip(" !~") for m in matchers.split(",") if m.strip()}
            assert used <= labels.get(name, used), (title, name)
    assert checked >= 5
