// Command validate-examples is `make validate-examples`: every example
// directory offline, `terraform fmt -check`, then `terraform validate`
// against the freshly built provider (dev_overrides, no init). Run it from
// the repository's root.
package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/aether365/terraform-provider-aether365/internal/tfworkspace"
)

const examplesDir = "examples"

func main() {
	failed, err := run(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "validate-examples:", err)
		os.Exit(1)
	}
	if failed {
		os.Exit(1)
	}
}

// run reports whether any example failed; err is a failure to check at all.
func run(ctx context.Context) (bool, error) {
	work, err := os.MkdirTemp("", "aether365-examples-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(work)
	providerDir, err := tfworkspace.BuildProvider(ctx, filepath.Join(work, "bin"))
	if err != nil {
		return false, err
	}
	dirs, err := exampleDirs()
	if err != nil {
		return false, err
	}
	// The repository itself is a workspace for fmt; each example is one for validate.
	root, err := tfworkspace.New(tfworkspace.Options{Dir: ".", ProviderDir: providerDir, CLIConfig: filepath.Join(work, "cli.tfrc")})
	if err != nil {
		return false, err
	}
	format := root.Command(ctx, nil, "fmt", "-check", "-recursive", examplesDir)
	format.Stdout, format.Stderr = os.Stdout, os.Stderr
	if err := format.Run(); err != nil {
		return true, nil // fmt has named the files
	}
	failed := false
	for _, dir := range dirs {
		ws, err := tfworkspace.New(tfworkspace.Options{Dir: dir, ProviderDir: providerDir, CLIConfig: root.CLIConfig})
		if err != nil {
			return false, err
		}
		if r := ws.Run(ctx, nil, "validate", "-no-color"); r.Err != nil {
			failed = true
			fmt.Printf("FAIL %s\n%s%s", dir, r.Stdout, r.Stderr)
		} else {
			fmt.Printf("ok   %s\n", dir)
		}
	}
	return failed, nil
}

// exampleDirs lists every directory under examples that holds a .tf file.
func exampleDirs() ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(examplesDir, func(path string, entry fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !entry.IsDir() && filepath.Ext(path) == ".tf" && !slices.Contains(dirs, filepath.Dir(path)) {
			dirs = append(dirs, filepath.Dir(path))
		}
		return nil
	})
	slices.Sort(dirs)
	return dirs, err
}
