package zenml

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Redaction is one set of rules for everything this package shows that may
// hold a secret: the trace of Options.Debug, and every error message built
// from a server's answer, since a server may echo what it was sent.

const redacted = "[REDACTED]"

var secretFields = map[string]bool{
	"password": true, "access_token": true, "refresh_token": true, "csrf_token": true,
	"key": true, "api_key": true, "token": true, "device_code": true, "user_code": true,
	"admin_password": true, "authorization": true, "cookie": true, "set-cookie": true,
	"verification_uri_complete": true, "activation_token": true, "hub_token": true,
	"secret": true, "values": true,
}

// isSecretField reports whether a header, form field, query parameter or
// JSON key holds a secret: the names above, and any kind of password
// (old_password, new_password, ...).
func isSecretField(name string) bool {
	name = strings.ToLower(name)
	return secretFields[name] || strings.Contains(name, "password")
}

// secretPatterns catch secrets outside named fields: bare JWTs (the
// /api_token answer is a JSON string) and ZENKEY_ values.
// They, and the other expressions below, are compiled on first use: every
// zenctl command starts this package, few need it (sync.OnceValue).
var secretPatterns = sync.OnceValue(func() []*regexp.Regexp {
	return []*regexp.Regexp{
		regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`),
		regexp.MustCompile(`ZEN(PRO)?KEY_[A-Za-z0-9+/=_-]+`),
	}
})

// secretName matches, as a regexp, the names isSecretField accepts.
var secretName = sync.OnceValue(func() string {
	names := make([]string, 0, len(secretFields))
	for name := range secretFields {
		names = append(names, regexp.QuoteMeta(name))
	}
	sort.Strings(names)
	return `(?:` + strings.Join(names, "|") + `|\w*password\w*)`
})

// secretJSONField finds a secret field's string value in JSON text that
// does not parse, such as a body cut short for the trace: the value runs to
// its closing quote or, when cut, to the end.
var secretJSONField = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)("` + secretName() + `"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|\\?$)`)
})

func redactText(s string) string {
	for _, re := range secretPatterns() {
		s = replaceSeen(s, re, 0, redacted)
	}
	return s
}

// credentialHeaderWords mark a header that may carry a credential:
// Authorization, Proxy-Authorization, X-Api-Key, X-Auth-Token, Cookie,
// Set-Cookie and whatever a proxy in front of the server invents.
var credentialHeaderWords = []string{"auth", "token", "key", "secret", "password", "cookie", "session", "credential"}

// isCredentialHeader reports whether a header's value is to be hidden. It
// errs on the side of hiding: an Idempotency-Key is no secret, but a trace
// without it loses little.
func isCredentialHeader(name string) bool {
	name = strings.ToLower(name)
	for _, w := range credentialHeaderWords {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

func writeHeaders(w io.Writer, prefix string, h http.Header) {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range h[name] {
			fmt.Fprintf(w, "%s%s: %s\n", prefix, name, redactHeader(name, v))
		}
	}
}

// redactHeader hides a credential header's value. An authorization keeps
// its scheme ("Bearer [REDACTED]"): which kind of credential went out is
// what a trace is read for.
func redactHeader(name, v string) string {
	if !isCredentialHeader(name) {
		return redactText(v)
	}
	lower := strings.ToLower(name)
	if scheme, _, ok := strings.Cut(strings.TrimSpace(v), " "); ok && (lower == "authorization" || lower == "proxy-authorization") && !strings.ContainsAny(scheme, "=,;") {
		return scheme + " " + redacted
	}
	return redacted
}

func redactURL(u *url.URL) string {
	cp := *u
	if cp.RawQuery != "" {
		q := cp.Query()
		for k := range q {
			if isSecretField(k) {
				q[k] = []string{redacted}
			}
		}
		cp.RawQuery = q.Encode()
	}
	if cp.User != nil {
		cp.User = url.User(redacted)
	}
	return redactText(cp.String())
}

// redactBody hides secrets whatever the body claims to be: a caller of Do
// can send a form labelled as JSON, or the reverse, so the Content-Type
// only decides which parser is tried first, and text that no parser
// accepts is scrubbed by pattern for both syntaxes.
func redactBody(body []byte, contentType string) string {
	text := string(body)
	asJSON := func() (string, bool) {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return "", false
		}
		out, _ := json.Marshal(redactJSON(v))
		return string(out), true
	}
	asForm := func() (string, bool) {
		if !strings.Contains(text, "=") || strings.ContainsAny(text, "{}\"\n") {
			return "", false
		}
		form, err := url.ParseQuery(text)
		if err != nil {
			return "", false
		}
		for k := range form {
			if isSecretField(k) {
				form[k] = []string{redacted}
			}
		}
		return form.Encode(), true
	}
	parsers := []func() (string, bool){asJSON, asForm}
	if strings.Contains(contentType, "x-www-form-urlencoded") {
		parsers = []func() (string, bool){asForm, asJSON}
	}
	for _, parse := range parsers {
		if out, ok := parse(); ok {
			return scrub(out)
		}
	}
	return scrub(text)
}

