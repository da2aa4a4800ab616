"""News detection: designation changes and configured topics in news items, grouped into stories.

Pure functions over :class:`~monitor.detect.model.NewsItem` values — no network, no database —
so the pipeline and the evaluation harness (``bench/eval_detect.py``) call the same code: the
item and its findings in ``model``, designations in ``classify``, topics in ``topics``, stories
in ``stories``, and the pipeline's one detector in ``reports``.
"""
