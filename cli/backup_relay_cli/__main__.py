import sys

try:
    from backup_relay_cli.main import main
except KeyboardInterrupt:  # Ctrl-C before main() runs: as main() ends it
    print("backup-relay: interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
