package overdue_test

import (
	"os"
	"strings"
	"testing"
)

// TestGuideQuotesTheCode keeps docs/write-a-projection.md honest: every Go
// block in it is quoted verbatim from this package or from the
// registration file, so the guide's code is code that compiles.
func TestGuideQuotesTheCode(t *testing.T) {
	guide, err := os.ReadFile("../../docs/write-a-projection.md")
	if err != nil {
		t.Fatal(err)
	}
	var sources strings.Builder
	for _, f := range []string{"overdue.go", "overdue_test.go", "../../cmd/govledger/builtins.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources.Write(b)
	}
	blocks := strings.Split(string(guide), "```go\n")[1:]
	if len(blocks) < 5 {
		t.Fatalf("the guide has %d Go blocks; it should show the projection", len(blocks))
	}
	for _, b := range blocks {
		code, _, ok := strings.Cut(b, "```")
		if !ok {
			t.Fatalf("unterminated Go block:\n%s", b)
		}
		if !strings.Contains(sources.String(), code) {
			t.Errorf("this block of the guide is not in the code:\n%s", code)
		}
	}
}
