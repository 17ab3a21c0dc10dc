"""The ``custlab`` command: a thin layer that parses arguments and maps errors to exit codes.

Exit codes: 0 success; 1 a report run failed (the run folder keeps the
executed notebook); 2 unusable input, config or arguments, or an output folder
or disk that cannot be written (one line, no traceback); 3 an unexpected
internal error, a bug (``--debug`` shows the traceback); 4 another run of the
period holds its lock; 130 interrupted; 143 stopped by SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from custlab.exceptions import CustlabError, InputError


class Stopped(KeyboardInterrupt):
    """SIGTERM (a scheduler stopping the run): handled like an interrupt, so every clean-up runs."""


def _stop_on_sigterm(signum, frame):  # noqa: ARG001 - signal handler signature
    raise Stopped()


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as an InputError (exit 2, one line)."""

    def error(self, message: str):  # noqa: D102 - argparse hook
        raise InputError(f"{self.prog}: {message}")


def _cmd_demo(args: argparse.Namespace) -> int:
    from custlab.demo import DemoSpec, generate
    from custlab.demo.profiles import PROFILES
    from custlab.periods import parse_period

    parse_period(args.end_month)
    company = PROFILES[args.profile]
    customers = company.customers if args.customers is None else args.customers
    months = company.months if args.months is None else args.months
    if customers < 1 or months < 6:
        raise InputError("--customers must be at least 1 and --months at least 6")
    spec = DemoSpec(customers, months, args.end_month, args.seed, args.format, args.profile)
    counts = generate(args.out, spec, progress=not args.quiet)
    rows = ", ".join(f"{name} {n:,}" for name, n in counts.items())
    print(f"custlab: demo company written to {args.out} ({rows}); config {args.out}/custlab.toml; "
          f"last month {spec.end_month}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from custlab import io
    from custlab.engine import session
    from custlab.sources import validation
    from custlab.sources.config import load_config

    config = load_config(args.config)
    with session.scratch_connection() as con:  # as the analysis validates: tables compressed in a file
        checked = validation.validate(con, config, as_of=args.as_of)
        quarantine = validation.quarantine_frame(con)
    print(f"{'table':<14}{'rows read':>12}{'accepted':>12}{'quarantined':>13}  file")
    for row in checked.quality.itertuples():
        print(f"{row.table:<14}{row.rows_read:>12,}{row.accepted:>12,}{row.quarantined:>13,}  {row.file}")
    if args.quarantine and len(quarantine):
        io.write_csv(quarantine, Path(args.quarantine), neutralise=True)
        print(f"custlab: {len(quarantine):,} quarantined rows written to {args.quarantine}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    import os

    from custlab.report.runner import run_report

    parameters = {}
    for item in args.param or []:
        if "=" not in item:
            raise InputError(f"--param takes NAME=VALUE, got {item!r}")
        name, value = item.split("=", 1)
        parameters[name.strip()] = value
    salt = ""
    if args.pseudonymise:
        salt = os.environ.get("CUSTLAB_PSEUDONYM_SALT", "")
        if not salt:
            raise InputError("--pseudonymise needs the secret salt in the environment variable CUSTLAB_PSEUDONYM_SALT")
    run_report(args.config, args.period, out=args.out, notebook=args.notebook, timeout=args.timeout,
               max_html_bytes=int(args.max_html_mb * 1_000_000), parameters=parameters, kind=args.kind or "",
               pseudonymise_salt=salt)
    return 0


def _cmd_notebooks(args: argparse.Namespace) -> int:
    from custlab.periods import parse_period
    from custlab.report.notebooks import copy_notebooks

    if args.period:
        parse_period(args.period)
    if args.config and not Path(args.config).is_file():
        raise InputError("config file not found", file=args.config)
    written = copy_notebooks(args.out, config=args.config, period=args.period)
    print(f"custlab: {len(written)} notebooks written to {args.out}: {', '.join(str(p.relative_to(args.out)) for p in written)}")
    return 0


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``custlab`` command."""
    parser = _Parser(prog="custlab", description="Customer-value lab: per-customer profit reports.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = commands.add_parser("demo", help="write a synthetic demo company with planted truth")
    demo.add_argument("--out", required=True, help="folder to write")
    demo.add_argument("--profile", choices=("consumer", "business"), default="consumer",
                      help="consumer: 20,000 mostly consumer customers; business: 1,500 business accounts with "
                           "dependence, territory, price pressure and cost-to-serve risks planted")  # fmt: skip
    demo.add_argument("--customers", type=int, default=None, help="default: the profile's (20,000 or 1,500)")
    demo.add_argument("--months", type=int, default=None, help="default: the profile's (24 or 36)")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--end-month", default="2026-10", help="last month of data, YYYY-MM")
    demo.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(run=_cmd_demo)

    check = commands.add_parser("validate", help="check the sources of a config; print rows read/accepted/quarantined")
    check.add_argument("--config", required=True)
    check.add_argument("--as-of", type=_as_of, default=None, help="rows dated later are quarantined (default today)")
    check.add_argument("--quarantine", help="also write the quarantined rows to this csv")
    check.set_defaults(run=_cmd_validate)

    report = commands.add_parser("report", help="run the report notebook for a period and publish HTML")
    report.add_argument("--config", required=True)
    report.add_argument("--period", required=True, help="YYYY-MM or YYYY-Qn")
    report.add_argument("--out", default="reports", help="folder of published reports (default: reports)")
    report.add_argument("--notebook", default=None, help="report notebook (default: the bundled one)")
    report.add_argument("--timeout", type=int, default=1800, help="seconds one notebook cell may run")
    report.add_argument("--max-html-mb", type=float, default=5.0, help="size budget of the HTML page")
    report.add_argument("--kind", choices=("consumer", "business"), help="scope the report to one kind of customer")
    report.add_argument("--pseudonymise", action="store_true",
                        help="replace customer ids by pseudonyms (salt from CUSTLAB_PSEUDONYM_SALT)")
    report.add_argument("--param", "-p", action="append", metavar="NAME=VALUE",
                        help="a further notebook parameter; unknown names are refused")
    report.set_defaults(run=_cmd_report)

    notebooks = commands.add_parser("notebooks", help="copy the report and research notebooks for editing in JupyterLab")
    notebooks.add_argument("--out", required=True, help="folder to write")
    notebooks.add_argument("--config", help="set every notebook's config parameter to this custlab.toml")
    notebooks.add_argument("--period", help="set every notebook's period parameter (YYYY-MM or YYYY-Qn)")
    notebooks.set_defaults(run=_cmd_notebooks)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``custlab`` console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except CustlabError as exc:
        print(f"custlab: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Stopped:
        print("custlab: stopped (SIGTERM); the run's folder says so in run.json", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("custlab: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so in one line unless asked for the traceback
        if debug:
            raise
        print(f"custlab: internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
              file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
