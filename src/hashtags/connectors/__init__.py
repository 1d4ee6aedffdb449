"""Connectors to social networks: one protocol per capability (``Publisher``,
``MentionSource``) and one module per network (sandbox, Mastodon, Bluesky)."""
