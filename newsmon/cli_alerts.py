"""`newsmon alerts`: send what is due, list subscriptions and their state, send a test."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from newsmon.options import DB_OPTION, open_db_or_fail

CONFIG_OPTION = click.option("--config", "config_path", envvar="NEWSMON_ALERTS", required=True,
                             type=click.Path(dir_okay=False),
                             help="The alerts file, alerts.yaml (env NEWSMON_ALERTS).")


def load_alerts_or_fail(config_path: str) -> Any:
    """The alerts file, checked whole (topics against the taxonomy, queries against the
    search syntax); a bad one is a clear error and exit status 2, and nothing is sent."""
    from newsmon.alerts.config import AlertConfigError, load_checked
    try:
        return load_checked(config_path)
    except AlertConfigError as exc:
        click.echo(f"Error: {exc}\nFix the alerts file; nothing was sent.", err=True)
        sys.exit(2)


@click.group()
def alerts() -> None:
    """Alerts by e-mail, webhook or Telegram (subscriptions in alerts.yaml).

    Example: newsmon alerts send --config alerts.yaml --db newsmon.db
    """


@alerts.command(name="send")
@CONFIG_OPTION
@DB_OPTION
@click.option("--dry-run", is_flag=True,
              help="Print what would be sent; send nothing and change nothing.")
@click.option("--only", "only", metavar="NAME", help="Only this subscription.")
def send(config_path: str, db_path: str, dry_run: bool, only: str | None) -> None:
    """Queue new events and send everything due now, then exit.

    Summary line: messages sent, failed, suppressed. Exit status 1 when a message failed.

    Example: newsmon alerts send --config alerts.yaml --db newsmon.db
    """
    from newsmon.alerts.engine import send_due
    from newsmon.alerts.config import AlertConfigError
    config = load_alerts_or_fail(config_path)
    if only:
        try:
            config.get(only)
        except AlertConfigError as exc:
            raise click.ClickException(str(exc)) from None
    open_db_or_fail(db_path).close()
    summary = send_due(db_path, config, dry_run=dry_run, only=only,
                       echo=click.echo if dry_run else None)
    if dry_run:
        click.echo(f"dry run: {len(summary.would_send)} message(s) would be sent, "
                   f"{summary.deferred} item(s) wait for their time; nothing was sent")
        return
    click.echo(summary.line())
    if summary.failed:
        sys.exit(1)


@alerts.command(name="list")
@CONFIG_OPTION
@DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="JSON, one object per subscription.")
def list_cmd(config_path: str, db_path: str, as_json: bool) -> None:
    """Subscriptions: filter, events, channel, mode; outbox counts, last send, last failure.

    Example: newsmon alerts list --config alerts.yaml --db newsmon.db
    """
    from dataclasses import asdict

    from newsmon.alerts.channels import describe
    from storage.alerts import subscription_report
    config = load_alerts_or_fail(config_path)
    db = open_db_or_fail(db_path)
    try:
        reports = []
        for sub in config.subscriptions:
            report = subscription_report(db, sub.name)
            filt = {k: v for k, v in asdict(sub.filter).items() if v not in ((), None)}
            reports.append({"name": sub.name, "channel": describe(sub.channel),
                            "events": list(sub.events), "filter": filt,
                            "mode": asdict(sub.mode), "time_zone": sub.time_zone,
                            "rate_limit": asdict(sub.rate_limit), **report})
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps(reports, indent=2, ensure_ascii=False))
        return
    for r in reports:
        mode = r["mode"]
        when = ("immediate" if mode["kind"] == "immediate" else
                f"every {mode['minutes']} min" if mode["kind"] == "every" else
                f"daily at {mode['at']} {r['time_zone']}")
        outbox = ", ".join(f"{k} {v}" for k, v in sorted(r["outbox"].items())) or "empty"
        last = r["last_sent"]
        failure = r["last_failure"]
        click.echo(f"{r['name']}: {', '.join(r['events'])} → {r['channel']} ({when})\n"
                   f"  filter: {json.dumps(r['filter'], ensure_ascii=False)}\n"
                   f"  outbox: {outbox}\n"
                   f"  last sent: {last['finished_at'] + ' ' + last['subject'] if last else 'never'}"
                   f"\n  last failure: "
                   f"{failure['finished_at'] + ' ' + failure['error'] if failure else 'none'}")


@alerts.command(name="test")
@click.argument("name")
@CONFIG_OPTION
def test_cmd(name: str, config_path: str) -> None:
    """Send one sample message to the subscription's channel (no database needed).

    Example: newsmon alerts test crackdown-ru --config alerts.yaml
    """
    from newsmon.alerts.channels import DeliveryError, deliver, describe
    from newsmon.alerts.config import AlertConfigError
    from newsmon.alerts.engine import sample_message
    config = load_alerts_or_fail(config_path)
    try:
        sub = config.get(name)
    except AlertConfigError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        deliver(sub.channel, config.smtp, sample_message(config, sub))
    except DeliveryError as exc:
        raise click.ClickException(f"test alert to {describe(sub.channel)} failed: "
                                   f"{exc}") from None
    click.echo(f"test alert sent to {describe(sub.channel)}")
