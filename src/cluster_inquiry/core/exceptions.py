"""All project exceptions: one base class, small subclasses (papermill's layout)."""

from __future__ import annotations


class ClusterInquiryError(Exception):
    """Base class for expected errors: the CLI prints them without a traceback."""


class InputValidationError(ClusterInquiryError):
    """One or more input tables break the data contract.

    ``problems`` holds one line per violation, formatted ``file:row: column: rule``.
    """

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        n = len(self.problems)
        shown = "\n".join(self.problems[:50])
        more = f"\n… and {n - 50} more" if n > 50 else ""
        super().__init__(f"{n} problem(s) in the input data:\n{shown}{more}")


class UnknownClusterError(ClusterInquiryError):
    """A cluster name given on the command line is not one of the 25 clusters."""


class NotebookExecutionError(ClusterInquiryError):
    """A notebook failed or timed out; names the notebook and the cell."""


class BookBuildError(ClusterInquiryError):
    """Jupyter Book (Sphinx) failed; the previously published site is left untouched."""


class DisclosureError(ClusterInquiryError):
    """An unsuppressed small count would have left the build."""


class InputFileError(ClusterInquiryError):
    """A path under ``data/`` or ``notebooks/`` that cannot be read as a file (a FIFO, a dangling link,
    a template that is not a notebook); the message names the path and the reason."""


class SchedulerError(ClusterInquiryError):
    """``--scheduler`` is not an address, or no Dask scheduler answers there."""
