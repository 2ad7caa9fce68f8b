package main

import (
	"os"
	"path/filepath"
	"testing"
)

// Each result is anchored where its scan's score is gated: the condition
// that reads the score, else one that reads the scan, else the scan's own
// block (the module call for a scan in a child module).
func TestGateLocation(t *testing.T) {
	const config = `resource "aether365_scan" "pipeline" {
  scan_type = "compliance"
}

resource "terraform_data" "deploy" {
  lifecycle {
    precondition {
      condition     = aether365_scan.pipeline.status == "completed"
      error_message = "not completed"
    }
    precondition {
      condition     = aether365_scan.pipeline.score >= 75
      error_message = "too low"
    }
  }
}

resource "aether365_scan" "tenant" {
  for_each  = toset(["contoso", "adatum"])
  scan_type = "compliance"
}

data "aether365_scan" "status_only" {
}

output "status" {
  value = data.aether365_scan.status_only.status
  precondition {
    condition     = data.aether365_scan.status_only.status != "failed"
    error_message = "failed"
  }
}

module "tenants" {
  source = "./tenants"
}
`
	const checks = `check "latest" {
  data "aether365_scan" "latest" {
  }

  assert {
    condition     = data.aether365_scan.latest.score >= 80
    error_message = "below 80"
  }
}

resource "aether365_scan" "self_gated" {
  scan_type = "exposure"
  lifecycle {
    postcondition {
      condition     = self.score >= var.min_score
      error_message = "below"
    }
  }
}
`
	dir := t.TempDir()
	for name, content := range map[string]string{"main.tf": config, "checks.tf": checks} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c, err := readConfiguration(dir)
	if err != nil {
		t.Fatal(err)
	}
	for address, want := range map[string]gateLocation{
		"aether365_scan.pipeline":              {File: "main.tf", StartLine: 11, EndLine: 14, What: "precondition of terraform_data.deploy"},
		`aether365_scan.tenant["adatum"]`:      {File: "main.tf", StartLine: 18, EndLine: 21, What: "aether365_scan.tenant"},
		"data.aether365_scan.status_only":      {File: "main.tf", StartLine: 28, EndLine: 31, What: "precondition of output.status"},
		"data.aether365_scan.latest":           {File: "checks.tf", StartLine: 5, EndLine: 8, What: "assertion of check.latest"},
		"aether365_scan.self_gated":            {File: "checks.tf", StartLine: 14, EndLine: 17, What: "postcondition of aether365_scan.self_gated"},
		`module.tenants["a"].aether365_scan.x`: {File: "main.tf", StartLine: 34, EndLine: 36, What: "module.tenants"},
	} {
		got, err := c.gateFor(address)
		if err != nil || got != want {
			t.Errorf("%s: %+v, %v; want %+v", address, got, err, want)
		}
	}
	if _, err := c.gateFor("aether365_scan.elsewhere"); err == nil {
		t.Error("a scan the configuration does not declare has a gate")
	}
}

// The file is named from the repository's root, as GitHub shows it.
func TestGateFileIsRelativeToTheRepository(t *testing.T) {
	repo := t.TempDir()
	dir := filepath.Join(repo, "security-gate")
	if err := os.MkdirAll(filepath.Join(repo, ".git"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(gateConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := readConfiguration(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.gateFor("aether365_scan.gate"); err != nil || got.File != "security-gate/main.tf" {
		t.Errorf("gate %+v, %v; want it in security-gate/main.tf", got, err)
	}
}
