package provider

import (
	"context"
	"fmt"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// Small state checks that read better in the tests than their spelled-out form.

func expectString(address, attribute, want string) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(address, tfjsonpath.New(attribute), knownvalue.StringExact(want))
}

func expectValue(address, attribute string, want knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(address, tfjsonpath.New(attribute), want)
}

// expectEveryElement checks that the named attribute of every element of a
// list attribute has the wanted value, e.g. every result is Critical.
func expectEveryElement(address, list, attribute, want string) statecheck.StateCheck {
	return everyElementCheck{address: address, list: list, attribute: attribute, want: want}
}

type everyElementCheck struct {
	address, list, attribute, want string
}

func (c everyElementCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	res := findResource(req.State, c.address)
	if res == nil {
		resp.Error = fmt.Errorf("%s not found in state", c.address)
		return
	}
	items, ok := res.AttributeValues[c.list].([]any)
	if !ok {
		resp.Error = fmt.Errorf("%s.%s is not a list", c.address, c.list)
		return
	}
	for i, item := range items {
		obj, _ := item.(map[string]any)
		if got := obj[c.attribute]; got != c.want {
			resp.Error = fmt.Errorf("%s.%s[%d].%s = %v, want %q", c.address, c.list, i, c.attribute, got, c.want)
			return
		}
	}
}

// expectCheckStatus checks the outcome of a `check` block, which Terraform
// reports as a warning rather than an error.
func expectCheckStatus(checkName string, want tfjson.CheckStatus) statecheck.StateCheck {
	return checkBlockStatus{name: checkName, want: want}
}

type checkBlockStatus struct {
	name string
	want tfjson.CheckStatus
}

func (c checkBlockStatus) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	for _, check := range req.State.Checks {
		if check.Address.Kind == tfjson.CheckKindCheckBlock && check.Address.Name == c.name {
			if check.Status != c.want {
				resp.Error = fmt.Errorf("check %q status = %s, want %s", c.name, check.Status, c.want)
			}
			return
		}
	}
	resp.Error = fmt.Errorf("check block %q has no result in state", c.name)
}

func findResource(state *tfjson.State, address string) *tfjson.StateResource {
	if state == nil || state.Values == nil || state.Values.RootModule == nil {
		return nil
	}
	for _, r := range state.Values.RootModule.Resources {
		if r.Address == address {
			return r
		}
	}
	return nil
}

// captureID copies a resource's ID out of state, for steps that act on it.
func captureID(address string, into *string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[address]
		if !ok {
			return fmt.Errorf("%s not in state", address)
		}
		*into = rs.Primary.ID
		return nil
	}
}

// expectPriorStateString checks an attribute of a resource in the state a
// plan starts from: for a tainted resource that is about to be replaced,
// it shows what the failed apply left behind.
func expectPriorStateString(address, attribute string, want func() string) plancheck.PlanCheck {
	return priorStateString{address: address, attribute: attribute, want: want}
}

type priorStateString struct {
	address, attribute string
	want               func() string
}

func (c priorStateString) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	res := findResource(req.Plan.PriorState, c.address)
	if res == nil {
		resp.Error = fmt.Errorf("%s is not in the prior state", c.address)
		return
	}
	if got, want := res.AttributeValues[c.attribute], c.want(); got != want {
		resp.Error = fmt.Errorf("prior state %s.%s = %v, want %q", c.address, c.attribute, got, want)
	}
}

// expectScanCount checks, after a step, that the simulator holds want scans
// of the test key's account; format tells what a different count means, with
// one %d for the count held.
func expectScanCount(sim interface{ ScanCount(account string) int }, want int, format string) func(*terraform.State) error {
	return func(*terraform.State) error {
		if n := sim.ScanCount(testTenant); n != want {
			return fmt.Errorf(format, n)
		}
		return nil
	}
}
