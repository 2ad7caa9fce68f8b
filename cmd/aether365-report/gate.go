package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// gateLocation is where in the configuration a scan's score is gated: the
// place a SARIF result points at, since GitHub code scanning rejects a
// result without a file and line.
type gateLocation struct {
	// File is slash-separated and relative to the repository root, as
	// GitHub resolves it (outside a repository, to the configuration's
	// directory).
	File               string
	StartLine, EndLine int
	// What says which block it is, e.g. "postcondition of aether365_scan.pipeline".
	What string
}

// configuration is what the report knows of the root module's .tf files:
// each block that declares a resource, data source or module call, and
// each condition (precondition, postcondition, check assertion) with the
// objects its condition refers to.
type configuration struct {
	blocks     map[string]gateLocation
	conditions []condition
}

type condition struct {
	location gateLocation
	// refs maps each address the condition reads to whether it reads its
	// score; self is resolved to the block the condition belongs to.
	refs map[string]bool
}

// errNoConfiguration is returned when the directory holds no .tf file to
// anchor results to.
var errNoConfiguration = errors.New("no .tf file")

// readConfiguration parses the .tf files of the root module in dir (not
// .tf.json, nor child modules: see gateFor), naming each file relative to
// the repository that holds dir, or to dir outside a repository.
func readConfiguration(dir string) (*configuration, error) {
	files, err := regularFiles(filepath.Join(dir, "*.tf"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w in %s", errNoConfiguration, dir)
	}
	sort.Strings(files)
	root := repositoryRoot(dir)
	if root == "" {
		root = dir
	}
	c := &configuration{blocks: map[string]gateLocation{}}
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		file, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
		if diags.HasErrors() {
			return nil, diags
		}
		body, ok := file.Body.(*hclsyntax.Body)
		if !ok {
			return nil, fmt.Errorf("%s: not native HCL syntax", path)
		}
		c.addFile(body, relativeName(root, path))
	}
	return c, nil
}

// regularFiles are the regular files (or links to one) that match pattern.
// Anything else is skipped before it is opened: Terraform skips a directory
// named x.tf, and opening a FIFO would block until something writes to it.
func regularFiles(pattern string) ([]string, error) {
	matches, err := filepath.Glob(pattern)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, path := range matches {
		info, err := os.Stat(path)
		if err != nil {
			return nil, err
		}
		if info.Mode().IsRegular() {
			files = append(files, path)
		}
	}
	return files, nil
}

func (c *configuration) addFile(body *hclsyntax.Body, name string) {
	at := func(block *hclsyntax.Block, what string) gateLocation {
		return gateLocation{File: name, StartLine: block.TypeRange.Start.Line, EndLine: block.Body.SrcRange.End.Line, What: what}
	}
	for _, block := range body.Blocks {
		switch {
		case (block.Type == "resource" || block.Type == "data") && len(block.Labels) == 2:
			address := block.Labels[0] + "." + block.Labels[1]
			if block.Type == "data" {
				address = "data." + address
			}
			c.blocks[address] = at(block, address)
			for _, lifecycle := range block.Body.Blocks {
				if lifecycle.Type != "lifecycle" {
					continue
				}
				for _, cond := range lifecycle.Body.Blocks {
					if cond.Type == "precondition" || cond.Type == "postcondition" {
						c.addCondition(at(cond, cond.Type+" of "+address), cond, address)
					}
				}
			}
		case block.Type == "module" && len(block.Labels) == 1:
			c.blocks["module."+block.Labels[0]] = at(block, "module."+block.Labels[0])
		case block.Type == "output" && len(block.Labels) == 1:
			for _, cond := range block.Body.Blocks {
				if cond.Type == "precondition" {
					c.addCondition(at(cond, "precondition of output."+block.Labels[0]), cond, "")
				}
			}
		case block.Type == "check" && len(block.Labels) == 1:
			for _, inner := range block.Body.Blocks {
				switch {
				case inner.Type == "assert":
					c.addCondition(at(inner, "assertion of check."+block.Labels[0]), inner, "")
				case inner.Type == "data" && len(inner.Labels) == 2:
					// A check's scoped data source is addressed like any other.
					address := "data." + inner.Labels[0] + "." + inner.Labels[1]
					c.blocks[address] = at(inner, address)
				}
			}
		}
	}
}

