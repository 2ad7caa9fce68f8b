package aether365

import (
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

func jsonQuote(s string, escapeHTML bool) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	_ = enc.Encode(s)
	return strings.TrimSuffix(strings.TrimSpace(b.String()), `"`)[1:]
}

func allUnicodeEscapes(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > 0xFFFF {
			r1, r2 := utf16Surrogates(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
			continue
		}
		fmt.Fprintf(&b, `\u%04X`, r)
	}
	return b.String()
}

func htmlEscape(s string) string { return html.EscapeString(s) }

// decodedViews is what a reader could recover from out: the text itself,
// JSON escapes undone, percent-encoding undone, HTML references undone.
func decodedViews(out string) []string {
	views := []string{out, html.UnescapeString(out)}
	if u, err := url.QueryUnescape(out); err == nil {
		views = append(views, u)
	}
	views = append(views, lenientPercentDecode(out), lenientJSONUnescape(out))
	return views
}

func lenientPercentDecode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func lenientJSONUnescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch c := s[i+1]; c {
			case '"', '\\', '/':
				b.WriteByte(c)
				i++
				continue
			case 'u':
				if i+6 <= len(s) {
					if v, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
						r := rune(v)
						if r >= 0xD800 && r < 0xDC00 && i+12 <= len(s) && s[i+6] == '\\' && s[i+7] == 'u' {
							if v2, err := strconv.ParseUint(s[i+8:i+12], 16, 16); err == nil {
								r = 0x10000 + (r-0xD800)<<10 + (rune(v2) - 0xDC00)
								i += 6
							}
						}
						b.WriteRune(r)
						i += 5
						continue
					}
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// keyLeak returns the recoverable part of key found in out: the whole key,
// or a prefix of at least minMaskedPrefixRunes characters that is not also a
// prefix of ordinary text (checked by the caller choosing keys that start
// with a marker).
func keyLeak(out, key string) string {
	for _, view := range decodedViews(out) {
		if strings.Contains(view, key) {
			return key
		}
	}
	return ""
}

// keyPrefixLeak is keyLeak for prefixes of at least minMaskedPrefixRunes runes.
func keyPrefixLeak(out, key string) string {
	runes := []rune(key)
	for _, view := range decodedViews(out) {
		for n := len(runes); n >= minMaskedPrefixRunes && n > 0; n-- {
			if p := string(runes[:n]); strings.Contains(view, p) {
				return p
			}
		}
	}
	_ = utf8.RuneLen
	return ""
}
