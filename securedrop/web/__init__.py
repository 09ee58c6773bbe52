"""Web plumbing both Flask apps share: server-side sessions, headers, the request transaction."""
