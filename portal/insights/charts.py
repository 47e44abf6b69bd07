"""The dashboards' charts: data from `metrics`, drawn server-side as SVG by pygal.

Each chart is its own SVG response, shown with an <img> (so the page's
strict CSP is untouched) and backed by the same numbers in a table. pygal is
asked for no JavaScript (`js=[]`), and an XML filter drops the small config
<script> it writes regardless, and adds a <title> and <desc>. Two styles
follow the site's light and dark colour schemes; two sizes keep the labels
readable on a phone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from math import ceil, floor, log10
from typing import Any
from xml.etree.ElementTree import Element  # noqa: S405 - builds nodes, parses nothing

import pygal
from pygal.style import Style

from portal.insights import metrics
from portal.insights.metrics import NETWORK_LABELS
from portal.insights.rollups import ACTIVE, NETWORKS, clicks_of, shares_of
from portal.insights.scopes import Period, Scope

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
SIZES = {"wide": (600, 320), "narrow": (400, 360)}


def _style(text: str, subtle: str, colors: tuple[str, ...]) -> Style:
    return Style(
        background="transparent",
        plot_background="transparent",
        foreground=text,
        foreground_strong=text,
        foreground_subtle=subtle,
        guide_stroke_color=subtle,
        major_guide_stroke_color=subtle,
        opacity=".9",
        opacity_hover="1",
        colors=colors,
        font_family=FONT,
        label_font_size=12,
        major_label_font_size=12,
        legend_font_size=13,
        title_font_size=15,
        value_font_size=12,
        no_data_font_size=16,
        tooltip_font_size=12,
        transition="0ms",
    )


# Blue, amber and teal first (the three networks), told apart by the legend and the table too.
THEMES = {
    "light": _style(
        "#0f172a", "#c9d0da", ("#2563eb", "#b45309", "#0f766e", "#7c3aed", "#be123c", "#525e70")
    ),
    "dark": _style(
        "#e6eaf1", "#34425c", ("#60a5fa", "#fbbf24", "#2dd4bf", "#c4b5fd", "#fb7185", "#9ba6b8")
    ),
}
KINDS: dict[str, Any] = {
    "line": pygal.Line,
    "bar": pygal.Bar,
    "stacked_bar": pygal.StackedBar,
}


@dataclass
class Chart:
    """What a chart shows: labels along x, named series, and how to describe it in words."""

    name: str
    title: str
    kind: str
    x_title: str
    x_labels: list[str]
    series: list[tuple[str, list[int | None]]]
    summary: str  # one sentence of what it shows, for the image's alt text
    unit: str = ""  # "%" for percentages
    logarithmic: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def alt(self) -> str:
        return f"{self.title}. {self.summary}"

    @property
    def headers(self) -> list[str]:
        return [self.x_title, *(label for label, _ in self.series)]

    @property
    def rows(self) -> list[list[str]]:
        """The table behind the chart: one row per x label."""
        return [
            [label, *(self.format(values[i]) for _, values in self.series)]
            for i, label in enumerate(self.x_labels)
        ]

    def format(self, value: int | None) -> str:
        if value is None:
            return "–"
        return f"{value:,}{self.unit}"

    @property
    def empty(self) -> bool:
        return not any(v for _, values in self.series for v in values if v)


# --- the charts -------------------------------------------------------------------------------

# Every roll-up metric the dashboard's charts draw over time.
DASHBOARD_SERIES = [
    *(shares_of(n) for n in NETWORKS),
    *(clicks_of(n) for n in NETWORKS),
    "lessons_completed",
    "quizzes_passed",
]


class Figures:
    """The numbers the charts are drawn from, each asked of `metrics` once.

    A chart on its own (an SVG response) asks only for what it draws. The
    dashboard draws them all: it reads their series in one scan of the roll-ups
    instead of one per chart, and takes totals, declared reach and head count
    from the summary it has already computed.
    """

    def __init__(
        self,
        scope: Scope,
        period: Period,
        summary: metrics.Summary | None = None,
        prefetch: Iterable[str] = (),
    ) -> None:
        self.scope, self.period, self.summary = scope, period, summary
        self._prefetch = list(prefetch)
        self._series: dict[str, list[int]] = {}

    def series(self, names: list[str]) -> dict[str, list[int]]:
        missing = [n for n in names if n not in self._series]
        if missing:
            rest = [n for n in self._prefetch if n not in self._series and n not in missing]
            self._series.update(metrics.series(self.scope, self.period, missing + rest))
        return {n: self._series[n] for n in names}

    def totals(self, names: list[str]) -> dict[str, int]:
        if self.summary is not None and all(n in self.summary.counts for n in names):
            return {n: self.summary.counts[n] for n in names}
        return metrics.totals(self.scope, self.period, names)

    def potential_reach(self) -> dict[str, int]:
        if self.summary is not None:
            return self.summary.potential_reach
        return metrics.potential_reach(self.scope)

    def people(self) -> int:
        if self.summary is not None and self.scope.kind != "person":
            return self.summary.people
        return metrics.people(self.scope)


def _over_time(period: Period) -> tuple[str, list[str]]:
    x_title = {"day": "Day", "week": "Week", "month": "Month"}[period.bucket]
    return x_title, [period.bucket_label(b) for b in period.buckets()]


def _per_network(
    name: str, title: str, noun: str, metric: Callable[[str], str], figures: Figures
) -> Chart:
    period = figures.period
    x_title, labels = _over_time(period)
    values = figures.series([metric(n) for n in NETWORKS])
    series: list[tuple[str, list[int | None]]] = [
        (NETWORK_LABELS[n], list(values[metric(n)])) for n in NETWORKS
    ]
    totals = {label: sum(v or 0 for v in vs) for label, vs in series}
    parts = ", ".join(f"{label} {total:,}" for label, total in totals.items())
    summary = (
        f"{noun.capitalize()} per {period.bucket}, {period.label}: {parts} "
        f"({sum(totals.values()):,} in all)."
    )
    return Chart(name, title, "stacked_bar", x_title, labels, series, summary)


def shares_chart(figures: Figures) -> Chart:
    """Shares per day, week or month, stacked by network."""
    return _per_network("shares", "Shares by network", "shares", shares_of, figures)


def clicks_chart(figures: Figures) -> Chart:
    """Clicks on shared links per day, week or month, stacked by the network shared on."""
    return _per_network("clicks", "Clicks by network", "clicks", clicks_of, figures)


def reach_chart(figures: Figures) -> Chart:
    """Potential reach (declared followers) against earned reach (clicks) on each network."""
    period = figures.period
    potential = figures.potential_reach()
    earned = figures.totals([clicks_of(n) for n in NETWORKS])
    labels = [NETWORK_LABELS[n] for n in NETWORKS]
    series: list[tuple[str, list[int | None]]] = [
        ("Potential reach (followers)", [potential.get(n, 0) for n in NETWORKS]),
        ("Earned reach (clicks)", [earned[clicks_of(n)] for n in NETWORKS]),
    ]
    parts = "; ".join(
        f"{NETWORK_LABELS[n]} {potential.get(n, 0):,} followers, {earned[clicks_of(n)]:,} clicks"
        for n in NETWORKS
    )
    summary = f"Declared followers today against clicks earned, {period.label}: {parts}."
    chart = Chart("reach", "Potential and earned reach", "bar", "Network", labels, series, summary)
    chart.logarithmic = any(v for _, vs in series for v in vs if v)
    chart.notes.append("Logarithmic scale: each step up is ten times more.")
    return chart


def participation_chart(figures: Figures) -> Chart:
    """The share of people active in each day, week or month (a person: their active days)."""
    scope, period = figures.scope, figures.period
    if scope.kind == "person":
        return _my_activity(figures)
    x_title, labels = _over_time(period)
    counts = metrics.distinct_people_series(scope, period, ACTIVE)
    people = figures.people()
    shares = [metrics.percent(c, people) for c in counts]
    summary = (
        f"Percent of the {people:,} people active in each {period.bucket}, {period.label}: "
        f"highest {max((s or 0) for s in shares)}%, latest {shares[-1] or 0}%."
    )
    series = [("People active (%)", shares)]
    return Chart("participation", "Participation", "line", x_title, labels, series, summary, "%")


MY_ACTIVITY = {
    "shares": "Shares",
    "lessons_completed": "Lessons completed",
    "ideas": "Ideas posted",
    "bulletins_acknowledged": "Bulletins acknowledged",
}


def _my_activity(figures: Figures) -> Chart:
    """What one person did per day, week or month, stacked by kind."""
    period = figures.period
    x_title, labels = _over_time(period)
    values = figures.series(list(MY_ACTIVITY))
    series: list[tuple[str, list[int | None]]] = [
        (label, list(values[metric])) for metric, label in MY_ACTIVITY.items()
    ]
    parts = ", ".join(f"{label.lower()} {sum(v or 0 for v in vs):,}" for label, vs in series)
    summary = f"What you did per {period.bucket}, {period.label}: {parts}."
    return Chart("participation", "Your activity", "stacked_bar", x_title, labels, series, summary)


def learning_chart(figures: Figures) -> Chart:
    """Lessons completed and quizzes passed per day, week or month."""
    period = figures.period
    x_title, labels = _over_time(period)
    values = figures.series(["lessons_completed", "quizzes_passed"])
    series: list[tuple[str, list[int | None]]] = [
        ("Lessons completed", list(values["lessons_completed"])),
        ("Quizzes passed", list(values["quizzes_passed"])),
    ]
    summary = (
        f"Per {period.bucket}, {period.label}: {sum(values['lessons_completed']):,} lessons "
        f"completed and {sum(values['quizzes_passed']):,} quizzes passed."
    )
    return Chart("learning", "Learning", "bar", x_title, labels, series, summary)


BUILDERS: dict[str, Callable[[Figures], Chart]] = {
    "shares": shares_chart,
    "clicks": clicks_chart,
    "reach": reach_chart,
    "participation": participation_chart,
    "learning": learning_chart,
}
DASHBOARD = ["shares", "clicks", "reach", "participation", "learning"]


def build(name: str, scope: Scope, period: Period, figures: Figures | None = None) -> Chart:
    """The chart called `name` for the scope and period (KeyError for an unknown name)."""
    return BUILDERS[name](figures or Figures(scope, period))


def dashboard(scope: Scope, period: Period, summary: metrics.Summary) -> list[Chart]:
    """Every chart of a dashboard, sharing one read of their series and the summary's figures."""
    figures = Figures(scope, period, summary, DASHBOARD_SERIES)
    return [build(name, scope, period, figures) for name in DASHBOARD]


