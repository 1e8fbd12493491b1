import sys

from marblejar.cli import main

sys.exit(main())
