"""The `partnerbot` command line: import data, ask what a Slack user would ask, export KPIs, build the demo."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import secrets
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from bot import log_redaction
from bot.settings import Settings, SettingsError
from commands.context import CommandContext
from commands.errors import UserFacingError
from commands.table import SLASH_COMMAND, dispatch, error_reply
from reports.blocks.share import posted_note, reply_blocks
from reports.config import ConfigError
from reports.message import Message
from reports.terminal import Style, mrkdwn, render_message
from storage.db import Database, SchemaOutdated, open_database, safe_url, upgrade
from storage.importing.kinds import KINDS

log = logging.getLogger("partnerbot")

USAGE_ERROR = 2
REJECTED = 1


class Parser(argparse.ArgumentParser):
    """argparse whose errors are one line saying what is wrong, then the usage, then exit 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"partnerbot: error: {message}\n")
        self.print_usage(sys.stderr)
        raise SystemExit(USAGE_ERROR)


def fail(message: str, code: int = USAGE_ERROR) -> NoReturn:
    sys.stderr.write(f"partnerbot: {message}\n")
    raise SystemExit(code)


def fail_with(error: UserFacingError) -> NoReturn:
    """A refusal from the commands, on the terminal: its message and its hint, the hint's markup made plain."""
    fail(error.message + (f" {mrkdwn(error.hint, Style(colour=False))}" if error.hint else ""))


def now() -> datetime:
    """The wall clock, read here and nowhere below bot/."""
    return datetime.now(UTC)


def parse_as_of(raw: str | None, database: Database) -> datetime:
    """A date means the end of that day in the program's time zone; a datetime without offset is local too."""
    if raw is None:
        return now()
    from reports.timeframe import parse_as_of as parse_as_of_text
    from storage.program import load_config

    with database.session() as session:
        tz = load_config(session).tz
    try:
        return parse_as_of_text(raw, tz)
    except ValueError:
        fail(f"--as-of {raw!r} is not a date or time: use 2026-06-30 or 2026-06-30T17:00+02:00")


@contextmanager
def store(settings: Settings) -> Iterator[Database]:
    """The configured database, disposed of when the command is done."""
    try:
        database = open_database(settings.database_url, cache=settings.cache)
    except Exception as exc:  # noqa: BLE001 - any driver error becomes one clear line
        fail(
            f"cannot open the database {safe_url(settings.database_url)}: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}"
        )
    try:
        yield database
    finally:
        database.dispose()


# --- commands -------------------------------------------------------------------------------------------------


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    text = args.text.strip()
    if text.startswith(SLASH_COMMAND):
        text = text[len(SLASH_COMMAND) :]
    with store(settings) as database:
        context = CommandContext(
            database=database,
            as_of=parse_as_of(args.as_of, database),
            charts=bool(args.save_charts) or args.json,  # --json shows where the charts went, as Slack would
        )
        try:
            message = dispatch(text, context)
        except UserFacingError as error:
            message = error_reply(error)
        if args.json:
            # exactly what Slack receives in reply to the command in a channel the bot is in: the view, where its
            # charts went, and the Share button
            live = reply_blocks(message, notes=[posted_note(f) for f in message.files], share_text=text.strip())
            payload = replace(message, blocks=live).payload()
            sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(render_message(message, colour=sys.stdout.isatty()) + "\n")
        if args.save_charts:
            for path in save_files(message, Path(args.save_charts)):
                sys.stderr.write(f"chart written: {path}\n")
        return 0


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    try:
        import duckdb  # noqa: F401 - the reference the digest is compared with

        from benchmarks.run import BenchError, run_bench, table
    except ImportError as error:
        fail(f"the benchmark needs its extras ({error.name} is missing): run .venv/bin/pip install -e '.[bench]'")
    try:
        result = run_bench(args.profile, args.database, reuse=args.reuse)
    except BenchError as error:
        fail(str(error))
    sys.stdout.write(table(result) + "\n")
    return 0


