//go:build generate

// Package tools pins the code generators this repository runs with `make generate`,
// in a module of their own so they do not leak into the provider's dependencies.
package tools

import (
	// Documentation generation
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"

	// Linting (make lint), pinned here so CI needs nothing installed by hand
	_ "github.com/golangci/golangci-lint/v2/cmd/golangci-lint"

	// Workflow checks for .github/workflows (make actionlint). v1.7.7: later
	// releases need a YAML v4 pre-release older than golangci-lint's. OPA is
	// pinned in tools/opa, its own module: it cannot share this one either.
	_ "github.com/rhysd/actionlint/cmd/actionlint"
)

// Format the examples, then render docs/ from templates/ and examples/.
//go:generate terraform fmt -recursive ../examples/
//go:generate go run github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs generate --provider-dir .. --provider-name aether365
