"""The ``chaffless`` command line.

Three subcommands::

    chaffless clean IN -o OUT [--annotate] [--rejects PATH] [--report] [--config JSON|PATH]
                              [--dedup]
    chaffless dedup IN -o OUT [--threshold T] [--exact] [--mode star] [--drop] [--report]
    chaffless demo [--json]

``clean`` cleans a JSONL corpus (``-`` is standard input / output; ``.gz`` and ``.zst`` files
are (de)compressed by extension; ``.parquet`` files are read and written as Parquet, one row
group at a time) with :func:`chaffless.clean_jsonl`: every field but the text
field is written back unchanged, records that cannot be processed go to a rejects file with
their line number and reason, and the output is written atomically. ``demo`` cleans the example
pages shipped in ``chaffless/examples`` and shows what was removed, and why. ``dedup`` finds
near-duplicate records with :func:`chaffless.dedup_jsonl` (same rejects and atomic output) and
adds ``cluster``, ``duplicate_of`` and ``similarity`` fields, or keeps one record per cluster
with ``--drop``; ``clean --dedup`` cleans first, then dedups the cleaned text.

Exit status: 0 on success (rejected records included), 1 when the run fails (a chaffless error
or an I/O error; the message is one line on standard error), 2 on a usage error, 130 when
interrupted (SIGINT) and 143 when terminated (SIGTERM); an interrupted run leaves no output file
(``clean --resume`` keeps what it committed, to continue from).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

PROG = "chaffless"

_COMPRESSION_SUFFIXES = (".gz", ".zst", ".zstd")
_STDOUT_REJECTS = "chaffless.rejects.jsonl"
_LANGUAGES = {"de": "German", "en": "English", "es": "Spanish", "fr": "French"}


class _Failure(Exception):
    """A run failure detected by the command line itself (exit status 1)."""


class _Terminated(BaseException):
    """Raised by the SIGTERM handler, like ``KeyboardInterrupt`` for SIGINT."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """SIGTERM raises ``_Terminated`` (so outputs are cleaned up) while the command runs."""
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: signals go elsewhere
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the ``chaffless`` command.

    Args:
        argv: The arguments, without the program name; ``None`` reads ``sys.argv``.

    Returns:
        The exit status: 0 on success, 1 when the run failed, 2 on a usage error.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version and usage errors
        return _exit_code(e)
    from chaffless._chaffless import ChafflessError

    try:
        with _sigterm_raises():
            code: int = args.run(args)
        return code
    except SystemExit as e:  # parser.error() raised while checking arguments
        return _exit_code(e)
    except BrokenPipeError:
        # The reader went away (`chaffless clean IN -o - | head`): stop quietly.
        _silence_stdout()
        return 1
    except (ChafflessError, OSError, _Failure) as e:
        _print_error(_describe(e))
        return 1
    except KeyboardInterrupt:
        _print_error("interrupted" + _resume_hint(args))
        return 130
    except _Terminated:
        _print_error("terminated" + _resume_hint(args))
        return 143


def _resume_hint(args: argparse.Namespace) -> str:
    if getattr(args, "resume", False):
        return "; run the same command again to continue"
    return "; no output written"


def _exit_code(e: SystemExit) -> int:
    if e.code is None:
        return 0
    if isinstance(e.code, int):
        return e.code
    print(e.code, file=sys.stderr)
    return 1


def _print_error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


def _describe(e: BaseException) -> str:
    """One line for an error: its message, without the `[Errno N]` noise of builtin OSErrors."""
    if isinstance(e, OSError) and e.strerror:
        message = f"{e.filename}: {e.strerror}" if e.filename is not None else e.strerror
    else:
        message = str(e) or type(e).__name__
    return " ".join(message.split())


def _silence_stdout() -> None:
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _version() -> str:
    try:
        from chaffless import __version__

        return str(__version__)
    except ImportError:
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("chaffless")
        except PackageNotFoundError:
            return "unknown"


# --- arguments ---------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Clean web-scraped text: find repeated teasers, captions and other chaff "
        "as labelled spans and cut them out.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    sub.required = True

    clean = sub.add_parser(
        "clean",
        help="clean a JSONL corpus",
        description="Clean the text field of every record of a JSONL file (one JSON object per "
        "line). Other fields are written back unchanged; records that cannot be processed go to "
        "the rejects file with their line number and reason, and the run goes on. The output is "
        "written atomically: a failed run leaves an existing OUT untouched.",
        epilog="Files ending in .gz or .zst are read and written compressed. Exit status: 0 on "
        "success (even with rejected records), 1 when the run fails, 2 on a usage error.",
    )
    clean.add_argument("input", metavar="IN", help="input JSONL file, or - for standard input")
    clean.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        required=True,
        help="output JSONL file, or - for standard output",
    )
    clean.add_argument(
        "--text-field",
        default="text",
        metavar="NAME",
        help="the field holding the page text (default: %(default)s)",
    )
    clean.add_argument(
        "--annotate",
        action="store_true",
        help="keep the text and add the removed spans in --spans-field instead of cleaning",
    )
    clean.add_argument(
        "--spans-field",
        default="spans",
        metavar="NAME",
        help="the field that receives the spans with --annotate (default: %(default)s)",
    )
    clean.add_argument(
        "--rejects",
        metavar="PATH",
        help="where rejected records go; written only when a record is rejected (default: OUT "
        "without its .gz/.zst suffix, plus .rejects.jsonl; ./" + _STDOUT_REJECTS + " when OUT "
        "is -)",
    )
    clean.add_argument(
        "--report",
        action="store_true",
        help="print what was removed per label and the record and byte counts to stderr",
    )
    clean.add_argument(
        "--report-json",
        metavar="PATH",
        help="write the run's report as JSON to PATH (- for standard output)",
    )
    clean.add_argument(
        "--config",
        metavar="JSON|PATH",
        help="cleaner options as a JSON object, or the path of a JSON file, e.g. "
        '\'{"seed": 1, "repeat": {"min_coverage": 0.95}}\'',
    )
    clean.add_argument(
        "--threads",
        type=_non_negative_int,
        metavar="N",
        help="worker threads (default: one per core; overrides num_threads of --config)",
    )
    clean.add_argument(
        "--site-field",
        metavar="NAME",
        help="the field naming each record's site (e.g. its domain): the corpus is read twice, "
        "first to learn each site's chrome (blocks on many of its pages), then to clean",
    )
    clean.add_argument(
        "--url-field",
        metavar="NAME",
        help="the field holding each record's URL: its registered domain (by the Public Suffix "
        "List, e.g. news.bbc.co.uk -> bbc.co.uk) names the site where --site-field is not given "
        "or missing",
    )
    clean.add_argument(
        "--model",
        metavar="PATH",
        help="a cleaner saved by `chaffless fit` (its options and site statistics); with "
        "--site-field, the corpus is then read once",
    )
    clean.add_argument(
        "--no-progress", action="store_true", help="do not draw a progress bar on stderr"
    )
    clean.add_argument(
        "--resume",
        action="store_true",
        help="make the run resumable: OUT.partial is written in committed chunks (progress in "
        "OUT.progress); if a run with the same arguments was cut off (killed, interrupted, disk "
        "full), continue after its last committed chunk, losing and repeating no record",
    )
    clean.add_argument(
        "--dedup",
        action="store_true",
        help="after cleaning, find near-duplicates of the cleaned text and add cluster fields "
        "(page chrome no longer inflates similarity); see chaffless dedup --help",
    )
    clean.add_argument(
        "--dedup-config",
        metavar="JSON|PATH",
        help='MinHashDeduper options for --dedup, e.g. \'{"threshold": 0.9, "exact": true}\'',
    )
    clean.add_argument(
        "--drop",
        action="store_true",
        help="with --dedup, keep only one record per cluster",
    )
    clean.set_defaults(run=_run_clean, parser=clean)

    fit = sub.add_parser(
        "fit",
        help="learn each site's chrome from a JSONL corpus and save the model",
        description="Count, for each site, on how many of its pages each line occurs, and "
        "save a cleaner that removes the lines found on many pages of a site. Use it with "
        "`chaffless clean --model PATH --site-field NAME`.",
    )
    fit.add_argument("input", metavar="IN", help="input JSONL file")
    fit.add_argument("-o", "--output", metavar="MODEL", required=True, help="model file")
    fit_site = fit.add_argument_group("the site of each record (one or both)")
    fit_site.add_argument("--site-field", metavar="NAME", help="the site field")
    fit_site.add_argument(
        "--url-field", metavar="NAME", help="the URL field (its registered domain is the site)"
    )
    fit.add_argument("--text-field", default="text", metavar="NAME", help="the text field")
    fit.add_argument("--config", metavar="JSON|PATH", help="cleaner options, as for clean")
    fit.add_argument("--threads", type=_non_negative_int, metavar="N", help="worker threads")
    fit.set_defaults(run=_run_fit, parser=fit)
    dedup = sub.add_parser(
        "dedup",
        help="find near-duplicate records of a JSONL corpus",
        description="Find near-duplicate records (MinHash signatures, LSH candidates, verified "
        "clusters) and add the fields cluster (the representative's id), duplicate_of (the "
        "record it was verified to duplicate: the representative, or in union-find mode the "
        "member linking it into the cluster; null for representatives) and similarity (its "
        "estimated Jaccard similarity to that record; exact_similarity too with --exact). "
        "Records that cannot be processed go to the rejects file; the output is written "
        "atomically.",
        epilog="Files ending in .gz or .zst are read and written compressed. Exit status: 0 on "
        "success (even with rejected records), 1 when the run fails, 2 on a usage error.",
    )
    dedup.add_argument("input", metavar="IN", help="input JSONL file, or - for standard input")
    dedup.add_argument(
        "-o", "--output", metavar="OUT", required=True, help="output JSONL file, or -"
    )
    dedup.add_argument("--text-field", default="text", metavar="NAME", help="default: text")
    dedup.add_argument(
        "--id-field",
        default="id",
        metavar="NAME",
        help="the field naming records in cluster / duplicate_of (default: %(default)s; "
        "records without it are named by their number)",
    )
    dedup.add_argument(
        "--score-field",
        metavar="NAME",
        help="numeric field: the highest-scoring record of a cluster represents it",
    )
    dedup.add_argument(
        "--threshold", type=float, metavar="T", help="Jaccard threshold (default: 0.8)"
    )
    dedup.add_argument("--num-perm", type=int, metavar="N", help="MinHash slots (default: 128)")
    dedup.add_argument("--ngram", type=int, metavar="K", help="tokens per shingle (default: 5)")
    dedup.add_argument(
        "--shingle",
        choices=["auto", "word", "char", "whitespace"],
        help="shingle kind (default: auto)",
    )
    dedup.add_argument(
        "--exact", action="store_true", help="verify candidates by exact Jaccard of shingle sets"
    )
    dedup.add_argument(
        "--mode",
        choices=["union_find", "star"],
        help="union_find (default) or star: every member verified against its representative",
    )
    dedup.add_argument(
        "--representative",
        choices=["first", "longest", "score"],
        help="which record represents a cluster (default: first; score with --score-field)",
    )
    dedup.add_argument(
        "--config",
        metavar="JSON|PATH",
        help="MinHashDeduper options as a JSON object or the path of a JSON file",
    )
    dedup.add_argument("--drop", action="store_true", help="keep only one record per cluster")
    dedup.add_argument("--rejects", metavar="PATH", help="as for chaffless clean")
    dedup.add_argument("--report", action="store_true", help="print cluster statistics to stderr")
    dedup.add_argument("--threads", type=_non_negative_int, metavar="N", help="worker threads")
    dedup.add_argument(
        "--no-progress", action="store_true", help="do not draw a progress bar on stderr"
    )
    dedup.set_defaults(run=_run_dedup, parser=dedup)

    demo = sub.add_parser(
        "demo",
        help="clean built-in example pages and show what was removed, and why",
        description="Clean the example news pages shipped with chaffless (English, French, "
        "German, Spanish) and show each removed span (label, rule, score, evidence, text), "
        "then the cleaned text.",
    )
    demo.add_argument("--json", action="store_true", help="print the results as JSON")
    demo.set_defaults(run=_run_demo, parser=demo)
    return parser


def _non_negative_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {n}")
    return n


def default_rejects_path(output: str) -> str:
    """The rejects file used when ``--rejects`` is not given.

    Args:
        output: The output path given with ``-o``.

    Returns:
        ``OUT`` without a ``.gz``/``.zst`` suffix, plus ``.rejects.jsonl``; for ``-`` (standard
        output), ``chaffless.rejects.jsonl`` in the current directory.
    """
    if output == "-":
        return _STDOUT_REJECTS
    for suffix in _COMPRESSION_SUFFIXES:
        if output.endswith(suffix) and len(output) > len(suffix):
            output = output[: -len(suffix)]
            break
    return output + ".rejects.jsonl"


def _same_file(a: str, b: str) -> bool:
    return a != "-" and b != "-" and os.path.abspath(a) == os.path.abspath(b)


def _load_config(value: str | None, threads: int | None) -> dict[str, Any]:
    from chaffless._chaffless import ConfigError

    config: Any = {}
    if value is not None:
        if value.lstrip()[:1] in ("{", "["):  # inline JSON, else a file
            source, text = "--config", value
        else:
            source = f"--config file {value}"
            try:
                text = Path(value).read_text(encoding="utf-8")
            except OSError as e:
                raise _Failure(f"cannot read {source}: {e.strerror or e}") from None
            except UnicodeDecodeError as e:
                raise ConfigError(f"{source} is not UTF-8: {e}") from None
        try:
            config = json.loads(text)
        except json.JSONDecodeError as e:
            raise ConfigError(f"{source}: invalid JSON: {e}") from None
        if not isinstance(config, dict):
            kind = type(config).__name__
            raise ConfigError(f"{source} must be a JSON object, got {kind}")
    if threads is not None:
        config["num_threads"] = threads
    return dict(config)


def _construct(cls: Any, options: dict[str, Any]) -> Any:
    """``cls(**options)``, an unknown keyword option reported as a ``ConfigError``."""
    from chaffless._chaffless import ConfigError

    try:
        return cls(**options)
    except TypeError as e:  # an unknown keyword option
        raise ConfigError(f"invalid configuration: {e}") from None


def _make_cleaner(options: dict[str, Any]) -> Any:
    from chaffless._chaffless import Cleaner

    return _construct(Cleaner, options)


# --- clean -------------------------------------------------------------------------------------


def _checked_paths(args: argparse.Namespace) -> str:
    """The rejects path of a run, after checking that IN, OUT and it are distinct files."""
    parser: argparse.ArgumentParser = args.parser
    rejects: str = args.rejects if args.rejects is not None else default_rejects_path(args.output)
    if rejects == "-":
        parser.error("--rejects must be a file, not -")
    if _same_file(rejects, args.output):
        parser.error(f"--rejects and -o are the same file: {rejects}")
    if _same_file(args.input, args.output):
        parser.error(f"IN and -o are the same file: {args.input}")
    return rejects


def _backend(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """The ``(clean, fit, dedup)`` functions for the files of a run.

    JSONL, or Parquet by extension (both sides Parquet, streamed by row group).
    """
    from chaffless import _parquet

    parquet_in = _parquet.is_parquet(args.input)
    parquet_out = _parquet.is_parquet(args.output)
    if parquet_in != parquet_out:
        args.parser.error("IN and -o must both be Parquet (.parquet) files, or neither")
    if parquet_in:
        if getattr(args, "resume", False):
            args.parser.error("--resume is for JSONL runs; a Parquet output is written whole")
        return _parquet.clean_parquet, _parquet.fit_parquet, _parquet.dedup_parquet
    from chaffless._chaffless import clean_jsonl, dedup_jsonl, fit_jsonl

    return clean_jsonl, fit_jsonl, dedup_jsonl


def _run_clean(args: argparse.Namespace) -> int:
    parser: argparse.ArgumentParser = args.parser
    clean_jsonl, fit_jsonl, dedup_jsonl = _backend(args)

    rejects = _checked_paths(args)
    if args.report_json == "-" and args.output == "-":
        parser.error("--report-json - and -o - would both write to standard output")

    if args.dedup and args.annotate:
        parser.error("--dedup works on cleaned text: it cannot be combined with --annotate")
    if args.drop and not args.dedup:
        parser.error("--drop needs --dedup")
    if args.model is not None and args.config is not None:
        parser.error("--model carries its options: give --config to `chaffless fit`")
    by_site = args.site_field is not None or args.url_field is not None
    if args.model is None and by_site and args.input == "-":
        parser.error("--site-field/--url-field read IN twice: give a file, or a --model")
    if args.resume and "-" in (args.input, args.output):
        parser.error("--resume needs files: standard input and output cannot be resumed")
    if args.resume and args.dedup:
        parser.error("--resume cannot be combined with --dedup (dedup reads the whole corpus)")
    deduper = None
    if args.dedup:
        options = _load_config(args.dedup_config, args.threads)
        deduper = _make_deduper(options)
    started = time.monotonic()
    if args.model is not None:
        from chaffless._chaffless import Cleaner

        cleaner = Cleaner.load(args.model)
    else:
        cleaner = _make_cleaner(_load_config(args.config, args.threads))
        if by_site:
            cleaner = fit_jsonl(
                cleaner,
                args.input,
                site_field=args.site_field,
                url_field=args.url_field,
                text_field=args.text_field,
            )
    with _cleaned_output(args.output, deduper is not None) as cleaned:
        summary = clean_jsonl(
            cleaner,
            args.input,
            cleaned,
            text_field=args.text_field,
            annotate=args.annotate,
            spans_field=args.spans_field,
            rejects=rejects,
            progress=not args.no_progress,
            site_field=args.site_field,
            url_field=args.url_field,
            **({"resume": True} if args.resume else {}),
        )
        if deduper is not None:
            dedup_summary = dedup_jsonl(
                deduper,
                cleaned,
                args.output,
                text_field=args.text_field,
                drop=args.drop,
                progress=not args.no_progress,
            )
            summary["records_out"] = dedup_summary["records_out"]
            summary["dropped"] = dedup_summary["dropped"]
            summary["dedup"] = dedup_summary["stats"]
            if args.report:
                _print_dedup_report(dedup_summary, sys.stderr)
    elapsed = time.monotonic() - started

    if args.report:
        _print_report(summary, sys.stderr)
    if args.report_json is not None:
        report = {"input": args.input, "output": args.output, **summary}
        _write_json(args.report_json, report)
    print(_summary_line(summary, elapsed), file=sys.stderr)
    if summary["records_out"] == 0 and summary["rejected"] > 0:
        print(
            f"{PROG}: warning: every record was rejected; is --text-field "
            f"{args.text_field!r} right? See {summary['rejects_path']}",
            file=sys.stderr,
        )
    return 0


def _run_fit(args: argparse.Namespace) -> int:
    from chaffless import _parquet
    from chaffless._chaffless import fit_jsonl

    if _parquet.is_parquet(args.input):
        fit_jsonl = _parquet.fit_parquet
    if args.input == "-":
        args.parser.error("fit needs a file, not standard input")
    if args.site_field is None and args.url_field is None:
        args.parser.error("fit needs --site-field or --url-field")
    cleaner = _make_cleaner(_load_config(args.config, args.threads))
    started = time.monotonic()
    fitted = fit_jsonl(
        cleaner,
        args.input,
        site_field=args.site_field,
        url_field=args.url_field,
        text_field=args.text_field,
    )
    fitted.save(args.output)
    stats = fitted.site_stats() or {}
    print(
        f"{PROG}: {stats.get('pages', 0):,} pages of {stats.get('sites', 0):,} sites in "
        f"{time.monotonic() - started:.2f} s; model written to {args.output}",
        file=sys.stderr,
    )
    return 0


@contextlib.contextmanager
def _cleaned_output(output: str, temporary: bool) -> Iterator[str]:
    """Where cleaned records go: ``output``, or a temporary file beside it to dedup from."""
    if not temporary:
        yield output
        return
    folder = Path(output).parent if output != "-" else Path(tempfile.gettempdir())
    suffix = ".parquet" if output.lower().endswith((".parquet", ".parq")) else ".jsonl"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".chaffless-clean.", suffix=suffix)
    os.close(fd)
    try:
        yield tmp
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _make_deduper(options: dict[str, Any]) -> Any:
    from chaffless._chaffless import MinHashDeduper

    return _construct(MinHashDeduper, options)


# --- dedup -------------------------------------------------------------------------------------


def _run_dedup(args: argparse.Namespace) -> int:
    parser: argparse.ArgumentParser = args.parser
    _, _, dedup_jsonl = _backend(args)

    rejects = _checked_paths(args)
    options = _load_config(args.config, args.threads)
    for key in ("threshold", "num_perm", "ngram", "shingle", "mode", "representative"):
        value = getattr(args, key)
        if value is not None:
            options[key] = value
    if args.exact:
        options["exact"] = True
    if args.score_field and "representative" not in options:
        options["representative"] = "score"
    if options.get("representative") == "score" and not args.score_field:
        parser.error("--representative score needs --score-field")
    deduper = _make_deduper(options)
    started = time.monotonic()
    summary = dedup_jsonl(
        deduper,
        args.input,
        args.output,
        text_field=args.text_field,
        id_field=args.id_field,
        score_field=args.score_field,
        drop=args.drop,
        rejects=rejects,
        progress=not args.no_progress,
    )
    elapsed = time.monotonic() - started
    if args.report:
        _print_dedup_report(summary, sys.stderr)
        print("  " + _accounting(summary), file=sys.stderr)
    line = _summary_line(summary, elapsed)
    stats = summary["stats"]
    line += f"; {stats['duplicates']:,} duplicates in {stats['clusters']:,} clusters"
    if args.drop:
        line += f" ({summary['dropped']:,} dropped)"
    print(line, file=sys.stderr)
    return 0


def _print_dedup_report(summary: Mapping[str, Any], out: TextIO) -> None:
    stats = summary["stats"]
    docs = stats["documents"]
    print(f"{PROG} dedup report", file=out)
    rows = [
        ["documents", f"{docs:,}", ""],
        ["clusters", f"{stats['clusters']:,}", "with more than one document"],
        ["duplicates", f"{stats['duplicates']:,}", _percent(stats["duplicates"], docs)],
        ["exact duplicates", f"{stats['exact_duplicates']:,}", "same normalised text"],
        ["kept", f"{stats['kept']:,}", "one per cluster"],
        ["largest cluster", f"{stats['largest_cluster']:,}", ""],
        ["candidate pairs", f"{stats['candidate_pairs']:,}", "LSH"],
        ["verified pairs", f"{stats['verified_pairs']:,}", ""],
    ]
    for line in _table(rows, right={1}):
        print("  " + line, file=out)
    sizes = stats.get("cluster_sizes", [])
    if sizes:
        print("  cluster sizes: " + ", ".join(f"{s}: {c:,}" for s, c in sizes), file=out)


def _summary_line(summary: Mapping[str, Any], elapsed: float) -> str:
    line = (
        f"{PROG}: {summary['records_in']:,} records in, {summary['records_out']:,} out, "
        f"{summary['rejected']:,} rejected"
    )
    if summary.get("rejects_path"):
        line += f" (see {summary['rejects_path']})"
    blank = summary.get("blank_lines", 0)
    if blank:
        line += f", {blank:,} blank line{'s' if blank != 1 else ''} skipped"
    resumed = summary.get("resumed_lines", 0)
    if resumed:
        line += f", resumed after line {resumed:,}"
    return line + f" in {elapsed:.2f} s"


def _percent(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def _table(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        cells = [
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))
        ]
        out.append("  ".join(cells).rstrip())
    return out


def _print_report(summary: Mapping[str, Any], out: TextIO) -> None:
    report = summary["report"]
    bytes_in, bytes_out = report["bytes_in"], report["bytes_out"]
    labels: dict[str, dict[str, int]] = report.get("labels", {})
    print(f"{PROG} report", file=out)
    if labels:
        rows = [["label", "spans", "bytes removed", "of input"]]
        for label, c in sorted(labels.items()):
            rows.append(
                [label, f"{c['spans']:,}", f"{c['bytes']:,}", _percent(c["bytes"], bytes_in)]
            )
        total_spans = sum(c["spans"] for c in labels.values())
        total_bytes = sum(c["bytes"] for c in labels.values())
        rows.append(
            ["total", f"{total_spans:,}", f"{total_bytes:,}", _percent(total_bytes, bytes_in)]
        )
        for line in _table(rows, right={1, 2, 3}):
            print("  " + line, file=out)
    else:
        print("  nothing removed", file=out)
    print(file=out)
    counts = [
        ["records in", f"{summary['records_in']:,}", ""],
        ["records out", f"{summary['records_out']:,}", ""],
        ["rejected", f"{summary['rejected']:,}", summary.get("rejects_path") or ""],
        ["blank lines", f"{summary.get('blank_lines', 0):,}", "skipped"],
        ["bytes in", f"{bytes_in:,}", "text field"],
        ["bytes out", f"{bytes_out:,}", f"{_percent(bytes_out, bytes_in)} of input"],
        ["pages skipped", f"{report.get('skipped', 0):,}", "larger than max_page_bytes"],
    ]
    for line in _table(counts, right={1}):
        print("  " + line, file=out)
    print("  " + _accounting(summary), file=out)


def _accounting(summary: Mapping[str, Any]) -> str:
    """The check that no record was lost: records in = records out + rejected (+ dropped)."""
    n_in, n_out, n_rej = summary["records_in"], summary["records_out"], summary["rejected"]
    dropped = summary.get("dropped", 0)
    total = n_out + n_rej + dropped
    terms = f"{n_out:,} out + {n_rej:,} rejected" + (f" + {dropped:,} dropped" if dropped else "")
    verdict = "every record accounted for" if total == n_in else "RECORDS MISSING"
    return f"{n_in:,} in = {terms}: {verdict}"


def _write_json(path: str, value: Any) -> None:
    text = json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# --- demo --------------------------------------------------------------------------------------


def _example_pages() -> list[tuple[str, str]]:
    """The example pages shipped in ``chaffless/examples``: (file name, text), sorted by name."""
    folder = resources.files("chaffless").joinpath("examples")
    pages = [
        (entry.name, entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".txt")
    ]
    if not pages:
        raise _Failure("no example pages found in the chaffless package")
    return sorted(pages)


def _shorten(text: str, width: int = 110) -> str:
    """One line of at most ``width`` chars: the start and the end, elided in the middle."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    tail = width // 3
    head = width - tail - 3
    start = flat[:head].rsplit(" ", 1)[0]  # cut between words where there are words
    end = flat[-tail:].split(" ", 1)[-1]
    return f"{start} … {end}"


