"""The `commerce` command: serve, migrate, seed, catalog export/import, user
create/activate/deactivate/roles, audit verify/rechain, worker, sweep, export-schema, export-docs."""

import argparse
import asyncio
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from starlette.applications import Starlette

from app.settings import Settings

if TYPE_CHECKING:
    from app.services.catalog_io import ImportSummary


def served_app() -> Starlette:
    """Factory for uvicorn workers: logs as `commerce serve` set them up (install is idempotent; a
    worker process uvicorn spawned gets it here, at the level uvicorn gave its own loggers)."""
    from app.main import create_app
    from app.observability import logs

    settings = Settings()
    logs.install(settings, logging.getLogger("uvicorn.error").level or logging.INFO)
    return create_app(settings, tune_gc=True)


def _migrate(settings: Settings) -> None:
    from app.migrations import upgrade

    upgrade(settings.database_url, audit_key=settings.audit_key)


async def _store_is_empty(settings: Settings) -> bool:
    from sqlalchemy import func, select

    from app.db import Database
    from models import Product

    db = Database(settings.database_url, audit_key=settings.audit_key)
    try:
        async with db.read() as conn:
            return not await conn.scalar(select(func.count()).select_from(Product))
    finally:
        await db.dispose()


async def _seed(settings: Settings, products: int) -> dict[str, int]:
    from app.db import Database
    from app.seed import seed

    db = Database(settings.database_url, audit_key=settings.audit_key)
    try:
        return await seed(db, products=products)
    finally:
        await db.dispose()


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from app.observability import logs

    # Every log line, uvicorn's included, leaves through app/observability/logs.py (JSON lines on
    # stdout); uvicorn's access log is off: RequestTelemetry writes one line per request instead.
    logs.install(settings, args.log_level)
    if args.demo:
        _migrate(settings)
        if asyncio.run(_store_is_empty(settings)):
            counts = asyncio.run(_seed(settings, args.products))
            logging.getLogger("commerce").info("seeded a demo store: %s products, %s variants",
                                               counts["products"], counts["variants"])
    logging.getLogger("commerce").info("GraphQL at http://%s:%s/graphql", args.host, args.port)
    uvicorn.run("app.cli:served_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                reload=args.reload, log_level=args.log_level, access_log=False, log_config=None)
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    _migrate(settings)
    print("database is at the latest migration")
    return 0


def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    started = datetime.now(UTC)
    try:
        counts = asyncio.run(_seed(settings, args.products))
    except RuntimeError as refusal:
        print(f"seed: {refusal}", file=sys.stderr)
        return 1
    seconds = (datetime.now(UTC) - started).total_seconds()
    print(f"seeded {counts['products']} products and {counts['variants']} variants in {seconds:.1f}s")
    return 0


async def _catalog_export(settings: Settings, out: TextIO) -> int:
    from app.db import Database
    from app.progress import ProgressBar
    from app.services.catalog_io import count_variants, export_catalog

    db = Database(settings.database_url, audit_key=settings.audit_key)
    try:
        with ProgressBar() as bar:
            total = await count_variants(db) if bar.enabled else 0
            return await export_catalog(db, out, lambda done: bar("exporting", done, total))
    finally:
        await db.dispose()


def cmd_catalog_export(args: argparse.Namespace, settings: Settings) -> int:
    import io
    import os

    started = datetime.now(UTC)
    try:
        if args.file == "-":
            # UTF-8 and the CSV's own CRLF line ends, whatever the locale and the platform.
            out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
            try:
                written = asyncio.run(_catalog_export(settings, out))
                out.flush()
            except BrokenPipeError:
                # The reader went away (`| head`): stop quietly, the rest of the output to nowhere.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return 1
            finally:
                out.detach()
        else:
            # Written beside the target and renamed over it: a failed export leaves no half file.
            partial = f"{args.file}.partial"
            try:
                with open(partial, "w", encoding="utf-8", newline="") as out_file:
                    written = asyncio.run(_catalog_export(settings, out_file))
                os.replace(partial, args.file)
            finally:
                if os.path.exists(partial):
                    os.remove(partial)
    except OSError as failure:
        print(f"catalog export: {failure}", file=sys.stderr)
        return 2
    seconds = (datetime.now(UTC) - started).total_seconds()
    # On standard output the summary would end up in the CSV: it goes to stderr then.
    where = "standard output" if args.file == "-" else args.file
    print(f"exported {written} rows to {where} in {seconds:.1f}s",
          file=sys.stderr if args.file == "-" else sys.stdout)
    return 0


async def _catalog_import(settings: Settings, data: bytes, dry_run: bool) -> "ImportSummary":
    from app.db import Database
    from app.progress import ProgressBar
    from app.services.catalog_io import import_catalog

    db = Database(settings.database_url, audit_key=settings.audit_key)
    try:
        with ProgressBar() as bar:
            return await import_catalog(db, data, now=datetime.now(UTC), dry_run=dry_run, progress=bar)
    finally:
        await db.dispose()


def cmd_catalog_import(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy.exc import IntegrityError

    from app.services.catalog_io import CatalogFileRejected

    started = datetime.now(UTC)
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as failure:
        print(f"catalog import: {failure}", file=sys.stderr)
        return 2
    try:
        summary = asyncio.run(_catalog_import(settings, data, args.dry_run))
    except CatalogFileRejected as rejected:
        for problem in rejected.problems:
            print(problem, file=sys.stderr)
        print(f"catalog import: {args.file}: {rejected}; nothing changed", file=sys.stderr)
        return 1
    except IntegrityError as refusal:
        # The checks ran in the same transaction: on PostgreSQL a concurrent writer can still take a
        # SKU or product slug between them and the insert.
        reason = str(refusal.orig).splitlines()[0] if refusal.orig else "integrity error"
        print(f"catalog import: the database refused the write ({reason}); nothing changed. If the "
              "catalog was being changed meanwhile, run it again", file=sys.stderr)
        return 1
    seconds = (datetime.now(UTC) - started).total_seconds()
    counts = (f"{summary.rows} rows: {summary.created} created, {summary.updated} updated, "
              f"{summary.unchanged} unchanged (products: {summary.products_created} created, "
              f"{summary.products_updated} updated)")
    if summary.dry_run:
        print(f"dry run of {args.file}, nothing changed: would import {counts}")
    elif not summary.changed:
        print(f"imported {args.file}: {counts}; nothing to change, nothing written in {seconds:.1f}s")
    else:
        print(f"imported {args.file}: {counts} in {seconds:.1f}s")
    return 0


async def _create_user(settings: Settings, email: str, password: str, roles: list[str]) -> str:
    from app.db import Database
    from app.domain.errors import DomainError
    from app.policy.permissions import Role
    from app.services.accounts import create_user
    from app.services.unit_of_work import Actor, UnitOfWork

    db = Database(settings.database_url, audit_key=settings.audit_key)
    try:
        async with UnitOfWork(db, Actor(viewer=None, request_id="cli"), datetime.now(UTC)) as uow:
            viewer = await create_user(uow=uow, email=email, password=password, roles=[Role(r) for r in roles])
        return f"created user {viewer.email} with roles {', '.join(sorted(viewer.roles))}"
    except DomainError as refusal:
        raise SystemExit(f"user create: {refusal}") from refusal
    finally:
        await db.dispose()


def cmd_user_create(args: argparse.Namespace, settings: Settings) -> int:
    print(asyncio.run(_create_user(settings, args.email, args.password, args.role)))
    return 0


async def _change_user(settings: Settings, command: str, email: str, roles: list[str] | None) -> str:
    """activate, deactivate or roles: one unit of work through app.services.accounts, audited."""
    from app.db import Database
    from app.domain.errors import DomainError
    from app.policy.permissions import Role
    from app.services import accounts
    from app.services.unit_of_work import Actor, UnitOfWork

    db = Database(settings.database_url, audit_key=settings.audit_key)
    try:
        async with UnitOfWork(db, Actor(viewer=None, request_id="cli"), datetime.now(UTC)) as uow:
            if command == "roles":
                change = await accounts.set_roles(uow=uow, email=email, roles=[Role(r) for r in roles or []])
            else:
                change = await accounts.set_active(uow=uow, email=email, active=command == "activate")
    except DomainError as refusal:
        raise SystemExit(f"user {command}: {refusal}") from refusal
    finally:
        await db.dispose()
    state = f"{change.email}: {'active' if change.is_active else 'deactivated'}, roles {', '.join(change.roles)}"
    if not change.changed:
        return f"{state} (unchanged)"
    return f"{state}; sign-ins ended: {change.sessions_revoked}"


def cmd_user_change(args: argparse.Namespace, settings: Settings) -> int:
    print(asyncio.run(_change_user(settings, args.user_command, args.email, getattr(args, "role", None))))
    return 0


async def _sweep(settings: Settings) -> str:
    from app.db import Database
    from app.main import check_exceptions, complete_due_orders

    db = Database(settings.database_url, audit_key=settings.audit_key)
    try:
        now = datetime.now(UTC)
        completed = await complete_due_orders(db, settings, now)
        checked = await check_exceptions(db, settings, now)
    finally:
        await db.dispose()
    return (f"orders completed (return window closed): {completed}; operational checks: conditions found: "
            f"{checked.found}, exceptions opened: {checked.opened}, resolved: {checked.resolved}")


def cmd_sweep(args: argparse.Namespace, settings: Settings) -> int:
    print(asyncio.run(_sweep(settings)))
    return 0


async def _work(settings: Settings) -> None:
    """Relay the outbox, deliver webhooks and sweep (complete orders, run the operational checks)
    until stopped (SIGTERM / Ctrl-C)."""
    import signal

    from app.db import Database
    from app.main import background_workers, sweep_periodically
    from app.observability import logs
    from app.pubsub import make_broker

    logs.install(settings)
    db = Database(settings.database_url, audit_key=settings.audit_key)
    broker = make_broker(settings.redis_url)
    await broker.start()
    relay, dispatcher = background_workers(db, broker, settings)
    tasks = [asyncio.create_task(relay.run()), asyncio.create_task(dispatcher.run()),
             asyncio.create_task(sweep_periodically(db, settings, relay.wake))]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    logging.getLogger("commerce").info("worker: relaying the outbox and delivering webhooks")
    await stop.wait()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await broker.stop()
    await db.dispose()


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(_work(settings))
    return 0


async def _audit(settings: Settings, command: str, previous_key: str | None) -> tuple[str, bool]:
    from app.db import Database
    from app.services import audit

    db = Database(settings.database_url, audit_key=settings.audit_key)
    try:
        if command == "verify":
            result = await audit.verify(db)
            if result.ok:
                return f"audit chain intact: {result.events_checked} events", True
            return f"audit chain broken at sequence {result.first_broken_sequence}", False
        result = await audit.rechain_under_new_key(db, previous_key=(previous_key or "").encode())
        if result.ok:
            return f"re-chained {result.events_checked} events under COMMERCE_AUDIT_KEY", True
        return (f"event {result.first_broken_sequence} does not verify under the previous key: re-chained "
                f"the {result.events_checked - 1} events before it; it and the later ones keep their hashes"), False
    finally:
        await db.dispose()


def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    previous_key = None
    if args.audit_command == "rechain":
        import getpass

        # Read, not passed as an argument: a key on the command line shows in the process list.
        previous_key = (getpass.getpass("previous COMMERCE_AUDIT_KEY: ") if sys.stdin.isatty()
                        else sys.stdin.readline().rstrip("\n"))
        if not previous_key:
            print("audit rechain: give the previous key on standard input", file=sys.stderr)
            return 2
    message, ok = asyncio.run(_audit(settings, args.audit_command, previous_key))
    print(message, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


def cmd_export_schema(args: argparse.Namespace, settings: Settings | None) -> int:
    from schema.schema import build_schema

    sdl = str(build_schema()) + "\n"
    if args.output == "-":
        sys.stdout.write(sdl)
    else:
        Path(args.output).write_text(sdl)
        print(f"wrote {args.output}")
    return 0


def cmd_export_docs(args: argparse.Namespace, settings: Settings | None) -> int:
    from app.docs import write_all

    for path in write_all(Path(args.output)):
        print(f"wrote {path}")
    return 0


def parser() -> argparse.ArgumentParser:
    from app.policy.permissions import Role

    root = argparse.ArgumentParser(prog="commerce", description="The commerce graph: a GraphQL commerce API.")
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the API with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--reload", action="store_true")
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--demo", action="store_true",
                       help="migrate first, and seed the demo store when the database has no products")
    serve.add_argument("--products", type=int, default=200, help="demo products to seed with --demo")
    serve.set_defaults(run=cmd_serve)

    commands.add_parser("migrate", help="upgrade the database to the latest migration").set_defaults(
        run=cmd_migrate)

    seed = commands.add_parser("seed", help="fill an empty database with the demo store")
    seed.add_argument("--products", type=int, default=200)
    seed.set_defaults(run=cmd_seed)

    catalog = commands.add_parser("catalog", help="bulk catalog export and import (CSV, one row per variant)"
                                  ).add_subparsers(dest="catalog_command", required=True)
    catalog_export = catalog.add_parser("export", help="write every product and variant as CSV, ordered by "
                                        "product slug then SKU")
    catalog_export.add_argument("file", nargs="?", default="-", help="file to write (default: standard output)")
    catalog_export.set_defaults(run=cmd_catalog_export)
    catalog_import = catalog.add_parser("import", help="upsert products and variants by SKU from a CSV file, "
                                        "all or nothing: every bad row is reported and nothing changes")
    catalog_import.add_argument("file", help="CSV file to read (- for standard input)")
    catalog_import.add_argument("--dry-run", action="store_true",
                                help="check the file and say what it would do; change nothing")
    catalog_import.set_defaults(run=cmd_catalog_import)

    user = commands.add_parser("user", help="manage users").add_subparsers(dest="user_command", required=True)
    create = user.add_parser("create", help="create a user")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--role", action="append", required=True, choices=[r.value for r in Role],
                        help="repeat for several roles")
    create.set_defaults(run=cmd_user_create)
    deactivate = user.add_parser("deactivate", help="deactivate a user: sign-in refused, refresh tokens "
                                 "revoked, access tokens refused within COMMERCE_USER_CACHE_SECONDS")
    activate = user.add_parser("activate", help="let a deactivated user sign in again")
    for change in (deactivate, activate):
        change.add_argument("--email", required=True)
        change.set_defaults(run=cmd_user_change)
    roles = user.add_parser("roles", help="replace a user's roles (revokes the user's refresh tokens)")
    roles.add_argument("--email", required=True)
    roles.add_argument("--role", action="append", required=True, choices=[r.value for r in Role],
                       help="repeat for several roles")
    roles.set_defaults(run=cmd_user_change)

    commands.add_parser("worker", help="relay outbox events and deliver webhooks (production: any number)"
                        ).set_defaults(run=cmd_worker)

    commands.add_parser("sweep", help="complete delivered orders whose return window has closed and run the "
                        "operational checks: open exceptions for what they find, resolve those that cleared "
                        "(every server does this every minute)").set_defaults(run=cmd_sweep)

    audit = commands.add_parser("audit", help="the audit chain").add_subparsers(dest="audit_command", required=True)
    audit.add_parser("verify", help="recompute the chain under COMMERCE_AUDIT_KEY; name the first break"
                     ).set_defaults(run=cmd_audit)
    audit.add_parser("rechain", help="after a key change: verify the chain under the previous key (read from "
                     "standard input) and sign it again under COMMERCE_AUDIT_KEY; stop the servers first"
                     ).set_defaults(run=cmd_audit)

    export = commands.add_parser("export-schema", help="write the GraphQL SDL")
    export.add_argument("--output", "-o", default="schema.graphql", help="file to write, or - for stdout")
    export.set_defaults(run=cmd_export_schema)

    docs = commands.add_parser("export-docs", help="render the generated pages of docs/ (status machines, "
                               "roles) from the code's tables")
    docs.add_argument("--output", "-o", default="docs", help="directory to write them to")
    docs.set_defaults(run=cmd_export_docs)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # export-schema and export-docs need no configuration (and should not warn about a missing secret key).
    settings = None if args.command in {"export-schema", "export-docs"} else Settings()
    return int(args.run(args, settings))


if __name__ == "__main__":
    sys.exit(main())