// secretFormField finds a secret field's value in form-encoded text that
// does not parse, such as one with a ';' or cut short for the trace.
var secretFormField = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)(^|[&;?\s])(` + secretName() + `=)[^&;\s]*`)
})

// scrub applies every pattern: parsed bodies pass through it too, as a
// second line of defence.
func scrub(s string) string {
	s = replaceSeen(s, secretJSONField(), 1, `"`+redacted+`"`)
	s = replaceSeen(s, secretFormField(), 2, redacted)
	return redactText(s)
}

func redactJSON(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if isSecretField(k) {
				if val != nil {
					x[k] = redacted
				}
				continue
			}
			x[k] = redactJSON(val)
		}
	case []any:
		for i := range x {
			x[i] = redactJSON(x[i])
		}
	}
	return v
}

// sentSecrets lists the secret values request r carries: the bearer token,
// secret form fields and JSON fields of its body (an API key, a password,
// a device code), and the values of credential headers. A server may echo
// any of them in an error ("bad form: password=..."), in an encoding the
// patterns above do not recognise.
func (r request) sentSecrets(token string) []string {
	var out []string
	add := func(v string) {
		if v == "" {
			return
		}
		// Values shorter than minRedactedLen are removed as whole words
		// only (see removeSent).
		out = append(out, echoedAndReversedForms(v)...)
		// A server that decodes an API key may echo its inner secret.
		if inner := apiKeySecret(v); inner != "" {
			out = append(out, echoedAndReversedForms(inner)...)
		}
	}
	add(token)
	for name, vs := range r.header {
		if isCredentialHeader(name) {
			for _, v := range vs {
				add(v)
				if _, cred, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
					add(strings.TrimSpace(cred))
				}
			}
		}
	}
	for k, vs := range r.query {
		if isSecretField(k) {
			for _, v := range vs {
				add(v)
			}
		}
	}
	var v any
	if json.Unmarshal(r.body, &v) == nil {
		collectSecretJSON(v, false, add)
	} else if form, err := url.ParseQuery(string(r.body)); err == nil {
		for k, vs := range form {
			if isSecretField(k) {
				for _, v := range vs {
					add(v)
				}
			}
		}
	}
	return out
}

// echoedAndReversedForms are echoedForms, and v reversed: a server can
// echo a secret backwards between bidi controls (U+202E), which a
// terminal draws the right way round, or which reads just as well
// backwards once escaped. Short values keep to the forms as sent, since
// their reverse would meet ordinary words as easily.
func echoedAndReversedForms(v string) []string {
	forms := echoedForms(v)
	if visibleRunes(v) >= minRedactedLen {
		r := []rune(v)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		forms = append(forms, string(r))
	}
	return forms
}

// echoedForms are the ways a server may write back a value it was sent:
// as is, form-encoded, inside a JSON string (with and without HTML
// escaping), as a quoted Go or Python string, HTML-escaped. The longest
// come first, so that no shorter form cuts a longer one apart.
func echoedForms(v string) []string {
	forms := map[string]bool{v: true, url.QueryEscape(v): true, url.PathEscape(v): true, html.EscapeString(v): true,
		base64.StdEncoding.EncodeToString([]byte(v)): true, base64.RawStdEncoding.EncodeToString([]byte(v)): true,
		base64.URLEncoding.EncodeToString([]byte(v)): true, base64.RawURLEncoding.EncodeToString([]byte(v)): true}
	// Percent-escapes in lower case, as some servers write them.
	for _, e := range []string{url.QueryEscape(v), url.PathEscape(v)} {
		forms[lowerHexEscapes(e)] = true
	}
	for _, escapeHTML := range []bool{true, false} {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(escapeHTML)
		if enc.Encode(v) == nil {
			forms[strings.TrimSuffix(strings.TrimSpace(b.String()), `"`)[1:]] = true
		}
	}
	q := strconv.Quote(v)
	forms[q[1:len(q)-1]] = true
	out := make([]string, 0, len(forms))
	for f := range forms {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// lowerHexEscapes writes the hex digits of %XX escapes in lower case.
func lowerHexEscapes(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = lowerHex(b[i+1]), lowerHex(b[i+2])
		}
	}
	return string(b)
}

