package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/aether365"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

const (
	weeklyScheduleAddress  = "aether365_scheduled_scan.weekly"
	monthlyScheduleAddress = "aether365_scheduled_scan.monthly"
)

var scheduleIDPattern = regexp.MustCompile(`^sched_[0-9a-z]+$`)

// twoSchedules is a weekly compliance and a monthly exposure schedule; the
// weekly one's frequency is written in capitals, as a user may.
func twoSchedules(sim *testSimulator, weeklyHour int) string {
	return sim.providerConfig() + fmt.Sprintf(`
resource "aether365_scheduled_scan" "weekly" {
  name        = "Weekly compliance scan"
  scan_type   = "compliance"
  frequency   = "Weekly"
  day_of_week = 0
  hour        = %d
  timezone    = "Europe/London"
}

resource "aether365_scheduled_scan" "monthly" {
  name         = "Monthly exposure scan"
  scan_type    = "exposure"
  frequency    = "monthly"
  day_of_month = 1
  hour         = 2
  minute       = 30
}
`, weeklyHour)
}

// scheduleRequests counts the requests sim got for scheduled scans.
func scheduleRequests(sim *testSimulator) int {
	n := 0
	for route, count := range sim.Stats().ByRoute {
		if strings.Contains(route, "scheduled-scans") {
			n += count
		}
	}
	return n
}

// scheduleIDOf returns the ID the state holds for address.
func scheduleIDOf(s *terraform.State, address string) (string, error) {
	r, ok := s.RootModule().Resources[address]
	if !ok {
		return "", fmt.Errorf("%s is not in state", address)
	}
	return r.Primary.ID, nil
}

