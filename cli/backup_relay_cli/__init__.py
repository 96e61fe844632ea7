"""`backup-relay`: the operator's command line (not shipped in the Lambda layer)."""
