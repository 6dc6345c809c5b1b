"""``python -m chaffless``: the ``chaffless`` command line."""

from chaffless.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