def _run_demo(args: argparse.Namespace) -> int:
    cleaner = _make_cleaner({})
    results = []
    for name, text in _example_pages():
        result = cleaner.process(text)
        spans = [
            {
                "start": s.start,
                "end": s.end,
                "label": s.label,
                "rule": s.rule,
                "score": s.score,
                "detector": s.detector,
                "evidence": s.evidence,
                "copies": [list(c) for c in s.copies],
                "text": text[s.start : s.end],
            }
            for s in result.spans
        ]
        lang = name.split("_", 1)[0]
        results.append(
            {
                "page": name,
                "language": _LANGUAGES.get(lang, lang),
                "chars_in": len(text),
                "chars_out": len(result.text),
                "spans": spans,
                "text": result.text,
            }
        )
    out = sys.stdout
    if args.json:
        json.dump({"pages": results}, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return 0
    for i, page in enumerate(results):
        if i:
            print(file=out)
        n = len(page["spans"])
        print(f"=== {page['page']} ({page['language']}) ===", file=out)
        print(
            f"{n} span{'s' if n != 1 else ''} removed, {page['chars_in']:,} -> "
            f"{page['chars_out']:,} chars",
            file=out,
        )
        for k, s in enumerate(page["spans"], 1):
            print(
                f"  [{k}] {s['label']} · rule {s['rule']} · score {s['score']:.2f} · "
                f"{s['detector']}",
                file=out,
            )
            print(f"      evidence: {s['evidence']}", file=out)
            print(f"      text:     {_shorten(s['text'])}", file=out)
            if s["copies"]:
                where = ", ".join(f"{a}-{b}" for a, b in s["copies"])
                print(f"      repeats:  chars {where} of the page", file=out)
        print("--- cleaned text ---", file=out)
        for line in page["text"].splitlines():
            print(f"  | {line}".rstrip(), file=out)
    out.flush()
    return 0
