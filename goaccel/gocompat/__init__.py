"""go's own rules, ported once each from the go command's source. Pure: no I/O, and no import of
anything else in goaccel."""
