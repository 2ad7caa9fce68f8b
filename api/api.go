// Package api is the Aether365 REST API as this project knows it: the OpenAPI
// document aether365.openapi.yaml, transcribed from the published reference,
// and the wire types generated from it (types.gen.go). The client and the
// simulator both take their types from here; the simulator also routes by the
// document (apiserver) and validates every request and answer against it.
//
// Regenerate after editing the document: go generate ./api
package api

import _ "embed"

// Document is aether365.openapi.yaml, for the simulator's validation.
//
//go:embed aether365.openapi.yaml
var Document []byte

//go:generate go run -modfile=../tools/oapi-codegen/go.mod github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config types.cfg.yaml aether365.openapi.yaml
//go:generate go run -modfile=../tools/oapi-codegen/go.mod github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config apiserver.cfg.yaml aether365.openapi.yaml
