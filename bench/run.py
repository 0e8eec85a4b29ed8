"""Run the benchmarks: `.venv/bin/python bench/run.py [--small] [--only NAME]`.

Prints each figure as it is measured, against a reference measured side by side in the
same run; a full run (no --small, no --only) writes docs/BENCHMARKS.md. Needs PostgreSQL:
the server of DATABASE_URL when that is a PostgreSQL URL, else postgres@127.0.0.1:5432.
The benchmarks create their own databases there (bench_<pid>_*) and drop them at the end.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if __name__ == "__main__":
    # Imported here, not above: the library scan's reading processes ("spawn") import this
    # file again as their main module, and need none of the suite (manage.py is as light).
    from bench.suite import main

    sys.exit(main())
