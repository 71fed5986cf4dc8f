"""Monitoring: Atom feeds, webhooks and the pass scheduler behind ``govnews watch``.

The pass itself (crawl new posts, revisit recent ones, turn observations into events) is
``crawler/watch.py``; the events and the webhook outbox live in the archive (``archive/events.py``).
"""
