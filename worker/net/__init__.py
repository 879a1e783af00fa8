"""Outbound network access. Every server-side fetch of a user-given URL goes through ``fetch_guard``."""
