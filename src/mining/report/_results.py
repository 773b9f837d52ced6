"""What a run returns: :class:`NotebookError` (why a notebook failed), :class:`NotebookResult`
(one notebook) and :class:`ReportRun` (the run folder with one result per notebook)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mining.report._common import FAILED, OK, SKIPPED, _display_path
from mining.secrets import redact

__all__ = ["NotebookError", "NotebookResult", "ReportRun"]


@dataclass(frozen=True)
class NotebookError:
    """Why a notebook failed: exception type, message and the failing cell (shortened)."""

    type: str
    message: str
    cell_source: str | None = None
    cell_number: int | None = None  # execution count ("In [n]") when known, else cell position

    def __str__(self) -> str:
        where = f" at In [{self.cell_number}]" if self.cell_number is not None else ""
        text = f"{self.type}: {self.message}{where}" if self.message else f"{self.type}{where}"
        if self.cell_source:
            text += "\n--- failing cell ---\n" + self.cell_source
        return text

    @property
    def summary(self) -> str:
        """One line: ``ValueError: boom at In [3]``."""
        first = self.message.splitlines()[0] if self.message else ""
        where = f" at In [{self.cell_number}]" if self.cell_number is not None else ""
        return f"{self.type}: {first}{where}" if first else f"{self.type}{where}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "message": self.message,
            "cell_source": self.cell_source,
            "cell_number": self.cell_number,
        }


@dataclass
class NotebookResult:
    """What happened to one notebook.

    Attributes
    ----------
    name : str
        Short name (the notebook's file stem unless the config gives ``name``); also the name of
        its folder in the run.
    status : str
        ``"ok"``, ``"failed"`` or ``"skipped"``.
    duration_s : float
        Wall time in seconds: kernel start, execution and HTML export.
    parameters : dict
        Final value of every declared parameter (notebook default unless passed).
    outputs : dict of str to Path
        ``notebook`` (executed .ipynb), ``html``, ``html_nocode``, ``run_json``; only files that exist.
    error : NotebookError or None
        Why it failed (``None`` when ok or skipped).
    """

    name: str
    status: str
    duration_s: float
    parameters: dict[str, Any]
    outputs: dict[str, Path] = field(default_factory=dict)
    error: NotebookError | None = None
    title: str = ""
    notebook: Path | None = None
    passed: dict[str, Any] = field(default_factory=dict)
    skip_reason: str | None = None
    started: str | None = None
    finished: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == OK

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (the per-notebook ``run.json`` when the notebook ran)."""
        if self.record:
            return dict(self.record)
        return {
            "name": self.name,
            "title": self.title,
            "notebook": str(self.notebook) if self.notebook else None,
            "status": self.status,
            "skip_reason": self.skip_reason,
            "parameters": redact(self.parameters),
            "passed_parameters": redact(self.passed),
            "duration_s": round(self.duration_s, 3),
            "error": self.error.to_dict() if self.error else None,
            "outputs": {k: str(v) for k, v in self.outputs.items()},
        }


@dataclass
class ReportRun:
    """One run of the runner: its folder, one result per notebook and the run metadata."""

    run_dir: Path
    results: list[NotebookResult]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no notebook failed (skipped notebooks do not count as failures)."""
        return not self.failed

    @property
    def failed(self) -> list[NotebookResult]:
        return [r for r in self.results if r.status == FAILED]

    @property
    def index(self) -> Path:
        return self.run_dir / "index.html"

    @property
    def duration_s(self) -> float:
        return float(self.meta.get("duration_s", sum(r.duration_s for r in self.results)))

    def summary(self) -> str:
        """``3 notebooks: 2 ok, 1 failed in 41.2 s -> reports/.../index.html``."""
        n = len(self.results)
        counts = [f"{sum(r.status == OK for r in self.results)} ok"]
        counts.append(f"{len(self.failed)} failed")
        n_skipped = sum(r.status == SKIPPED for r in self.results)
        if n_skipped:
            counts.append(f"{n_skipped} skipped")
        return (
            f"{n} notebook{'s' if n != 1 else ''}: {', '.join(counts)} "
            f"in {self.duration_s:.1f} s -> {_display_path(self.index)}"
        )
