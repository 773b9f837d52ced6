"""What a run shows of each notebook: HTML with and without code (nbconvert), the key
figure as ``thumbnail.png`` for the index, and the findings and action lists the notebook showed.

Cell tags the export reads:

- ``headline``: the cell showing the notebook's :class:`~mining.findings.Findings`, and
  ``lists``: the cell showing its saved action lists. Both move to the top of the exported
  reports (after the title), wherever they ran in the notebook.
- ``teaching``: exercises, "predict first" answers and JupyterLab-only notes; left out of the
  report without code (the business report), kept in the report with code (the teaching one).
- ``key-figure``: the figure of the index (its thumbnail).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from mining.report._params import _read_notebook
from mining.report._results import NotebookResult

__all__: list[str] = []


@functools.cache
def _exporters() -> tuple[Any, Any]:
    """(HTML with code, HTML without code); built once, reused (template loading is slow)."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    full = HTMLExporter(embed_images=True)
    lean = HTMLExporter(
        embed_images=True,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    # the parameters cells have no output: without code they would be empty boxes; teaching
    # cells (exercises, answers, JupyterLab notes) are for the report with code only
    remove = TagRemovePreprocessor(
        remove_cell_tags={"parameters", "injected-parameters", "teaching"}, enabled=True
    )
    lean.register_preprocessor(remove, enabled=True)
    return full, lean


def _export_html(nb_path: Path, html_path: Path, nocode_path: Path, *, title: str,
                 source_dir: Path) -> None:
    """Write the executed notebook ``nb_path`` as standalone HTML with code (``html_path``)
    and without (``nocode_path``: no inputs, prompts or parameters cells); images embedded."""
    import nbformat

    nb = _findings_first(nbformat.read(str(nb_path), as_version=4))
    full, lean = _exporters()
    for exporter, target in ((full, html_path), (lean, nocode_path)):
        resources = {"metadata": {"name": title, "path": str(source_dir)}}
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        target.write_text(body.replace("</head>", _READABLE_CSS + "</head>", 1), encoding="utf-8")


FIRST_TAGS = ("headline", "lists")

#: added to every exported page: printed lines wrap instead of running off the right edge, and
#: wide tables scroll inside their box
_READABLE_CSS = ("<style>.jp-OutputArea-output pre{white-space:pre-wrap;word-break:break-word}"
                 ".jp-RenderedHTMLCommon table.mining-table td{vertical-align:top}"
                 ".jp-OutputArea-output{overflow-x:auto}</style>\n")


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _findings_first(nb: Any) -> Any:
    """The notebook with its ``headline`` and ``lists`` cells moved to the top: after an error
    banner and the title cell (a markdown cell starting with ``#``), before everything else."""
    first = [c for tag in FIRST_TAGS for c in nb.cells if tag in _tags(c)]
    if not first:
        return nb
    rest = [c for c in nb.cells if not any(c is f for f in first)]
    at = 0
    while at < len(rest) and "mining-error" in _tags(rest[at]):
        at += 1
    if at < len(rest) and rest[at].get("cell_type") == "markdown" and \
            "".join(rest[at].get("source", "")).lstrip().startswith("#"):
        at += 1
    nb.cells = rest[:at] + first + rest[at:]
    return nb


def notebook_outputs(nb_path: Path, mime: str) -> list[Any]:
    """Every output of MIME type ``mime`` in the executed notebook (e.g. the findings JSON)."""
    try:
        nb = _read_notebook(Path(nb_path))
    except Exception:
        return []
    found = []
    for cell in nb.cells:
        for o in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = o.get("data", {})
            if mime in data:
                found.append(data[mime])
    return found


def _add_thumbnail(result: NotebookResult, folder: Path) -> None:
    """Save the notebook's key figure as ``thumbnail.png`` beside it, at its full resolution
    (the index shows it scaled to its column and links it to the report).

    The key figure is the first image of a cell tagged ``key-figure``, else the first image.
    """
    path = result.outputs.get("notebook")
    if path is None or not Path(path).is_file():
        return
    try:
        import base64

        nb = _read_notebook(Path(path))
        images: list[tuple[bool, str]] = []
        for cell in nb.cells:
            if cell.get("cell_type") != "code":
                continue
            key = "key-figure" in _tags(cell)
            for o in cell.get("outputs", []):
                png = o.get("data", {}).get("image/png")
                if png:
                    images.append((key, png))
        if not images:
            return
        png = next((p for k, p in images if k), images[0][1])
        target = folder / "thumbnail.png"
        target.write_bytes(base64.b64decode(png))
        result.outputs["thumbnail"] = target
    except Exception:  # broad on purpose: no thumbnail is no reason to fail a run
        return
