"""Who may see and do what: origins, sessions that end their sockets, tokens, security headers."""
