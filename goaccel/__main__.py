"""`python -m goaccel`."""

from goaccel.cli.main import main

if __name__ == "__main__":
    main()
