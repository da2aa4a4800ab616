"""Alerts by email, Slack or any apprise URL, from a transactional outbox: none lost, none twice.

* :mod:`~monitor.notify.routing` — which events alert and which channels owe them (pure);
* :mod:`~monitor.notify.outbox` — the owed notifications, a projection of the log;
* :mod:`~monitor.notify.attempts` — retries, next attempts and leases (working state);
* :mod:`~monitor.notify.render` / :mod:`~monitor.notify.formats` — what a message says (pure);
* :mod:`~monitor.notify.channels` — apprise, and URL masking and log redaction;
* :mod:`~monitor.notify.dispatch` — one delivery pass, and ``notify-test``;
* :mod:`~monitor.notify.status` — what ``monitor deliveries`` shows.
"""
