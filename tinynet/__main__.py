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
    rep.add_argument("--loss", choices=["squared", "cross_entropy"], default="squared",
                     help="squared error on a linear output (the article's) or binary "
                          "cross-entropy on a sigmoid output")
    rep.add_argument("--decay", type=float, default=0.0, metavar="LAMBDA",
                     help="weight decay: add (LAMBDA / 2) * (sum w1^2 + sum w2^2) to the loss")
    args = parser.parse_args(argv)
    if args.decay < 0 or args.decay != args.decay:
        parser.error(f"--decay must be a number >= 0, got {args.decay:g}")
    if args.command == "reproduce":
        print(reproduce.main(as_json=args.json, loss=args.loss, decay=args.decay))
    return 0


if __name__ == "__main__":
    sys.exit(main())
