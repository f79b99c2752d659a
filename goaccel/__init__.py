"""goaccel: measure Go module mirrors and configure the fastest one, reversibly."""

__version__ = "0.1.0.dev0"
