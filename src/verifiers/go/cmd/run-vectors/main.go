// Command run-vectors runs package botverify over a vector file: it prints "name TAB outcome" per vector
// (valid, invalid, key-refused). From src/verifiers/go: go run ./cmd/run-vectors ../test-vectors.json
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	botverify "linkgateway.local/verifier"
)

type vector struct {
	Name    string            `json:"name"`
	Key     string            `json:"key"`
	Method  string            `json:"method"`
	Target  string            `json:"target"`
	Now     int64             `json:"now"`
	Headers map[string]string `json:"headers"`
}

func outcome(v vector) string {
	verifier, err := botverify.New(v.Key)
	if errors.Is(err, botverify.ErrKeyRefused) {
		return "key-refused"
	}
	header := http.Header{}
	for name, value := range v.Headers {
		header.Add(name, value)
	}
	if verifier.Verify(header, v.Method, v.Target, time.Unix(v.Now, 0)).Verified {
		return "valid"
	}
	return "invalid"
}

func main() {
	text, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var file struct {
		Vectors []vector `json:"vectors"`
	}
	if err := json.Unmarshal(text, &file); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, v := range file.Vectors {
		fmt.Printf("%s\t%s\n", v.Name, outcome(v))
	}
}
