"""Command line: ``python -m tinynet reproduce [--json]``."""
import argparse
import sys

from . import reproduce


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tinynet",
        description="tinynet: a 1 -> H -> 1 neural network in numpy.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    rep = commands.add_parser(
        "reproduce", help="recompute the article's tables and training runs",
        description="Recompute the article's forward pass, losses, gradients, one step and "
                    "5000-epoch runs for H=1 and H=2, with its arithmetic slips corrected.")
    rep.add_argument("--json", action="store_true", help="print the figures as JSON data")
    args = parser.parse_args(argv)
    if args.command == "reproduce":
        print(reproduce.main(as_json=args.json))
    return 0


if __name__ == "__main__":
    sys.exit(main())
