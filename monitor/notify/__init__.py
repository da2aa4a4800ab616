"""Alerts by email, Slack or any apprise URL, from a transactional outbox: none lost, none twice.

The notifier is the policy; what it owes and what it did is kept by the store
(:mod:`monitor.store.outbox`, :mod:`monitor.store.deliveries`, reached as ``Store.deliveries``).

* :mod:`~monitor.notify.routing` — which events alert and which channels owe them (pure);
* :mod:`~monitor.notify.outbox` — the routing and the channels the store's outbox is kept for;
* :mod:`~monitor.notify.attempts` — retry timing and what a failed attempt says (pure);
* :mod:`~monitor.notify.render` / :mod:`~monitor.notify.formats` — what a message says (pure);
* :mod:`~monitor.notify.channels` — apprise, and URL masking and log redaction;
* :mod:`~monitor.notify.dispatch` — one delivery pass, and ``notify-test``;
* :mod:`~monitor.notify.status` — what ``monitor deliveries`` shows.
"""
