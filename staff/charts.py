"""A grouped bar chart drawn on the server as SVG geometry (the template writes the
<svg>): no JavaScript, nothing loaded from elsewhere."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext

from pipeline.kinds import kind_choices
from staff.selectors import WeekCount

BAR_WIDTH = 12
BAR_GAP = 2
GROUP_GAP = 16
PLOT_HEIGHT = 100
TOP = 14  # room for the value above the tallest bar
BOTTOM = 18  # room for the week labels
LEFT = 4


@dataclass(frozen=True)
class Bar:
    week: dt.date
    kind: str
    count: int
    x: int
    y: int
    width: int
    height: int
    title: str

    @property
    def centre(self) -> int:
        return self.x + self.width // 2


@dataclass(frozen=True)
class AxisLabel:
    x: int
    y: int
    text: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    baseline: int
    bars: list[Bar]
    labels: list[AxisLabel]
    kinds: list[tuple[str, str]]  # (kind, label) in the legend's order
    weeks: list[WeekCount]


def weekly_bar_chart(weeks: list[WeekCount]) -> BarChart:
    """One group of bars per week (one bar per kind), heights scaled to the largest count."""
    kinds = [(kind, str(label)) for kind, label in kind_choices()]
    group_width = len(kinds) * BAR_WIDTH + (len(kinds) - 1) * BAR_GAP
    tallest = max((n for week in weeks for _kind, n in week.per_kind), default=0) or 1
    baseline = TOP + PLOT_HEIGHT
    bars, labels = [], []
    for index, week in enumerate(weeks):
        left = LEFT + index * (group_width + GROUP_GAP)
        week_label = week.start.strftime("%d/%m")
        for position, (kind, n) in enumerate(week.per_kind):
            height = round(PLOT_HEIGHT * n / tallest)
            bars.append(
                Bar(
                    week=week.start,
                    kind=kind,
                    count=n,
                    x=left + position * (BAR_WIDTH + BAR_GAP),
                    y=baseline - height,
                    width=BAR_WIDTH,
                    height=height,
                    title=gettext("Week of %(week)s, %(kind)s: %(count)d")
                    % {"week": week_label, "kind": dict(kinds)[kind], "count": n},
                )
            )
        labels.append(
            AxisLabel(x=left + group_width // 2, y=baseline + BOTTOM - 4, text=week_label)
        )
    width = LEFT * 2 + len(weeks) * group_width + max(len(weeks) - 1, 0) * GROUP_GAP
    return BarChart(
        width=width,
        height=baseline + BOTTOM,
        baseline=baseline,
        bars=bars,
        labels=labels,
        kinds=kinds,
        weeks=weeks,
    )