func lowerHex(c byte) byte {
	if c >= 'A' && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}

// minRedactedLen is the shortest sent value removed wherever it appears.
// A shorter one (a password "pw") is removed only as a whole word or field
// value, where no letter or digit touches it: anywhere else it would blank
// out pieces of ordinary words ("pw" in "pwd"), and a secret that short is
// guessed faster than read from a message anyway.
const minRedactedLen = 4

// apiKeySecret is the inner secret of an API key "ZENKEY_<base64 of
// {"id": ..., "key": ...}>", and "" for anything else: the server decodes
// the key, and may echo its key field on its own.
func apiKeySecret(v string) string {
	v = strings.TrimSpace(v)
	encoded, ok := strings.CutPrefix(v, "ZENKEY_")
	if !ok {
		encoded, ok = strings.CutPrefix(v, "ZENPROKEY_")
	}
	if !ok {
		return ""
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		raw, err := enc.DecodeString(encoded)
		if err != nil {
			continue
		}
		var key struct {
			Key string `json:"key"`
		}
		if json.Unmarshal(raw, &key) == nil {
			return key.Key
		}
	}
	return ""
}

func collectSecretJSON(v any, secret bool, add func(string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			collectSecretJSON(val, secret || isSecretField(k), add)
		}
	case []any:
		for _, val := range x {
			collectSecretJSON(val, secret, add)
		}
	case string:
		if secret {
			add(x)
		}
	}
}

// redactMessage applies the trace's rules to text from a server's answer,
// then removes every value in sent.
func redactMessage(s string, sent []string) string {
	// The sent values first: scrub may reformat the text around them.
	return removeSent(scrub(removeSent(s, sent)), sent)
}

// removeSent replaces every value in sent with the redaction mark, as
// seen: a value with invisible characters, escape sequences, combining
// marks or compatibility forms (fullwidth letters) in or around its
// letters (see seenText) is found too, and replaced with them. A value
// shorter than minRedactedLen goes only where it stands as a whole word.
//
// A value without whitespace is also matched with the whitespace of s as
// unseen: "H u n t e r 2" is read as the password it spells.
func removeSent(s string, sent []string) string {
	var spans [][2]int
	for _, st := range seenViews(s, 0, true) {
		for _, v := range sent {
			// Counted before folding: accents that folding drops still
			// make the secret longer, and harder to meet by chance.
			short := visibleRunes(v) < minRedactedLen
			if st.mode&dropSpace != 0 && (short || strings.IndexFunc(v, unicode.IsSpace) >= 0) {
				continue
			}
			v = newSeenText(v, 0).text
			if v == "" {
				continue
			}
			for at := 0; ; {
				i := strings.Index(st.text[at:], v)
				if i < 0 {
					break
				}
				span := [2]int{at + i, at + i + len(v)}
				if !short || wholeWord(st.text, span) {
					spans = append(spans, st.rawSpan(span))
				}
				at += i + 1
			}
		}
	}
	return replaceRaw(s, spans, nil)
}

func visibleRunes(s string) int {
	n := 0
	for _, r := range s {
		if !unseen(r, false) {
			n++
		}
	}
	return n
}

// wholeWord reports whether no letter or digit touches span of text.
func wholeWord(text string, span [2]int) bool {
	before, _ := utf8.DecodeLastRuneInString(text[:span[0]])
	after, _ := utf8.DecodeRuneInString(text[span[1]:])
	wordy := func(r rune) bool {
		return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_')
	}
	return !wordy(before) && !wordy(after)
}

// redact applies redactMessage, with the secrets of r, to text built from
// the answer to r.
func (r request) redact(s string) string { return redactMessage(s, r.sentSecrets("")) }

// redact removes secrets from every text field of an error.
func (e *Error) redact(sent []string) {
	e.Message = redactMessage(e.Message, sent)
	e.Exception = redactMessage(e.Exception, sent)
	e.OAuthError = redactMessage(e.OAuthError, sent)
}

