"""The local go command: finding and running it, and reading its configuration."""
