"""`goaccel doctor`: why `go mod tidy` is slow or failing, and the exact fix.

model.py          Finding and Report: what every check returns and what is rendered
checks.py         static checks: configuration, reachability, private modules, toolchain, disk
goproxylist.py    findings about GOPROXY (go's parsing of it is gocompat/goproxy.py)
private.py        findings and suggestions about GOPRIVATE
toolchain.py      findings about the toolchain go would run (the selection is gocompat.toolchain)
xlog.py           parsing `go ... -x` output: requests, VCS commands, timings, stalls
messages.py       parsing go's error messages into facts (GoError): kind, module, host, status
explain.py        the rules that explain those facts as findings with a fix
tidy_run.py       the live `go mod tidy -x` run under a watchdog
live_findings.py  findings and the timing summary from that run
diagnose.py       the order of a doctor run: read, probe, check, run, explain
"""