// seenText is text as a person sees it on a terminal: without the
// characters that show nothing there or are dropped on the way (C0 and C1
// controls, DEL, line breaks, format characters such as U+200B and the
// bidi controls, bytes that are not UTF-8), without combining marks (an
// accent drawn over a letter leaves the letter readable), and with
// compatibility forms folded to the letters they look like (NFKD:
// fullwidth "Ｈ" is "H"). A server that echoes a secret in such a disguise
// defeats a match on the raw text, while the reader still reads the
// secret; matching on the seen text and replacing the matching span of
// the raw text, disguise included, does not let that through.
//
// With skipEscapes, whole CSI escape sequences ("\x1b[0m") count as
// unseen, not only their ESC: zenctl shows the ESC as `\x1b`, but a
// secret cut up by "[0m" is still read. The text is matched both with
// and without this (seenViews), since a secret may also sit inside a
// sequence's parameters.
//
// With decodeJSONEscapes, JSON string escapes ("\u001b", "\n") count as
// the characters they stand for: the trace shows an answer as JSON text,
// where an escape sequence between a secret's letters is written
// "\u001b[0m", and is read past as easily.
type seenText struct {
	raw, text string
	mode      seenMode
	// from[i] and to[i] are where in raw the character holding byte i of
	// text starts and ends.
	from, to []int
}

// seenMode says how a seenText reads its raw text.
type seenMode uint8

const (
	// keepSpace keeps whitespace, which the patterns read as the end of
	// a value, as seen.
	keepSpace seenMode = 1 << iota
	// skipEscapes counts whole CSI escape sequences as unseen.
	skipEscapes
	// decodeJSONEscapes reads JSON string escapes as what they stand for.
	decodeJSONEscapes
	// dropSpace counts all whitespace as unseen.
	dropSpace
)