// Two schedules apply, plan no change, show an edit made through the API as
// a change that apply undoes, are created again after a delete outside
// Terraform, and import by ID; the plan schedule cannot be imported.
func TestAccScheduledScan_lifecycle(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	client := sim.client(t)
	var weeklyID string
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: twoSchedules(sim, 6),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(weeklyScheduleAddress, plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction(monthlyScheduleAddress, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectValue(weeklyScheduleAddress, "id", knownvalue.StringRegexp(scheduleIDPattern)),
					expectString(weeklyScheduleAddress, "frequency", "Weekly"),
					expectValue(weeklyScheduleAddress, "day_of_week", knownvalue.Int64Exact(0)),
					expectValue(weeklyScheduleAddress, "day_of_month", knownvalue.Null()),
					expectValue(weeklyScheduleAddress, "minute", knownvalue.Int64Exact(0)),
					expectValue(weeklyScheduleAddress, "enabled", knownvalue.Bool(true)),
					expectValue(weeklyScheduleAddress, "last_triggered_at", knownvalue.Null()),
					expectString(monthlyScheduleAddress, "timezone", "UTC"),
					expectValue(monthlyScheduleAddress, "day_of_month", knownvalue.Int64Exact(1)),
					statecheck.CompareValuePairs(weeklyScheduleAddress, tfjsonpath.New("id"), monthlyScheduleAddress,
						tfjsonpath.New("id"), differentValues{}),
				},
				Check: func(s *terraform.State) error {
					var err error
					weeklyID, err = scheduleIDOf(s, weeklyScheduleAddress)
					if err != nil {
						return err
					}
					schedules, err := client.ListScheduledScans(context.Background())
					if err != nil {
						return err
					}
					if len(schedules) != 3 || schedules[0].ID != aether365.PlanScheduleID {
						return fmt.Errorf("Aether365 holds %d schedules (first %q), want the plan schedule and 2 more", len(schedules), schedules[0].ID)
					}
					return nil
				},
			},
			{
				Config:           twoSchedules(sim, 6),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Someone moves the weekly scan to 9:00 in Aether365: the plan
				// shows it, and apply puts it back.
				PreConfig: func() {
					schedule, err := client.GetScheduledScan(context.Background(), weeklyID)
					if err != nil {
						t.Fatal(err)
					}
					edit := inputOf(schedule)
					edit.Hour = 9
					if _, err := client.UpdateScheduledScan(context.Background(), weeklyID, edit); err != nil {
						t.Fatal(err)
					}
				},
				Config: twoSchedules(sim, 6),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(weeklyScheduleAddress, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(monthlyScheduleAddress, plancheck.ResourceActionNoop),
					plancheck.ExpectKnownValue(weeklyScheduleAddress, tfjsonpath.New("hour"), knownvalue.Int64Exact(6)),
				}},
				Check: func(*terraform.State) error {
					schedule, err := client.GetScheduledScan(context.Background(), weeklyID)
					if err != nil {
						return err
					}
					if schedule.Hour != 6 {
						return fmt.Errorf("hour is %d in Aether365 after apply, want 6", schedule.Hour)
					}
					return nil
				},
			},
			{
				// An update in place from configuration.
				Config: twoSchedules(sim, 7),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(weeklyScheduleAddress, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(weeklyScheduleAddress, tfjsonpath.New("id"), knownvalue.StringFunc(func(id string) error {
						if id != weeklyID {
							return fmt.Errorf("id %s, want %s kept by an update in place", id, weeklyID)
						}
						return nil
					})),
					expectValue(weeklyScheduleAddress, "hour", knownvalue.Int64Exact(7)),
				},
			},
			{
				// Deleted in Aether365: planned for creation again.
				PreConfig: func() {
					if err := client.DeleteScheduledScan(context.Background(), weeklyID); err != nil {
						t.Fatal(err)
					}
				},
				Config: twoSchedules(sim, 7),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(weeklyScheduleAddress, plancheck.ResourceActionCreate),
				}},
			},
			{
				ResourceName:      monthlyScheduleAddress,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				ResourceName:  weeklyScheduleAddress,
				ImportState:   true,
				ImportStateId: aether365.PlanScheduleID,
				ExpectError:   regexp.MustCompile(`(?s)The Plan Schedule Cannot Be Managed.*aether365_scheduled_scans`),
			},
			{
				// Before, Terraform's general "Cannot import non-existent
				// remote object" text, which speaks of regions.
				ResourceName:  weeklyScheduleAddress,
				ImportState:   true,
				ImportStateId: "sched_missing",
				ExpectError:   regexp.MustCompile(`(?s)Aether365 Scheduled Scan Not Found.*"sched_missing".*Check the ID`),
			},
			{
				ResourceName:  weeklyScheduleAddress,
				ImportState:   true,
				ImportStateId: "scan_abc123",
				ExpectError:   regexp.MustCompile(`(?s)"scan_abc123"\s+looks\s+like\s+a\s+scan's\s+ID:\s+import\s+it\s+into\s+an\s+aether365_scan\s+resource`),
			},
		},
		CheckDestroy: func(*terraform.State) error {
			schedules, err := client.ListScheduledScans(context.Background())
			if err != nil {
				return err
			}
			if len(schedules) != 1 || schedules[0].ID != aether365.PlanScheduleID {
				return fmt.Errorf("after destroy Aether365 holds %d schedules, want only the plan schedule", len(schedules))
			}
			return nil
		},
	})
}

// differentValues is a compare.ValueComparer that wants two values apart.
type differentValues struct{}

func (differentValues) CompareValues(values ...any) error {
	if len(values) == 2 && values[0] == values[1] {
		return fmt.Errorf("both are %v", values[0])
	}
	return nil
}

func inputOf(s *aether365.ScheduledScan) api.ScheduledScanInput {
	return api.ScheduledScanInput{
		Name: s.Name, ScanType: s.ScanType, Frequency: s.Frequency, Hour: s.Hour, Minute: s.Minute,
		DayOfWeek: s.DayOfWeek, DayOfMonth: s.DayOfMonth, Timezone: s.Timezone, Enabled: s.Enabled,
	}
}

