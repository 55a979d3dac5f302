"""One blueprint per resource: members, audits, reports, and the service's own (health, openapi)."""
