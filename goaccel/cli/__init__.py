"""The command-line layer: parse options, call the core, render. No logic of its own."""
