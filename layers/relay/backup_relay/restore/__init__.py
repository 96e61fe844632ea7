"""Restore a DR copy into a member account (`backup-relay restore`, docs/restore.md)."""