func (c *configuration) addCondition(location gateLocation, block *hclsyntax.Block, self string) {
	attr, ok := block.Body.Attributes["condition"]
	if !ok {
		return
	}
	refs := map[string]bool{}
	for _, traversal := range attr.Expr.Variables() {
		if address, attribute := referencedObject(traversal, self); address != "" {
			refs[address] = refs[address] || attribute == "score"
		}
	}
	c.conditions = append(c.conditions, condition{location: location, refs: refs})
}

// referencedObject is the resource or data source a traversal reads
// (self meaning the block self), without instance keys, and the attribute
// it reads of it.
func referencedObject(traversal hcl.Traversal, self string) (address, attribute string) {
	var names []string
	for _, step := range traversal {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			names = append(names, s.Name)
		case hcl.TraverseAttr:
			names = append(names, s.Name)
		}
	}
	at := func(i int) string {
		if i < len(names) {
			return names[i]
		}
		return ""
	}
	switch {
	case len(names) == 0:
		return "", ""
	case names[0] == "self":
		return self, at(1)
	case names[0] == "data" && len(names) >= 3:
		return "data." + names[1] + "." + names[2], at(3)
	case len(names) >= 2 && !notResources[names[0]]:
		return names[0] + "." + names[1], at(2)
	}
	return "", ""
}

// notResources are the roots of references that do not name a resource.
var notResources = map[string]bool{
	"var": true, "local": true, "module": true, "each": true, "count": true, "path": true, "terraform": true,
}

// gateFor finds where the score of the scan at address (as Terraform names
// an instance, e.g. aether365_scan.tenant["contoso"]) is gated, in this
// order:
//
//  1. the first condition (by file name, then line) that reads the scan's
//     score: its own postcondition, or a precondition, postcondition or
//     check assertion elsewhere;
//  2. the first condition that reads anything else of the scan;
//  3. the block that declares the scan;
//  4. for a scan in a child module, the module block that calls it.
//
// others are more instances that hold the same scan (a data source that
// reads the scan the resource at address runs): a condition on any of them
// gates the scan, and the block of the first that has one places it.
func (c *configuration) gateFor(address string, others ...string) (gateLocation, error) {
	if c == nil {
		return gateLocation{}, fmt.Errorf("%s has failed checks, but there is no configuration to place them in: "+
			"give -config, the directory of its .tf files", address)
	}
	var objects []string
	for _, a := range append([]string{address}, others...) {
		if strings.HasPrefix(a, "module.") {
			objects = append(objects, withoutInstanceKey("module."+strings.SplitN(a, ".", 3)[1]))
		} else {
			objects = append(objects, withoutInstanceKey(a))
		}
	}
	for _, wantScore := range []bool{true, false} {
		for _, cond := range c.conditions {
			for _, object := range objects {
				// A condition in the root module cannot read a child module's
				// resources: a module's object is placed at its call.
				if strings.HasPrefix(object, "module.") {
					continue
				}
				if readsScore, ok := cond.refs[object]; ok && (readsScore || !wantScore) {
					return cond.location, nil
				}
			}
		}
	}
	for _, object := range objects {
		if location, ok := c.blocks[object]; ok {
			return location, nil
		}
	}
	return gateLocation{}, fmt.Errorf("no block of the configuration declares %s (%s), so its failed checks "+
		"would have no location, which GitHub code scanning rejects", objects[0], address)
}

// withoutInstanceKey turns aether365_scan.tenant["contoso"] into
// aether365_scan.tenant, the address its configuration block has.
func withoutInstanceKey(address string) string {
	if i := strings.Index(address, "["); i >= 0 {
		return address[:i]
	}
	return address
}

// repositoryRoot is the nearest directory at or above dir holding .git (a
// directory, or a file in a worktree), whose paths GitHub code scanning
// shows; "" when there is none.
func repositoryRoot(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(abs, ".git")); err == nil {
			return abs
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return ""
		}
		abs = parent
	}
}

// relativeName is path relative to root, with forward slashes, as a SARIF
// URI has them.
func relativeName(root, path string) string {
	absRoot, errRoot := filepath.Abs(root)
	absPath, errPath := filepath.Abs(path)
	if errRoot == nil && errPath == nil {
		if rel, err := filepath.Rel(absRoot, absPath); err == nil {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(path)
}
