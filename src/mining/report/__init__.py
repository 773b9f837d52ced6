"""Run notebooks unattended (papermill), export HTML (nbconvert) and write a dated run index.

One run is one new folder, never reused::

    reports/<YYYYmmdd-HHMMSS>Z-<dataset>/         (UTC; suffix -2, -3... when two runs share a second)
        index.html                  one row per notebook: status, duration, parameters, links
        run.json                    the same as data: run metadata plus one record per notebook
        01_customer_value/
            01_customer_value.ipynb          the executed notebook (the record of the run)
            01_customer_value.html           HTML with code
            01_customer_value.nocode.html    HTML without code, for business readers
            run.json                         parameters, versions, git commit, data hash, timings

What the runner adds to papermill:

- a parameter the notebook does not declare is an error *before* anything runs (papermill only
  warns), and so is a notebook without a cell tagged ``parameters``;
- values given as text (command line) are converted to the declared type (``n: int = 3``);
- a failed notebook is recorded with its error (type, message, failing cell) and the other
  notebooks still run; a failed notebook never looks like it succeeded;
- the kernel runs headless (matplotlib's inline backend, never a GUI backend) in the notebook's
  own folder, so notebooks can use relative paths;
- a database password never reaches a file, folder name or message: it is taken out of every
  URL parameter before papermill injects it and handed to the kernel in the environment variable
  ``MINING_DB_PASSWORD`` (:mod:`mining.secrets`); every text written is passed through
  :func:`mining.secrets.redact`;
- a run that cannot write its output (full disk, read-only folder) stops with a
  :class:`WriteError` that says so, keeping what finished; SIGTERM stops a run in order like
  Ctrl-C; a ``.partial-*`` folder left by a killed run is renamed ``.stale-*`` by the next run.

The configuration file (``notebooks/report.yaml``) is described in ``reports/README.md``.
Heavy imports (papermill, nbconvert, Jinja2) happen inside the functions, so importing this
package is cheap and changes no global settings.

Modules (each one job; import from ``mining.report``, the modules are private):

======================  ========================================================================
``_params``             parameters a notebook declares, conversion and checks of given values
``_config``             the report config: find, read and check it; safe entry names
``_runs``               run folders (UTC names, ``.partial-``/``.stale-``), the lock, retention,
                        the ``latest`` link
``_fingerprint``        git commit, data stamps, the data line (via :mod:`mining.inputs`)
``_execute``            one notebook: kernel environment, password hand-over, papermill
``_plan``               a run of several notebooks: the plan, SIGTERM, :func:`run_report`,
                        :func:`run_one`
``_export``             HTML with and without code, thumbnails
``_index``              ``index.html`` from ``templates/index.html.j2`` and the run's run.json
``_results``            :class:`NotebookError`, :class:`NotebookResult`, :class:`ReportRun`
``_common``             status words, :class:`WriteError`, :class:`RunTerminated`, helpers
======================  ========================================================================
"""

from __future__ import annotations

from mining.report._common import FAILED, OK, SKIPPED, RunTerminated, WriteError
from mining.report._config import DEFAULT_CONFIG, ConfigError, find_default_config, load_config
from mining.report._execute import KERNEL_MPLBACKEND, run_notebook
from mining.report._fingerprint import data_fingerprint, data_key, data_summary
from mining.report._index import write_index
from mining.report._params import check_parameters, declared_parameters
from mining.report._plan import run_one, run_report
from mining.report._results import NotebookError, NotebookResult, ReportRun
from mining.report._runs import (
    clean_stale_partials,
    complete_runs,
    finalise_run_dir,
    make_run_dir,
    prune_runs,
    run_label,
    run_lock,
)

__all__ = [
    "DEFAULT_CONFIG",
    "FAILED",
    "KERNEL_MPLBACKEND",
    "OK",
    "SKIPPED",
    "ConfigError",
    "NotebookError",
    "NotebookResult",
    "ReportRun",
    "RunTerminated",
    "WriteError",
    "check_parameters",
    "clean_stale_partials",
    "complete_runs",
    "data_fingerprint",
    "data_key",
    "data_summary",
    "declared_parameters",
    "finalise_run_dir",
    "find_default_config",
    "load_config",
    "make_run_dir",
    "prune_runs",
    "run_label",
    "run_lock",
    "run_notebook",
    "run_one",
    "run_report",
    "write_index",
]
