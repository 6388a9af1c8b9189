"""Dropwatch's benchmarks: `make bench` (= `python -m bench`) runs them all; `python -m bench.NAME` runs one.

They print figures, not test verdicts: each compares the project's code with a baseline measured in the
same run (the cost of merely decoding a page, a bare HTTP client, plain SQL, a bare fetch+parse loop),
and says PASS/FAIL only against the targets set in the project's issues. See bench/common.py for the
database and Redis DB they own (never the app's or the tests').
"""

BENCHMARKS = ("parse", "peb", "fetch", "tick", "pipeline", "dashboard")
# Run only when named (`python -m bench cdio`, `make bench-cdio`): it installs changedetection.io and needs root.
ON_REQUEST = ("cdio",)
