package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// The server main.go serves must still offer the action and the list
// resource: Terraform answers "ValidateActionConfig Not Implemented" when
// the wrapper around the framework's server hides them.
func TestProtocol6ServerOffersActionsAndListResources(t *testing.T) {
	server, err := NewProtocol6Server("test")()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := server.(tfprotov6.ActionServer); !ok {
		t.Error("the server does not offer actions")
	}
	if _, ok := server.(tfprotov6.ListResourceServer); !ok {
		t.Error("the server does not offer list resources")
	}
}
