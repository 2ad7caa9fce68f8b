// Command terraform-provider-aether365 serves the Aether365 Terraform provider
// over the plugin protocol (version 6).
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/aether365/terraform-provider-aether365/internal/provider"
)

// version is set by goreleaser at release time
// (https://goreleaser.com/cookbooks/using-main.version/).
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "set to true to run the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/aether365/aether365",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
