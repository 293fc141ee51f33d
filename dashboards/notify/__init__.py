"""Notifications out: contact points, routes and their delivery (docs/notifications.md)."""
