"""The ``cartflow`` command line (placeholder until the workflow lands)."""

import argparse
import sys

from pipeline._version import __version__


def main(argv=None):
    parser = argparse.ArgumentParser(prog="cartflow", description=__doc__)
    parser.add_argument("--version", action="version", version=f"cartflow {__version__}")
    parser.parse_args(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