// seenViews are the ways s is matched: as is, with JSON escapes decoded
// (when it has any), each with escape sequences as unseen and with only
// their ESC as unseen (when it may have any), and, with spaceless, each
// of these with whitespace as unseen too.
func seenViews(s string, base seenMode, spaceless bool) []seenText {
	modes := []seenMode{base}
	if strings.Contains(s, `\`) {
		modes = append(modes, base|decodeJSONEscapes)
	}
	if strings.ContainsAny(s, "\x1b\u009b") || strings.Contains(s, `\u`) {
		for _, m := range modes {
			modes = append(modes, m|skipEscapes)
		}
	}
	if spaceless && strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		for _, m := range modes {
			modes = append(modes, m|dropSpace)
		}
	}
	views := make([]seenText, len(modes))
	for i, m := range modes {
		views[i] = newSeenText(s, m)
	}
	return views
}

func newSeenText(raw string, mode seenMode) seenText {
	if mode&(decodeJSONEscapes|dropSpace) == 0 && !needsFolding(raw, mode&keepSpace != 0) {
		return seenText{raw: raw, text: raw, mode: mode}
	}
	var b strings.Builder
	st := seenText{raw: raw, mode: mode}
	for i := 0; i < len(raw); {
		if mode&skipEscapes != 0 {
			if n := csiLen(raw[i:], mode&decodeJSONEscapes != 0); n > 0 {
				i += n
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(raw[i:])
		c := raw[i : i+size]
		if mode&decodeJSONEscapes != 0 {
			if er, n := jsonEscapedRune(raw[i:]); n > 0 {
				r, size, c = er, n, string(er)
			}
		}
		if !unseen(r, mode&keepSpace != 0) && (mode&dropSpace == 0 || !unicode.IsSpace(r)) {
			folded := foldRune(c, r)
			b.WriteString(folded)
			for range len(folded) {
				st.from, st.to = append(st.from, i), append(st.to, i+size)
			}
		}
		i += size
	}
	st.text = b.String()
	return st
}

// foldRune is the character c (the rune r) as matched: fullwidth forms
// read as the ASCII they mirror, combining marks dropped. The library
// keeps to the standard library (see the package doc), so this is the
// part of Unicode compatibility folding that can disguise an ASCII
// secret, not all of NFKD.
func foldRune(c string, r rune) string {
	switch {
	case r < utf8.RuneSelf:
		return c
	case unicode.In(r, unicode.Mn, unicode.Me):
		return ""
	case r >= '\uff01' && r <= '\uff5e':
		return string(r - 0xfee0)
	case r == '\u3000':
		return " "
	}
	return c
}

// jsonUnescaped are the characters JSON's one-letter escapes stand for.
var jsonUnescaped = map[byte]rune{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// jsonEscapedRune decodes the JSON string escape s starts with: the
// character and the escape's length, or 0 when s starts with none.
func jsonEscapedRune(s string) (rune, int) {
	if len(s) < 2 || s[0] != '\\' {
		return 0, 0
	}
	if r, ok := jsonUnescaped[s[1]]; ok {
		return r, 2
	}
	if s[1] != 'u' || len(s) < 6 {
		return 0, 0
	}
	n, err := strconv.ParseUint(s[2:6], 16, 16)
	if err != nil {
		return 0, 0
	}
	return rune(n), 6
}

// csiLen is the length of the CSI escape sequence (ESC "[" or C1 CSI,
// parameters, intermediates, final byte) s starts with, or 0. With
// jsonEscaped, an ESC or CSI may also be written as a JSON escape.
func csiLen(s string, jsonEscaped bool) int {
	var i int
	switch {
	case strings.HasPrefix(s, "\x1b["):
		i = 2
	case strings.HasPrefix(s, "\u009b"):
		i = len("\u009b")
	case jsonEscaped && len(s) >= 6:
		r, n := jsonEscapedRune(s)
		switch {
		case n == 6 && r == 0x1b && strings.HasPrefix(s[n:], "["):
			i = n + 1
		case n == 6 && r == 0x9b:
			i = n
		default:
			return 0
		}
	default:
		return 0
	}
	for i < len(s) && s[i] >= 0x30 && s[i] <= 0x3f {
		i++
	}
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e {
		i++
	}
	return i
}

// unseen reports whether a character leaves no mark of its own on a
// terminal once zenctl has escaped or dropped it for one. Whitespace,
// which the patterns read as the end of a value, is kept when keepSpace
// is set.
func unseen(r rune, keepSpace bool) bool {
	if keepSpace && unicode.IsSpace(r) {
		return false
	}
	// U+FFFD counts: it is what a JSON decoder makes of bytes that are
	// not UTF-8, and it hides nothing of the letters around it. So do
	// variation selectors and the other default-ignorable characters
	// (U+034F, Hangul fillers): they draw nothing, though the terminal
	// escaping leaves them alone.
	return r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) ||
		r == '\u2028' || r == '\u2029' ||
		unicode.Is(unicode.Variation_Selector, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}

// needsFolding reports whether the seen text of s may differ from s.
func needsFolding(s string, keepSpace bool) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || unseen(rune(c), keepSpace) {
			return true
		}
	}
	return false
}

// rawSpan maps a span of text back to raw.
func (st seenText) rawSpan(span [2]int) [2]int {
	if st.from == nil {
		return span
	}
	return [2]int{st.from[span[0]], st.to[span[1]-1]}
}

// replaceRaw replaces each span of s (spans may overlap) with
// with(span), or with the redaction mark when with is nil.
func replaceRaw(s string, spans [][2]int, with func(span [2]int) string) string {
	if len(spans) == 0 {
		return s
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	var b strings.Builder
	last := 0
	for i := 0; i < len(spans); {
		span := spans[i]
		mark := redacted
		if with != nil {
			mark = with(span)
		}
		// Overlapping spans become one.
		for i++; i < len(spans) && spans[i][0] < span[1]; i++ {
			span[1] = max(span[1], spans[i][1])
		}
		if span[0] == span[1] {
			continue
		}
		b.WriteString(s[last:span[0]])
		b.WriteString(mark)
		last = span[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// replaceSeen is re.ReplaceAllString on the seen text of s: each match,
// except its first group (when keep is 1) or its first two (keep 2),
// becomes mark.
func replaceSeen(s string, re *regexp.Regexp, keep int, mark string) string {
	var spans [][2]int
	for _, seen := range seenViews(s, keepSpace, false) {
		for _, m := range re.FindAllStringSubmatchIndex(seen.text, -1) {
			start := m[0]
			if keep > 0 && m[2*keep+1] >= 0 {
				start = m[2*keep+1]
			}
			if start < m[1] {
				spans = append(spans, seen.rawSpan([2]int{start, m[1]}))
			}
		}
	}
	return replaceRaw(s, spans, func([2]int) string { return mark })
}
