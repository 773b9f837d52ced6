"""What a notebook read, for the run's record: the git commit of the working tree, a stamp
(sha256) of the input data and the one-line data summary of the index.

The data are opened with :func:`mining.inputs.open_inputs`, the notebooks' own way in, and the
data line is :meth:`mining.inputs.Inputs.summary`, so the index says what the notebooks say.
During a run (:func:`_inputs_cache`) each dataset is opened once and shared by the stamp and
the summary of every notebook that reads it.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import os
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mining.secrets import redact, split_password

if TYPE_CHECKING:
    from mining.inputs import Inputs

__all__ = ["data_fingerprint", "data_key", "data_summary"]

#: data opened during the current run: {what was read: {as_of given: Inputs}}
_OPENED: contextvars.ContextVar[dict[tuple[Any, ...], dict[str, Inputs]] | None] = \
    contextvars.ContextVar("mining_report_inputs", default=None)
_ANY_AS_OF = object()


def _git_info(where: Path) -> dict[str, Any] | None:
    """Commit and dirty flag of the git working tree holding ``where``; None if not available."""
    try:
        head = subprocess.run(
            ["git", "-C", str(where), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=10, check=False,
        )
        if head.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "-C", str(where), "status", "--porcelain"],
            capture_output=True, text=True, timeout=10, check=False,
        )
        return {
            "commit": head.stdout.strip(),
            "dirty": bool(status.stdout.strip()) if status.returncode == 0 else None,
        }
    except Exception:  # broad on purpose: no git, timeouts...: provenance is best effort, never fatal
        return None


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _given(value: Any) -> bool:
    return value not in (None, "")


def _dataset_args(params: Mapping[str, Any]) -> tuple[str, str, int]:
    """(name, size, seed) as the notebooks' convention reads them (size default, seed 0)."""
    size = params.get("size")
    seed = params.get("seed")
    return (str(params.get("dataset")), str(size) if _given(size) else "default",
            int(seed) if isinstance(seed, int) and not isinstance(seed, bool) else 0)


def _what(params: Mapping[str, Any]) -> tuple[Any, ...]:
    """What the parameters read: ``("source", text)`` or ``("dataset", name, size, seed)``."""
    if _given(params.get("source")):
        return ("source", str(params["source"]))
    return ("dataset", *_dataset_args(params))


def _open(params: Mapping[str, Any], as_of: Any = _ANY_AS_OF) -> Inputs:
    """:func:`mining.inputs.open_inputs` for these parameters, once per run for each data and
    ``as_of``; without ``as_of`` any one already opened will do (the rows are the same)."""
    from mining.inputs import open_inputs

    read = _what(params)
    engine = str(params.get("engine") or "pandas")
    what = (read, engine)  # the engine counts the lines of a Parquet source (duckdb) and is
    cache = _OPENED.get()  # named in the data line, so it is part of what was opened
    opened = cache.setdefault(what, {}) if cache is not None else {}
    if as_of is _ANY_AS_OF and opened:
        return next(iter(opened.values()))
    key = "" if as_of is _ANY_AS_OF or not _given(as_of) else str(as_of)
    if key not in opened:
        if read[0] == "source":
            opened[key] = open_inputs(source=read[1], as_of=key, requires=(), engine=engine)
        else:
            _, name, size, seed = read
            opened[key] = open_inputs(dataset=name, size=size, random_state=seed, as_of=key,
                                      requires=(), engine=engine)
    return opened[key]


@contextlib.contextmanager
def _inputs_cache() -> Iterator[None]:
    """Within the block each data source is opened once (one generation of a dataset)."""
    token = _OPENED.set({})
    try:
        yield
    finally:
        _OPENED.reset(token)


def data_fingerprint(params: Mapping[str, Any], workdir: str | os.PathLike[str]
                     ) -> tuple[str | None, str]:
    """The stamp of a notebook's input data: ``(sha256 or None, what was hashed, in words)``.

    A ``source`` file is hashed byte by byte (a relative path is read from ``workdir``, the
    notebook's folder); a database URL by its text without the password (not its rows); a
    built-in ``dataset`` by its clean rows (pandas row hashes), so a changed generator gives a
    new stamp under the same name. Never raises: what cannot be hashed says why, with ``None``.
    These are the ``data_sha256`` and ``data`` keys of a notebook's ``run.json``.
    """
    source = params.get("source")
    if _given(source):
        text = str(source)
        if "://" in text:
            text = split_password(text)[0]
            digest = hashlib.sha256(text.encode()).hexdigest()
            return digest, (f"database {redact(text)}: sha256 of the URL string (without its "
                            "password), not of the rows")
        p = Path(text).expanduser()
        if not p.is_absolute():
            p = Path(workdir) / p
        if p.is_file():
            return _sha256_file(p), f"file {p} ({p.stat().st_size} bytes): sha256 of the file"
        return None, f"source {text} not found from {workdir}: not hashed"
    if "dataset" in params:
        import pandas as pd

        name, size, seed = _dataset_args(params)
        what = f"built-in dataset {name!r} (size={size}, seed={seed})"
        try:
            data = _open(params)
        except Exception as exc:  # broad on purpose: an unknown name is the notebook's error
            return None, redact(f"{what} could not be loaded ({type(exc).__name__}: {exc}): not hashed")
        table, kind = data.transactions, "clean rows"
        if table is None:
            table, kind = data.customers, "customer rows"
        if table is None:
            return None, f"{what}: no table to hash"
        digest = hashlib.sha256(
            pd.util.hash_pandas_object(table, index=True).to_numpy().tobytes()
        ).hexdigest()
        return digest, f"{what}: sha256 of the {len(table):,} {kind} (pandas row hashes)"
    return None, "no 'source' or 'dataset' parameter: input not hashed"


def data_key(params: Mapping[str, Any]) -> str | None:
    """Which data a notebook read: ``source`` if given, else ``dataset`` with size and seed,
    and the ``as_of`` when one is given (``None``: neither ``source`` nor ``dataset``).

    The keys of the run's ``data`` record (:func:`data_summary` of each).

    >>> data_key({"dataset": "demo", "size": "small", "seed": 0})
    'dataset=demo, size=small, seed=0'
    """
    if params.get("source"):
        key = f"source={redact(params['source'])}"
    elif params.get("dataset"):
        key = (f"dataset={params['dataset']}, size={params.get('size', 'default')}, "
               f"seed={params.get('seed', 0)}")
    else:
        return None
    return f"{key}, as_of={params['as_of']}" if _given(params.get("as_of")) else key


def data_summary(params: Mapping[str, Any]) -> dict[str, Any]:
    """What the data a notebook read hold, from the same parameters, for the run's index.

    Opened with :func:`mining.inputs.open_inputs` (``source`` or ``dataset``/``size``/``seed``
    and ``as_of``), as the notebooks open them; computed in the runner, so the index shows it for
    every notebook.

    Returns
    -------
    dict
        :meth:`mining.inputs.Inputs.to_dict` (``name``, ``rows``, ``orders``, ``customers``,
        ``products``, ``first``, ``last``, ``rows_in``, ``removed``, ``as_of``, ``as_of_rule``)
        plus ``summary``, the one data line (:meth:`~mining.inputs.Inputs.summary`). A data
        problem is ``{"error": "Type: message"}`` instead of failing the run.
    """
    try:
        data = _open(params, params.get("as_of"))
        return {**data.to_dict(), "summary": data.summary()}
    except Exception as exc:  # broad on purpose: shown in the index, never fails the run
        return {"error": redact(f"{type(exc).__name__}: {exc}")}