# --- drawing ----------------------------------------------------------------------------------


def _top(chart: Chart) -> float:
    """The highest point drawn: the tallest stack for stacked bars, else the largest value."""
    columns = [[values[i] or 0 for _, values in chart.series] for i in range(len(chart.x_labels))]
    if chart.kind == "stacked_bar":
        return max((sum(column) for column in columns), default=0)
    return max((max(column, default=0) for column in columns), default=0)


def y_ticks(chart: Chart) -> list[float]:
    """Whole-number ticks at 1, 2 or 5 times a power of ten (powers of ten on a log scale)."""
    top = _top(chart)
    if chart.logarithmic:
        return [10.0**n for n in range(int(ceil(log10(max(top, 10)))) + 1)]
    if top <= 0:
        return [0, 1]
    raw = top / 5
    magnitude = 10 ** floor(log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return [float(n) for n in range(0, int(ceil(top / step) * step) + 1, int(step))]


def _finish(chart: Chart) -> Callable[[Element], Element]:
    """pygal XML filter: no <script> at all, and a <title> and <desc> for assistive tech."""

    def finish(root: Element) -> Element:
        for parent in root.iter():
            for child in list(parent):
                if child.tag == "script":
                    parent.remove(child)
        desc = Element("desc")
        desc.text = chart.summary
        title = Element("title")
        title.text = chart.title
        root.insert(0, desc)
        root.insert(0, title)
        root.set("role", "img")
        return root

    return finish


def render_svg(chart: Chart, theme: str = "light", size: str = "wide") -> str:
    """The chart as a standalone SVG document (no scripts; styles inside)."""
    width, height = SIZES.get(size, SIZES["wide"])
    labels = len(chart.x_labels)
    every = max(1, ceil(labels / (4 if size == "narrow" else 8)))
    longest = max((len(label) for label, _ in chart.series), default=0)
    columns = 1 if size == "narrow" and longest > 14 else min(4, len(chart.series))
    ticks = y_ticks(chart)
    graph = KINDS[chart.kind](
        style=THEMES.get(theme, THEMES["light"]),
        js=[],
        width=width,
        height=height,
        explicit_size=False,
        disable_xml_declaration=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=columns,
        show_legend=len(chart.series) > 1,
        x_labels_major_every=every if labels > 8 else None,
        show_minor_x_labels=labels <= 8,
        truncate_label=-1,
        truncate_legend=-1,
        logarithmic=chart.logarithmic,
        include_x_axis=not chart.logarithmic,
        min_scale=1,
        max_scale=6,
        margin=12,
        spacing=14,
        dots_size=3,
        stroke_style={"width": 2.5},
        show_y_guides=True,
        show_x_guides=False,
        print_values=False,
        no_data_text="Nothing counted in these days",
        value_formatter=lambda v: f"{v:,.0f}{chart.unit}",
        y_labels=ticks,
        range=(ticks[0], ticks[-1]) if chart.logarithmic else None,
        zero=1 if chart.logarithmic else 0,  # log bars rise from 1, not from the smallest value
    )
    graph.add_xml_filter(_finish(chart))
    graph.x_labels = chart.x_labels
    for label, values in chart.series:
        # pygal draws a logarithmic 0 at minus infinity: leave those points out instead.
        graph.add(label, [None if chart.logarithmic and not v else v for v in values])
    svg: str = graph.render(is_unicode=True)
    return svg


def segments_chart(figures: Figures) -> Chart:
    """People in each segment on each night it was computed (the last `period` days)."""
    from portal.insights import segments

    scope, period = figures.scope, figures.period
    days, values = segments.trend(scope, period.start, period.end)
    labels = [f"{d.day} {d:%b}" for d in days]
    series: list[tuple[str, list[int | None]]] = [
        (segment.label, list(values[segment])) for segment in segments.ORDER
    ]
    latest = ", ".join(f"{label} {vs[-1]:,}" for label, vs in series if vs) or "no data yet"
    summary = f"People per segment each night, {period.label}. Latest: {latest}."
    return Chart("segments", "Segments over time", "line", "Night of", labels, series, summary)


BUILDERS["segments"] = segments_chart
