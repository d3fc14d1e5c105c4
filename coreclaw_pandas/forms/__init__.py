"""Input forms for Workers, as ipywidgets: ``cc.worker_form(slug)`` in a notebook cell.

The only package that imports ipywidgets, and only when a form is built:
neither this module nor :mod:`.form` imports it, so ``import coreclaw_pandas``
stays free of widgets.
"""

from .form import WorkerForm, worker_form

__all__ = ["WorkerForm", "worker_form"]
