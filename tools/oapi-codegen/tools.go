//go:build generate

// Package oapicodegen pins oapi-codegen, which generates api/types.gen.go and
// api/apiserver from api/aether365.openapi.yaml (go generate ./api). It is a
// module of its own so that its dependencies reach neither the provider's
// go.mod nor the linters' in tools/.
package oapicodegen

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
