"""Figures as they are measured, and docs/BENCHMARKS.md at the end of a full run."""

import os
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "BENCHMARKS.md"


@dataclass
class Figure:
    """One measured figure, its side-by-side reference and the goal it is held to."""

    what: str
    value: float
    unit: str
    reference: float | None = None
    reference_what: str = ""
    goal: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self):
        if self.reference in (None, 0) or self.value is None:
            return None
        return self.value / self.reference

    def line(self):
        note = f" ({self.note})" if self.note else ""
        parts = [f"{self.what}: {fmt(self.value)} {self.unit}{note}"]
        if self.reference is not None:
            parts.append(f"reference ({self.reference_what}): {fmt(self.reference)} {self.unit}")
        if self.ratio is not None:
            parts.append(f"ratio {self.ratio:.2f}")
        if self.goal:
            verdict = {True: "met", False: "NOT met", None: ""}[self.met]
            parts.append(f"goal {self.goal} {verdict}".rstrip())
        return " | ".join(parts)


@dataclass
class Section:
    name: str
    title: str
    method: str = ""
    figures: list = field(default_factory=list)
    details: list = field(default_factory=list)  # extra lines (query shapes, counts)
    not_measured: str = ""

    def add(self, figure):
        self.figures.append(figure)
        print(f"  [{self.name}] {figure.line()}", flush=True)
        return figure

    def detail(self, text):
        self.details.append(text)
        print(f"  [{self.name}] {text}", flush=True)

    def skip(self, reason):
        self.not_measured = reason
        print(f"  [{self.name}] NOT MEASURED: {reason}", flush=True)


def fmt(value):
    if value is None:
        return "—"
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 100:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def machine():
    cores = os.cpu_count()
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        memory = "unknown"
    return f"{cores} cores{f' ({model})' if model else ''}, {memory} memory, {platform.system()}"


def git_commit():
    """The commit measured, and whether the tree differed from it."""
    if os.environ.get("BENCH_COMMIT"):  # a clean export of a commit (git archive) has no .git
        return f"{os.environ['BENCH_COMMIT']} (clean export)"

    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        changed = [line for line in git("status", "--porcelain").splitlines() if line]
    except OSError:
        return "unknown"
    if not head:
        return "unknown"
    return f"{head} plus {len(changed)} uncommitted changes" if changed else head


def markdown(sections, command, sizes, postgres_version, started, finished):
    lines = [
        "# Benchmarks",
        "",
        "Written by `bench/run.py`; do not edit by hand. Each figure is measured side by side",
        "with its reference in the same run, and reported as a ratio against it, so that a",
        "slow or noisy machine moves both. Benchmarks are not tests: nothing here is asserted",
        "in the test suite (CI runs `bench/run.py --small` only to prove the suite still works).",
        "",
        f"- Command: `{command}`",
        f"- Machine: {machine()}",
        f"- PostgreSQL: {postgres_version}",
        f"- Date: {started:%Y-%m-%d %H:%M} to {finished:%H:%M} ({started:%Z}), "
        f"code at commit {git_commit()}",
        f"- Sizes: {sizes}",
        "",
    ]
    measured = [s for s in sections if s.figures]
    skipped = [s for s in sections if s.not_measured and not s.figures]
    if skipped:
        lines += ["## Not measured", ""]
        lines += [f"- **{s.title}**: {s.not_measured}" for s in skipped]
        lines.append("")
    for section in measured:
        lines += [f"## {section.title}", ""]
        if section.not_measured:
            lines += [f"Partly not measured: {section.not_measured}", ""]
        lines += [
            "| figure | value | reference | ratio | goal |",
            "|---|---|---|---|---|",
        ]
        for figure in section.figures:
            reference = (
                f"{fmt(figure.reference)} {figure.unit} ({figure.reference_what})"
                if figure.reference is not None
                else "—"
            )
            ratio = f"{figure.ratio:.2f}" if figure.ratio is not None else "—"
            verdict = {True: "met", False: "**not met**", None: ""}[figure.met]
            goal = f"{figure.goal} {verdict}".strip() if figure.goal else ""
            what = figure.what + (f" ({figure.note})" if figure.note else "")
            lines.append(
                f"| {what} | {fmt(figure.value)} {figure.unit} | {reference} | {ratio} | {goal} |"
            )
        lines.append("")
        if section.details:
            lines += [f"- {text}" for text in section.details]
            lines.append("")
        if section.method:
            lines += ["How it is measured: " + " ".join(section.method.split()), ""]
    return "\n".join(lines)
