"""`goaccel doctor`: why `go mod tidy` is slow or failing, and the exact fix.

model.py     Finding and Report: what every check returns and what is rendered
goproxylist  parsing GOPROXY as go does (separators, keywords, implicit https)
checks.py    static checks: configuration, reachability, private modules, toolchain, disk
xlog.py      parsing `go ... -x` output: requests, VCS commands, timings, stalls
errors_map   go's error texts -> findings with a cause and a fix
run.py       the live run of go under a watchdog, and the attribution of its time
"""
