"""``monitor serve``: the change log, lists, stories, sources and deliveries in a browser, a JSON
API and Atom feeds, read through the storage interface beside a running ``monitor run``.

``app`` builds the application, ``security`` guards it, ``filters`` reads the change log's
filters, ``present`` computes what is shown, ``pages`` / ``api`` / ``feeds`` answer, and
``serve`` runs it under uvicorn.
"""
