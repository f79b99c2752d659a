"""Realistic go.mod files, shared by the go.mod grammar tests and the workload tests."""

from __future__ import annotations

# --- realistic go.mod files -------------------------------------------------------------------

# What `go mod tidy` writes for a gin + gorm service: two blocks, // indirect.
GIN_GO_MOD = """\
module backend

go 1.23.7

require (
\tgithub.com/gin-gonic/gin v1.10.0
\tgithub.com/joho/godotenv v1.5.1
\tgorm.io/driver/postgres v1.5.11
\tgorm.io/gorm v1.25.12
)

require (
\tgithub.com/bytedance/sonic v1.11.6 // indirect
\tgithub.com/jackc/pgservicefile v0.0.0-20221227161230-091c0ba34f0a // indirect
\tgithub.com/jackc/pgx/v5 v5.5.5 // indirect
\tgithub.com/modern-go/concurrent v0.0.0-20180306012644-bacd9c7ef1dd // indirect
\tgolang.org/x/crypto v0.23.0 // indirect
\tgopkg.in/yaml.v3 v3.0.1 // indirect
)
"""

# Kubernetes style: staging modules replaced by local directories, plus a pinned fork.
K8S_GO_MOD = """\
module k8s.io/kubernetes

go 1.22.0

require (
\tgithub.com/google/go-cmp v0.6.0
\tk8s.io/api v0.0.0
\tk8s.io/apimachinery v0.0.0
\tk8s.io/client-go v0.0.0
)

replace (
\tk8s.io/api => ./staging/src/k8s.io/api
\tk8s.io/apimachinery => ./staging/src/k8s.io/apimachinery
\tk8s.io/client-go => ./staging/src/k8s.io/client-go
\tgithub.com/google/go-cmp => github.com/fork/go-cmp v0.6.1-0.20240101000000-abcdefabcdef
)
"""