def save_files(message: Message, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for file in message.files:
        path = folder / file.filename
        path.write_bytes(file.content)
        written.append(path)
    return written


def cmd_kpis(args: argparse.Namespace, settings: Settings) -> int:
    from commands.export import export_kpis, kpis_csv

    with store(settings) as database:
        as_of = parse_as_of(args.as_of, database)
        try:
            data = export_kpis(database, as_of=as_of, partner=args.partner)
        except UserFacingError as error:
            fail_with(error)
        if args.format == "json":
            sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
            return 0
        sys.stdout.write(kpis_csv(data))
    return 0


def cmd_incentives(args: argparse.Namespace, settings: Settings) -> int:
    """What the fast-start incentive owes for a quarter's wins: the Slack view in the terminal, or its CSV."""
    from commands.incentives import load_incentive_list
    from reports.blocks.incentives import TURN_ON, incentives_csv

    if args.format == "text":  # exactly what /partner incentives shows
        ask = argparse.Namespace(
            text=f"incentives {args.quarter or ''}", json=False, as_of=args.as_of, save_charts=None
        )
        return cmd_ask(ask, settings)
    with store(settings) as database:
        as_of = parse_as_of(args.as_of, database)
        try:
            listing, config = load_incentive_list(database, quarter=args.quarter or "", as_of=as_of)
        except UserFacingError as error:
            fail_with(error)
        if not config.fast_start_on:
            fail(f"the fast-start incentive is off: turn it on with `{TURN_ON}`", REJECTED)
        sys.stdout.write(incentives_csv(listing, config).content.decode("utf-8"))
        return 0


def cmd_qbr(args: argparse.Namespace, settings: Settings) -> int:
    """A partner's quarterly business review pack written as a PDF, exactly as `/partner qbr` builds it."""
    from commands.qbr import compute_pack
    from reports.blocks.lookup import lookup_reply
    from reports.blocks.qbr import qbr_file, qbr_text
    from reports.lookup import find_partner
    from reports.model import Scope
    from storage.loaders.partners import load_partner_profiles

    with store(settings) as database:
        as_of = parse_as_of(args.as_of, database)
        with database.session() as session:
            found = find_partner(args.partner, load_partner_profiles(session, scope=Scope()))
        if found.match is None:
            fail(lookup_reply(args.partner, found).text)
        try:
            view = compute_pack(
                database, partner=found.match, quarter=args.quarter or "", as_of=as_of, safe=args.partner_safe
            )
        except UserFacingError as error:
            fail_with(error)
        pdf = qbr_file(view)
        path = Path(args.out or pdf.filename)
        path.write_bytes(pdf.content)
        sys.stdout.write(f"{qbr_text(view).removesuffix(' PDF attached.')} written to {path}\n")
        return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.jobs.first_wins import announce_new_first_wins
    from storage.importing import ImportFileError, ImportRejected, run_import

    path = Path(args.file)
    if not path.is_file():
        fail(f"{path}: no such file")
    with store(settings) as database:
        bar = ProgressBar() if sys.stderr.isatty() else None
        try:
            report = run_import(
                database,
                kind=args.kind,
                path=path,
                mapping=args.mapping,
                skip_invalid=args.skip_invalid,
                now=now(),
                progress=bar,
            )
        except ImportFileError as error:
            if bar:
                bar.clear()
            fail(str(error))
        except ImportRejected as rejected:
            if bar:
                bar.clear()
            for row_error in rejected.report.errors:
                sys.stderr.write(f"{row_error}\n")
            sys.stderr.write("".join(f"{note}\n" for note in rejected.report.notes))
            sys.stderr.write(
                f"{rejected.report.summary()}\nnothing was imported: fix the rows above, or pass "
                "--skip-invalid to import the valid rows and write the rejected ones beside the file\n"
            )
            return REJECTED
        if bar:
            bar.clear()
        queued = announce_new_first_wins(database, now=now())
        sys.stdout.write(report.summary() + "\n")
        sys.stdout.write("".join(f"{note}\n" for note in report.notes))
        if queued:
            sys.stdout.write(
                f"{queued} first win{'s' if queued != 1 else ''} queued for the wins channel (sent by "
                "the scheduler, or partnerbot run-due)\n"
            )
        if report.rejected_path:
            sys.stdout.write(f"rejected rows and their reasons: {report.rejected_path}\n")
        return 0


class ProgressBar:
    """A one-line progress bar on stderr, for terminals only."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        moment = time.monotonic()
        if moment - self.last < 0.1 and done < total:
            return
        self.last = moment
        share = done / total if total else 1.0
        filled = int(share * 30)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {share:4.0%} {done:,}/{total:,} rows")
        sys.stderr.flush()

    def clear(self) -> None:
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.demo import run_demo

    return run_demo(settings, seed=args.seed, out=Path(args.out), anchor=now())


def cmd_config(args: argparse.Namespace, settings: Settings) -> int:
    from storage.program import apply_settings, forget_setting, load_config

    with store(settings) as database:
        try:
            with database.transaction() as session:
                if args.action == "set":
                    # several settings at once are checked together (pipeline_stages with its qualified_stage)
                    config = apply_settings(session, values=dict(zip(args.words[::2], args.words[1::2], strict=True)))
                elif args.action == "unset":
                    config = forget_setting(session, key=args.words[0])
                else:
                    config = load_config(session)
        except ConfigError as error:
            fail(str(error))
        from reports.config import DESCRIPTIONS

        for key, value in config.as_mapping().items():
            shown = (
                ",".join(f"{k}={v}" for k, v in value.items())
                if isinstance(value, dict)
                else ",".join(value)
                if isinstance(value, list)
                else value
            )
            sys.stdout.write(f"{key} = {shown}\n    {DESCRIPTIONS.get(key, '')}\n")
        if args.action == "set" and "wins_channel" in args.words[::2] and config.wins_channel:
            from reports.blocks.refusals import reach_note

            sys.stdout.write(f"first wins will be posted in channel {config.wins_channel}: {reach_note()}\n")
        return 0


def migrating(args: argparse.Namespace, settings: Settings) -> Settings:
    """--migrate: upgrade an older schema on start, as PARTNERBOT_MIGRATE=1 does."""
    return dataclasses.replace(settings, migrate=True) if args.migrate else settings


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    settings = migrating(args, settings)
    from bot.serve import serve

    return serve(settings)


def cmd_socket(args: argparse.Namespace, settings: Settings) -> int:
    settings = migrating(args, settings)
    from bot.serve import socket

    return socket(settings)


def cmd_scheduler(args: argparse.Namespace, settings: Settings) -> int:
    settings = migrating(args, settings)
    from bot.scheduler import run_scheduler

    return run_scheduler(settings)


def cmd_run_due(args: argparse.Namespace, settings: Settings) -> int:
    settings = migrating(args, settings)
    from bot.scheduler import run_due

    moment = now()
    if args.now:
        try:
            moment = datetime.fromisoformat(args.now)
        except ValueError:
            fail(f"--now {args.now!r} is not an ISO time: use 2026-06-30T09:00+02:00")
        if moment.tzinfo is None:
            fail(f"--now {args.now!r} has no UTC offset: add one, like 2026-06-30T09:00+02:00")
    report = run_due(settings, now=moment.astimezone(UTC))
    sys.stdout.write(
        f"first wins queued {report.first_wins}, digests queued {report.digests} (skipped {report.skipped_digests}), "
        f"alert DMs queued {report.alerts} (held for quiet hours {report.held}, items waiting for data "
        f"{report.held_for_data}); sent {report.sent}, "
        f"retrying {report.retried}, failed {report.failed}\n"
    )
    return 1 if report.errors else 0


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    if args.action in ("backup", "restore"):
        return db_copy(args.action, Path(args.file), settings)
    with store(settings) as database:
        upgrade(database.engine)
        sys.stdout.write(f"schema is current: {safe_url(settings.database_url)}\n")
        return 0


def db_copy(action: str, file: Path, settings: Settings) -> int:
    """db backup FILE / db restore FILE: SQLite only; the store is never opened through the engine (no migration)."""
    from storage.backup import BackupError, backup_sqlite, restore_sqlite

    try:
        if action == "backup":
            copy = backup_sqlite(settings.database_url, file)
            sys.stdout.write(f"backed up {safe_url(settings.database_url)} to {copy.path}: {copy.describe()}\n")
            return 0
        copy = restore_sqlite(settings.database_url, file)
    except BackupError as error:
        fail(str(error))
    sys.stdout.write(f"restored {file} into {copy.path}: {copy.describe()}\n")
    if copy.outdated:
        sys.stdout.write(
            f"the backup's schema is older than this version's ({copy.head}): run `partnerbot db upgrade` before "
            "starting serve or the scheduler\n"
        )
    return 0


# --- wiring ---------------------------------------------------------------------------------------------------


def build_parser() -> Parser:
    parser = Parser(prog="partnerbot", description="partnerbot: partner-program signals in Slack.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND")

    ask = commands.add_parser("ask", help="run a /partner command as a Slack user would and print the reply")
    ask.add_argument("text", help='what follows the slash command, e.g. "/partner acme" or "program"')
    ask.add_argument("--json", action="store_true", help="print the Slack message payload (blocks + text)")
    ask.add_argument("--as-of", help="compute as of a date (end of that day) or an ISO time")
    ask.add_argument("--save-charts", metavar="DIR", help="write the reply's charts as PNG files into DIR")
    ask.set_defaults(run=cmd_ask)

    kpis = commands.add_parser("kpis", help="every program KPI and per-partner KPIs, for scripts and export")
    kpis.add_argument("--as-of", help="compute as of a date (end of that day) or an ISO time")
    kpis.add_argument("--partner", help="only this partner's KPIs")
    kpis.add_argument("--format", choices=("json", "csv"), default="json")
    kpis.set_defaults(run=cmd_kpis)

    incentives = commands.add_parser("incentives", help="the fast-start incentive owed for a quarter's wins")
    incentives.add_argument("--quarter", help="2026-Q3 (default: the as-of's quarter)")
    incentives.add_argument("--as-of", help="compute as of a date (end of that day) or an ISO time")
    incentives.add_argument("--format", choices=("text", "csv"), default="text")
    incentives.set_defaults(run=cmd_incentives)

    qbr = commands.add_parser("qbr", help="a partner's quarterly business review pack as a PDF")
    qbr.add_argument("partner", help="name, alias or id (typos are fine)")
    qbr.add_argument("--quarter", help="2026-Q3 (default: the as-of's quarter, to date)")
    qbr.add_argument("--as-of", help="compute as of a date (end of that day) or an ISO time")
    qbr.add_argument("--out", help="the PDF file to write (default: qbr-<partner>-<quarter>.pdf here)")
    qbr.add_argument("--partner-safe", action="store_true", help="the version for the partner's own eyes")
    qbr.set_defaults(run=cmd_qbr)

    load = commands.add_parser("import", help="import a CSV or JSON Lines export")
    load.add_argument("kind", choices=list(KINDS), metavar="KIND", help=f"one of: {', '.join(KINDS)}")
    load.add_argument("file", metavar="FILE", help="a .csv, .jsonl or .ndjson file")
    load.add_argument(
        "--mapping", metavar="FILE", help="a mapping file, or a preset: salesforce, hubspot, partners, people"
    )
    load.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the valid rows and write the rejected ones to FILE.rejected.csv",
    )
    load.set_defaults(run=cmd_import)

    demo = commands.add_parser("demo", help="build a demo database, print two views and write every chart")
    demo.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    demo.add_argument("--out", default="partnerbot-demo", help="folder for the chart PNGs (default ./partnerbot-demo)")
    demo.set_defaults(run=cmd_demo)

    config = commands.add_parser("config", help="show or change the program configuration")
    config.add_argument("action", choices=("show", "set", "unset"))
    config.add_argument(
        "words", nargs="*", metavar="KEY VALUE", help="set: one or more KEY VALUE pairs, applied together; unset: KEY"
    )
    config.set_defaults(run=cmd_config)

    serve = commands.add_parser("serve", help="run the Slack app over HTTP (production): /slack/events, /healthz")
    serve.set_defaults(run=cmd_serve)
    socket = commands.add_parser("socket", help="run the Slack app in Socket Mode (for trying it on a laptop)")
    socket.set_defaults(run=cmd_socket)

    scheduler = commands.add_parser("scheduler", help="run the schedule: digests, owner alerts, first wins")
    scheduler.set_defaults(run=cmd_scheduler)
    due = commands.add_parser("run-due", help="run whatever is due once and exit (for cron or a CronJob)")
    due.add_argument("--now", help="the moment to run as of (ISO time with offset); default: now")
    due.set_defaults(run=cmd_run_due)
    for process in (serve, socket, scheduler, due):
        process.add_argument(
            "--migrate",
            action="store_true",
            help="upgrade an older database schema before starting (as PARTNERBOT_MIGRATE=1); without it, refuse",
        )

    bench = commands.add_parser("bench", help="fill a store at a named scale and measure what users wait for")
    bench.add_argument("--profile", choices=("small", "medium", "large"), default="small", help="scale (default small)")
    bench.add_argument(
        "--database", metavar="URL", help="an empty store to fill (default: a fresh SQLite file in benchmarks/results)"
    )
    bench.add_argument("--reuse", action="store_true", help="measure the store an earlier run of this profile filled")
    bench.set_defaults(run=cmd_bench)

    db = commands.add_parser("db", help="database maintenance: upgrade the schema, back up or restore a SQLite store")
    db.add_argument(
        "action",
        choices=("upgrade", "backup", "restore"),
        help="upgrade: bring the schema to the newest migration; backup FILE: copy the live SQLite store to a new "
        "FILE; restore FILE: replace the SQLite store with a backup (stop serve and the scheduler first)",
    )
    db.add_argument("file", nargs="?", metavar="FILE", help="the backup file (backup and restore)")
    db.set_defaults(run=cmd_db)
    return parser


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def main(argv: Sequence[str] | None = None) -> int:
    level = (os.environ.get("PARTNERBOT_LOG_LEVEL") or "WARNING").strip().upper()  # empty, as in an env file: unset
    if level not in LOG_LEVELS:
        fail(f"PARTNERBOT_LOG_LEVEL is {level!r}: use one of {', '.join(LOG_LEVELS)}")
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log_redaction.install()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "config" and args.action in ("set", "unset") and not args.words:
        parser.error(f"config {args.action} needs a KEY")
    if args.command == "config" and args.action == "set" and len(args.words) % 2:
        parser.error("config set needs a VALUE after each KEY: config set KEY VALUE [KEY VALUE …]")
    if args.command == "config" and args.action in ("show", "unset") and len(args.words) > (args.action == "unset"):
        parser.error(f"config {args.action} takes {'one KEY' if args.action == 'unset' else 'no arguments'}")
    if args.command == "db" and (args.file is None) != (args.action == "upgrade"):
        parser.error(f"db {args.action} {'takes no FILE' if args.action == 'upgrade' else 'needs a FILE'}")
    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as error:
        fail(str(error))
    try:
        return int(args.run(args, settings))
    except SettingsError as error:
        fail(str(error))
    except SchemaOutdated as error:
        fail(str(error))
    except SystemExit:
        raise
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        ref = secrets.token_hex(3)
        log.debug("unexpected error (ref %s)", ref, exc_info=True)
        sys.stderr.write(
            f"partnerbot: something went wrong (ref {ref}): {type(error).__name__}: {error}\n"
            "run again with PARTNERBOT_LOG_LEVEL=DEBUG for the full trace\n"
        )
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
