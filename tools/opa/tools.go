//go:build generate

// Package opa pins Open Policy Agent (make opa, the policy tests). It is a
// module of its own because OPA and golangci-lint need incompatible major
// versions of github.com/gobwas/glob, so they cannot share tools/go.mod.
package opa

import (
	_ "github.com/open-policy-agent/opa"
)
