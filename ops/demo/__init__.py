"""The demo data: a fictional county's register, agreements and assessment rounds, and the services that seed them.

The declarations are data files in ``data/`` (read by ``datafiles``); ``register``, ``agreements`` and
``assessments`` load them into seed dataclasses and seed them, in that order (``manage.py seed_demo``).
"""
