// Package botverify verifies LinkGateway's X-Bot-* headers at a Go origin (standard library only, Go 1.19+).
//
// Copy this file into your module. Create the verifier once with the gateway's LinkGateway:Signing:Key (base64 of at
// least 32 bytes; anything else, hex above all, is refused with an error), then check each request against its RAW
// request target, r.RequestURI (never r.URL.Path, which is decoded):
//
//	verifier, err := botverify.New(os.Getenv("LINKGATEWAY_SIGNING_KEY"))
//	verdict := verifier.Verify(r.Header, r.Method, r.RequestURI, time.Now())
//	if verdict.Verified && verdict.Verdict == "bot" { ... }
//
// The rules, and the vectors every verifier is checked against: docs/reference/header-contract.md#verifiers,
// src/verifiers/test-vectors.json.
package botverify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const (
	MaxAgeSeconds   = 300
	MaxAheadSeconds = 60
	MinimumKeyBytes = 32
)

// ErrKeyRefused wraps every reason a key is refused.
var ErrKeyRefused = errors.New("signing key refused")

var (
	hexText   = regexp.MustCompile(`^[0-9A-Fa-f]+$`)
	base64Txt = regexp.MustCompile(`^[A-Za-z0-9+/]*={0,2}$`)
	scoreText = regexp.MustCompile(`^(0|[1-9][0-9]{0,2})$`)
	timeText  = regexp.MustCompile(`^(0|[1-9][0-9]{0,11})$`)
)

// Verdict is what the gateway concluded, when Verified; otherwise Failure says why not
// (unsigned, incomplete, malformed, expired, future or mismatch).
type Verdict struct {
	Verified bool
	Score    int
	Verdict  string
	Reasons  []string
	Degraded bool
	Failure  string
}

// Verifier checks requests with one key.
type Verifier struct {
	key []byte
}

// ParseKey returns the key's bytes: base64 (padded, standard alphabet, surrounding whitespace ignored) of at least 32 bytes.
func ParseKey(text string) ([]byte, error) {
	trimmed := strings.TrimSpace(text)
	switch {
	case trimmed == "":
		return nil, fmt.Errorf("%w: missing", ErrKeyRefused)
	case hexText.MatchString(trimmed):
		return nil, fmt.Errorf("%w: hex digits, not base64: give the same bytes as base64", ErrKeyRefused)
	case len(trimmed)%4 != 0 || !base64Txt.MatchString(trimmed):
		return nil, fmt.Errorf("%w: not base64", ErrKeyRefused)
	}
	key, err := base64.StdEncoding.DecodeString(trimmed)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64", ErrKeyRefused)
	}
	if len(key) < MinimumKeyBytes {
		return nil, fmt.Errorf("%w: too short: %d bytes, needs at least %d", ErrKeyRefused, len(key), MinimumKeyBytes)
	}
	return key, nil
}

// New returns a verifier for the key text, or an error wrapping ErrKeyRefused.
func New(keyText string) (*Verifier, error) {
	key, err := ParseKey(keyText)
	if err != nil {
		return nil, err
	}
	return &Verifier{key: key}, nil
}

// single is the one value of a header, or false when it is absent or repeated (the gateway writes each once).
func single(header http.Header, name string) (string, bool) {
	values := header.Values(name)
	if len(values) != 1 {
		return "", false
	}
	return values[0], true
}

// Verify checks the X-Bot-* headers of a request received as method and rawTarget at now.
func (v *Verifier) Verify(header http.Header, method, rawTarget string, now time.Time) Verdict {
	signature, hasSignature := single(header, "X-Bot-Signature")
	score, hasScore := single(header, "X-Bot-Score")
	verdict, hasVerdict := single(header, "X-Bot-Verdict")
	timestamp, hasTimestamp := single(header, "X-Bot-Timestamp")
	if !hasSignature && !hasScore && !hasVerdict && !hasTimestamp {
		return Verdict{Failure: "unsigned"}
	}
	if !hasSignature || !hasScore || !hasVerdict || !hasTimestamp {
		return Verdict{Failure: "incomplete"}
	}
	// Only the spelling the gateway writes ("094" or "+94" would parse as 94).
	if !scoreText.MatchString(score) || !timeText.MatchString(timestamp) {
		return Verdict{Failure: "malformed"}
	}
	signedAt, _ := strconv.ParseInt(timestamp, 10, 64)
	age := now.Unix() - signedAt
	if age > MaxAgeSeconds {
		return Verdict{Failure: "expired"}
	}
	if age < -MaxAheadSeconds {
		return Verdict{Failure: "future"}
	}
	reasons, _ := single(header, "X-Bot-Reasons")
	degraded, _ := single(header, "X-Bot-Degraded")
	canonical := strings.Join([]string{"v1", score, verdict, reasons, degraded, strings.ToUpper(method), rawTarget, timestamp}, "\n")
	mac := hmac.New(sha256.New, v.key)
	mac.Write([]byte(canonical))
	expected := "v1=" + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(expected), []byte(signature)) {
		return Verdict{Failure: "mismatch"}
	}
	result := Verdict{Verified: true, Verdict: verdict, Reasons: []string{}, Degraded: degraded != ""}
	result.Score, _ = strconv.Atoi(score)
	if reasons != "" {
		result.Reasons = strings.Split(reasons, ",")
	}
	return result
}
