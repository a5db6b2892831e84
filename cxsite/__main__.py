import sys

from .cli import main

if __name__ == "__main__":  # a spawned worker imports this module again: nothing to run then
    sys.exit(main())
