"""Entities: which list entries and news reports are one organisation, as a projection.

``names`` (comparison keys across scripts), ``mentions`` (what an entry or a report says about
itself), ``resolve`` (the pure resolution, rebuilt from the log and the ``[[entity]]`` rules).
Nothing is imported here, so reading a module pulls in only what it needs.
"""
