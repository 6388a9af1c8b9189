"""`python -m bench [NAME …] [--markdown FILE]`: run the benchmarks (all by default), then print the README
snippet of their results."""

from __future__ import annotations

import argparse
import importlib
import time

from . import BENCHMARKS, ON_REQUEST
from .common import run_one, snippet


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help="any of: " + ", ".join(BENCHMARKS + ON_REQUEST))
    parser.add_argument("--markdown", metavar="FILE", help="also write the README snippet to FILE")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS + ON_REQUEST]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS + ON_REQUEST)}")
    started = time.monotonic()
    results = []
    for name in args.names or BENCHMARKS:
        module = importlib.import_module(f"bench.{name}")
        results.append(run_one(module.run, []))
    text = snippet(results)
    print()
    print(f"== README snippet ({time.monotonic() - started:.0f} s in all) ==")
    print()
    print(text)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as out:
            out.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
