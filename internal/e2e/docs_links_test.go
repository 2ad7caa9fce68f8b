package e2e

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// The pages in docs/ are read in two places: browsing the repository (on
// GitHub, where a link names a file) and on the Terraform Registry (which
// serves docs/guides/foo.md as .../docs/guides/foo and strips the .md from a
// relative link). A relative link therefore names the target's file,
// extension included, relative to the linking page, and stays inside docs/,
// the only directory the Registry publishes: `scans.md`,
// `../guides/multi-tenant.md#anchor`, and from index.md `guides/install.md`.
// HashiCorp's own providers link this way (terraform-provider-hcp).
func TestDocsRelativeLinksResolve(t *testing.T) {
	docs := filepath.Join(repoRoot(t), "docs")
	pages := map[string]string{} // slash path under docs/ -> content
	err := filepath.WalkDir(docs, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".md" {
			return err
		}
		content, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(docs, p)
		pages[filepath.ToSlash(rel)] = string(content)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) == 0 {
		t.Fatal("no page in docs/")
	}
	checked := 0
	for page, content := range pages {
		for _, l := range markdownLinks(content) {
			checked++
			if strings.HasPrefix(l.target, thisRepository+"blob/main/docs/") {
				// Not broken, but it sends a Registry reader to GitHub.
				t.Logf("docs/%s:%d: link (%s) names a page of docs/ by its GitHub address; a relative link (../guides/foo.md) keeps Registry readers on the Registry", page, l.line, l.target)
				continue
			}
			if problem := linkProblem(page, l.target, pages); problem != "" {
				t.Errorf("docs/%s:%d: link (%s) %s", page, l.line, l.target, problem)
			}
		}
	}
	t.Logf("%d links in %d pages", checked, len(pages))
}

// thisRepository is where the repository is browsed; a link to one of its
// docs/ pages by this address sends a Registry reader away from the Registry.
const thisRepository = "https://github.com/aether365/terraform-provider-aether365/"

// linkProblem says what is wrong with the link target on page, or "".
func linkProblem(page, target string, pages map[string]string) string {
	if regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`).MatchString(target) {
		return "" // https:, mailto: ...
	}
	if strings.HasPrefix(target, "/") {
		return "is absolute: the Registry resolves it against its own root, GitHub against the repository's"
	}
	file, anchor, _ := strings.Cut(target, "#")
	dest := page
	if file != "" {
		dest = path.Join(path.Dir(page), file)
		if dest == ".." || strings.HasPrefix(dest, "../") {
			return "leaves docs/, which is all the Registry publishes: link the file's GitHub address instead"
		}
		if path.Ext(dest) != ".md" {
			return "does not name a .md file: GitHub needs the file name (the Registry strips the .md)"
		}
		if _, ok := pages[dest]; !ok {
			return "names docs/" + dest + ", which does not exist"
		}
	}
	if anchor != "" && !markdownAnchors(pages[dest])[anchor] {
		return "names the anchor #" + anchor + ", which docs/" + dest + " has no heading for"
	}
	return ""
}

type markdownLink struct {
	target string
	line   int
}

var (
	linkPattern      = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	inlineCode       = regexp.MustCompile("`[^`]*`")
	headingPattern   = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
	htmlAnchor       = regexp.MustCompile(`<a\s+(?:id|name)="([^"]+)"`)
	headingLinkText  = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	slugDroppedRunes = func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ' ' && r != '-' && r != '_'
	}
)

// markdownLinks returns the inline links of content outside fenced code
// blocks and inline code.
func markdownLinks(content string) []markdownLink {
	var links []markdownLink
	fenced := false
	for i, line := range strings.Split(content, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			continue
		}
		for _, m := range linkPattern.FindAllStringSubmatch(inlineCode.ReplaceAllString(line, "``"), -1) {
			links = append(links, markdownLink{target: m[1], line: i + 1})
		}
	}
	return links
}

// markdownAnchors returns the anchors of content: its headings' as GitHub
// and the Registry make them, and explicit <a id="..."> ones.
func markdownAnchors(content string) map[string]bool {
	anchors := map[string]bool{}
	seen := map[string]int{}
	fenced := false
	for _, line := range strings.Split(content, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			continue
		}
		for _, m := range htmlAnchor.FindAllStringSubmatch(line, -1) {
			anchors[m[1]] = true
		}
		m := headingPattern.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		text := headingLinkText.ReplaceAllString(m[1], "$1")
		text = strings.NewReplacer("`", "", "*", "").Replace(text)
		slug := strings.ReplaceAll(strings.Map(func(r rune) rune {
			if slugDroppedRunes(r) {
				return -1
			}
			return unicode.ToLower(r)
		}, text), " ", "-")
		if n := seen[slug]; n > 0 {
			anchors[slug+"-"+strconv.Itoa(n)] = true
		} else {
			anchors[slug] = true
		}
		seen[slug]++
	}
	return anchors
}
