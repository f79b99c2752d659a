"""Writing go's configuration: the plan, the targets it is written to, the journal, undo and
status."""
