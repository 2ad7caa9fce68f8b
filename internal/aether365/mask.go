package aether365

import (
	"html"
	"slices"
	"strings"
	"unicode/utf8"
)

// secretMask hides the API key in text that came from the network or the
// transport (error bodies, echoed headers, redirect URLs) before that text
// goes into an error or a log line. It recognises the key however a server
// or proxy may have escaped it: each character may appear raw, as a JSON
// escape (\uXXXX in any case, surrogate pairs, \" \\ \/), percent-encoded
// (each UTF-8 byte as %XX in any case) or as any HTML character reference a
// browser decodes to it (&amp; &amp &#60; &#x3C &euro; ...), in any mix. It
// is the one masking function of the package: every message built from
// outside text goes through it.
type secretMask struct {
	key []rune
}

const maskReplacement = "***"

// minMaskedPrefixRunes: a run of the key's first characters this long or
// longer is masked wherever it appears, as a whole key is, because a server
// or a cut (of a body, by a proxy, by the snippet limit) may leave only part
// of it. Shorter runs say nothing useful about the key, and masking them
// would blank ordinary words.
const minMaskedPrefixRunes = 6

func newSecretMask(key string) secretMask {
	return secretMask{key: []rune(key)}
}

// apply masks every occurrence of the key, or of a long prefix of it, in s.
func (m secretMask) apply(s string) string { return m.mask(s, -1) }

// applyCut masks as apply does and stops once the output has limit bytes.
// Masking before truncating means no cut can leave part of the key behind.
func (m secretMask) applyCut(s string, limit int) string { return m.mask(s, limit) }

