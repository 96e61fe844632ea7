"""backup-relay: AWS Backup job events across an AWS Organization, normalized and explained."""

__version__ = "0.1.0"