// Every rule that joins or bounds the arguments fails the plan, naming the
// argument, before any request reaches Aether365.
func TestAccScheduledScan_invalidArgumentsFailAtPlan(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	schedule := func(body string) string {
		if !strings.Contains(body, "scan_type") {
			body += "\nscan_type = \"compliance\""
		}
		return sim.providerConfig() + "resource \"aether365_scheduled_scan\" \"bad\" {\n  name = \"Bad\"\n" + body + "\n}\n"
	}
	steps := []resource.TestStep{}
	for _, tc := range []struct{ body, want string }{
		{"frequency = \"monthly\"\nday_of_month = 1\nday_of_week = 2\nhour = 1", `(?s)Unexpected day_of_week.*frequency = "weekly"`},
		{"frequency = \"weekly\"\nhour = 1", `(?s)Missing day_of_week.*0 = Monday`},
		{"frequency = \"monthly\"\nhour = 1", `(?s)Missing day_of_month`},
		{"frequency = \"daily\"\nhour = 24", `(?s)hour.*must be between 0 and 23`},
		{"frequency = \"daily\"\nhour = 1\ntimezone = \"Mars/Base\"", `(?s)Invalid Time Zone.*Mars/Base.*IANA`},
		{"frequency = \"hourly\"\nhour = 1", `(?s)Invalid Value.*"daily",\s+"weekly",\s+"monthly"`},
		{"frequency = \"daily\"\nhour = 1\nscan_type = \"exposur\"", `(?s)Did you mean "exposure"`},
	} {
		steps = append(steps, resource.TestStep{Config: schedule(tc.body), PlanOnly: true, ExpectError: regexp.MustCompile(tc.want)})
	}
	parallelAccTest(t, resource.TestCase{Steps: steps})
	if n := scheduleRequests(sim); n != 0 {
		t.Errorf("%d requests reached the scheduled-scans endpoints; invalid arguments must fail before any", n)
	}
}

// terraform query finds the custom schedules (never the plan schedule), and
// the generated configuration imports them with no change to plan.
func TestAccScheduledScanListResource_query(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	client := sim.client(t)
	for _, hour := range []int{3, 4} {
		day := 2
		if _, err := client.CreateScheduledScan(context.Background(), api.ScheduledScanInput{
			Name: fmt.Sprintf("Wednesday %02d:00", hour), ScanType: api.ScanTypeCompliance, Frequency: api.FrequencyWeekly,
			DayOfWeek: &day, Hour: hour, Timezone: "UTC", Enabled: true,
		}); err != nil {
			t.Fatal(err)
		}
	}
	schedules, err := client.ListScheduledScans(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	accTest(t, resource.TestCase{
		TerraformVersionChecks: skipBelowActions,
		Steps: []resource.TestStep{{
			Query: true,
			Config: sim.providerConfig() + `
list "aether365_scheduled_scan" "all" {
  provider         = aether365
  include_resource = true
}
`,
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectLength("aether365_scheduled_scan.all", 2),
				querycheck.ExpectIdentity("aether365_scheduled_scan.all", map[string]knownvalue.Check{
					"id": knownvalue.StringExact(schedules[1].ID)}),
				querycheck.ExpectIdentity("aether365_scheduled_scan.all", map[string]knownvalue.Check{
					"id": knownvalue.StringExact(schedules[2].ID)}),
			},
		}},
	})
}

// The plan schedule is readable, and marked, through the data source.
func TestAccScheduledScansDataSource_readsThePlanSchedule(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: sim.providerConfig() + `data "aether365_scheduled_scans" "all" {}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.aether365_scheduled_scans.all", tfjsonpath.New("plan_schedule").AtMapKey("id"),
					knownvalue.StringExact("plan")),
				statecheck.ExpectKnownValue("data.aether365_scheduled_scans.all", tfjsonpath.New("plan_schedule").AtMapKey("is_plan_schedule"),
					knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.aether365_scheduled_scans.all", tfjsonpath.New("schedules"), knownvalue.ListSizeExact(1)),
			},
		}},
	})
}