func (m secretMask) mask(s string, limit int) string {
	if len(m.key) == 0 {
		if limit >= 0 && len(s) > limit {
			return s[:limit]
		}
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if limit >= 0 && b.Len() >= limit {
			break
		}
		if end := m.matchAt(s, i); end > i {
			b.WriteString(maskReplacement)
			i = end
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	out := b.String()
	if limit >= 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// matchAt returns where the longest match of the key, or of a prefix of at
// least minMaskedPrefixRunes of it (a prefix cut by the end of s included),
// starting at s[i] ends; -1 when there is none. Several encodings of one
// character may match at the same place (a raw "%" and "%25"), so it
// follows every possibility at once.
func (m secretMask) matchAt(s string, i int) int {
	threshold := min(minMaskedPrefixRunes, len(m.key))
	positions := []int{i}
	best := -1
	for k, r := range m.key {
		var next []int
		for _, p := range positions {
			for _, form := range runeForms(s, p, r) {
				if form.cut {
					if k+1 >= threshold {
						best = len(s)
					}
					continue
				}
				next = appendUnique(next, form.end)
			}
		}
		if len(next) == 0 {
			break
		}
		positions = next
		if k+1 >= threshold {
			best = max(best, slices.Max(positions))
		}
	}
	return best
}

func appendUnique(list []int, v int) []int {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// formMatch is one way a character was found at a position: it ends at end,
// or the text ended inside it (cut).
type formMatch struct {
	end int
	cut bool
}

// runeForms lists the encodings of r found at s[p].
func runeForms(s string, p int, r rune) []formMatch {
	if p >= len(s) {
		return []formMatch{{cut: true}}
	}
	var found []formMatch
	try := func(end int, ok, cut bool) {
		switch {
		case cut:
			found = append(found, formMatch{cut: true})
		case ok:
			found = append(found, formMatch{end: end})
		}
	}
	var raw [utf8.UTFMax]byte
	n := utf8.EncodeRune(raw[:], r)
	try(matchLiteral(s, p, string(raw[:n])))
	try(matchJSONEscape(s, p, r))
	try(matchPercent(s, p, raw[:n]))
	ends, cut := matchHTMLReference(s, p, r)
	for _, end := range ends {
		try(end, true, false)
	}
	try(0, false, cut)
	return found
}

// matchLiteral matches lit at s[p], case-sensitively.
func matchLiteral(s string, p int, lit string) (end int, ok, cut bool) {
	rest := s[p:]
	if strings.HasPrefix(rest, lit) {
		return p + len(lit), true, false
	}
	if len(rest) < len(lit) && strings.HasPrefix(lit, rest) {
		return 0, false, true
	}
	return 0, false, false
}

// matchFold matches lit at s[p], ignoring ASCII case (hex digits).
func matchFold(s string, p int, lit string) (end int, ok, cut bool) {
	rest := s[p:]
	if len(rest) >= len(lit) && strings.EqualFold(rest[:len(lit)], lit) {
		return p + len(lit), true, false
	}
	if len(rest) < len(lit) && strings.EqualFold(rest, lit[:len(rest)]) {
		return 0, false, true
	}
	return 0, false, false
}

const hexDigits = "0123456789ABCDEF"

func hex4(v rune) string {
	return string([]byte{hexDigits[v>>12&0xF], hexDigits[v>>8&0xF], hexDigits[v>>4&0xF], hexDigits[v&0xF]})
}

func matchJSONEscape(s string, p int, r rune) (int, bool, bool) {
	if s[p] != '\\' {
		return 0, false, false
	}
	switch r {
	case '"', '\\', '/':
		if end, ok, cut := matchLiteral(s, p, `\`+string(r)); ok || cut {
			return end, ok, cut
		}
	}
	if r > 0xFFFF {
		r1, r2 := utf16Surrogates(r)
		return matchFold(s, p, `\u`+hex4(r1)+`\u`+hex4(r2))
	}
	return matchFold(s, p, `\u`+hex4(r))
}

func utf16Surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xD800 + (r>>10)&0x3FF, 0xDC00 + r&0x3FF
}

func matchPercent(s string, p int, raw []byte) (int, bool, bool) {
	if s[p] != '%' {
		return 0, false, false
	}
	var enc strings.Builder
	for _, c := range raw {
		enc.WriteByte('%')
		enc.WriteByte(hexDigits[c>>4])
		enc.WriteByte(hexDigits[c&0xF])
	}
	return matchFold(s, p, enc.String())
}

// matchHTMLReference finds the character references at s[p] that an HTML
// reader (a browser, html.UnescapeString) decodes to r: named ones (&amp;
// &AMP; &euro; ..., and the legacy names that need no semicolon, such as
// &amp and &copy), and decimal or hex ones with or without the semicolon and
// with any number of leading zeros. A reference cut off by a proxy still
// decodes ("...&amp" then the message's own closing quote), so the
// semicolon cannot be required. Rather than keep a copy of HTML's table of
// names, it asks the html package how each span a reader could consume
// decodes: the whole run of digits or of letters and digits, with its
// semicolon when there is one, or for a name a legacy prefix of it.
func matchHTMLReference(s string, p int, r rune) (ends []int, cut bool) {
	if s[p] != '&' {
		return nil, false
	}
	run := p + 1
	numeric := run < len(s) && s[run] == '#'
	if numeric {
		run++
		if run < len(s) && (s[run] == 'x' || s[run] == 'X') {
			run++
		}
	}
	for run < len(s) && isASCIIAlnum(s[run]) {
		run++
	}
	if run == len(s) {
		// The text ends inside what may still have become r.
		return nil, true
	}
	spans := []int{run}
	if s[run] == ';' {
		spans = append(spans, run+1)
	}
	if !numeric {
		for j := p + 3; j < run && j <= p+1+longestLegacyReferenceName; j++ {
			spans = append(spans, j)
		}
	}
	want := string(r)
	for _, end := range spans {
		if html.UnescapeString(s[p:end]) == want {
			ends = append(ends, end)
		}
	}
	return ends, false
}

// longestLegacyReferenceName is the longest of HTML's named references that
// a reader decodes without a semicolon ("&middot", "&frac12").
const longestLegacyReferenceName = 6

func isASCIIAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// maskedError is a transport error whose text has been masked; it still
// unwraps to the original so errors.Is and errors.As keep working.
type maskedError struct {
	text string
	err  error
}

func (e *maskedError) Error() string { return e.text }
func (e *maskedError) Unwrap() error { return e.err }
