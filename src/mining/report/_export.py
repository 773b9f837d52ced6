"""What a run shows of each notebook: HTML with and without code (nbconvert) and the key
figure as ``thumbnail.png`` for the index."""

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
    # the parameters cells have no output: without code they would be empty boxes
    remove = TagRemovePreprocessor(
        remove_cell_tags={"parameters", "injected-parameters"}, enabled=True
    )
    lean.register_preprocessor(remove, enabled=True)
    return full, lean


def _export_html(nb_path: Path, html_path: Path, nocode_path: Path, *, title: str,
                 source_dir: Path) -> None:
    """Write the executed notebook ``nb_path`` as standalone HTML with code (``html_path``)
    and without (``nocode_path``: no inputs, prompts or parameters cells); images embedded."""
    import nbformat

    nb = nbformat.read(str(nb_path), as_version=4)
    full, lean = _exporters()
    for exporter, target in ((full, html_path), (lean, nocode_path)):
        resources = {"metadata": {"name": title, "path": str(source_dir)}}
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        target.write_text(body, encoding="utf-8")


def _add_thumbnail(result: NotebookResult, folder: Path, *, width: int = 320) -> None:
    """Save the notebook's key figure as ``thumbnail.png`` beside it.

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
            key = "key-figure" in cell.get("metadata", {}).get("tags", [])
            for o in cell.get("outputs", []):
                png = o.get("data", {}).get("image/png")
                if png:
                    images.append((key, png))
        if not images:
            return
        png = next((p for k, p in images if k), images[0][1])
        import io

        from matplotlib.figure import Figure  # no pyplot: the runner changes no global state
        from matplotlib.image import imread

        img = imread(io.BytesIO(base64.b64decode(png)), format="png")
        h, w = img.shape[:2]
        fig = Figure(figsize=(width / 100, width / 100 * h / w), dpi=100)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.imshow(img)
        ax.axis("off")
        target = folder / "thumbnail.png"
        fig.savefig(target, dpi=100)
        result.outputs["thumbnail"] = target
    except Exception:
        return
