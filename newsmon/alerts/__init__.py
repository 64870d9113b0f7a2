"""Alerts: subscriptions in alerts.yaml, an outbox in the database, e-mail, webhook and
Telegram delivery (see the README's "Alerts")."""
