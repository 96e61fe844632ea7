import sys

from backup_relay_cli.main import main

sys.exit(main())
