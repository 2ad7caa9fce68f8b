// Command terraform-provider-aether365 serves the Aether365 Terraform provider
// over the plugin protocol (version 6).
package main

import (
	"context"
	"flag"
	"log"
	"os"
	runtimedebug "runtime/debug"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/aether365/terraform-provider-aether365/internal/provider"
)

// version is set by goreleaser at release time
// (https://goreleaser.com/cookbooks/using-main.version/).
var version = "dev"

// defaultMemoryLimit is a soft limit for the garbage collector. Reading
// 10,000 scan results at plan time peaks mostly in GC headroom while the
// framework converts them; with this limit the provider stays near 100 MB
// instead of 150+. It is soft: Go exceeds it rather than fail, and
// GOMEMLIMIT, when set, wins.
const defaultMemoryLimit = 96 << 20

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "set to true to run the provider with support for debuggers like delve")
	flag.Parse()

	if os.Getenv("GOMEMLIMIT") == "" {
		runtimedebug.SetMemoryLimit(defaultMemoryLimit)
	}

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/aether365/aether365",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
