package htmlreport

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/govledger/govledger/projections"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// render writes doc and fails the test on error.
func render(t *testing.T, doc Document) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, doc); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.String()
}

// allowedTags are the only elements the page may contain: anything else
// came from a report string that was not escaped.
var allowedTags = map[string]bool{
	"html": true, "head": true, "meta": true, "title": true, "style": true, "body": true, "header": true,
	"div": true, "h1": true, "h2": true, "p": true, "nav": true, "ol": true, "ul": true, "li": true, "a": true,
	"main": true, "section": true, "code": true, "figure": true, "figcaption": true, "table": true,
	"thead": true, "tbody": true, "tr": true, "th": true, "td": true, "details": true, "summary": true,
	"dl": true, "dt": true, "dd": true, "footer": true,
	"svg": true, "g": true, "line": true, "rect": true, "text": true, "path": true, "circle": true,
}

var (
	tagStartRe = regexp.MustCompile(`<[/a-zA-Z!]`)
	// tagRe is a whole tag as this package writes them: every attribute
	// value double-quoted, so a quote inside a value must be escaped.
	tagRe  = regexp.MustCompile(`^<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z][a-zA-Z0-9:-]*(?:="[^"<>]*")?)*)\s*/?>`)
	attrRe = regexp.MustCompile(`\s+([a-zA-Z][a-zA-Z0-9:-]*)`)
)

// checkMarkup fails if the page holds an element the package does not
// write, an event handler attribute, a tag it cannot read, or invalid
// UTF-8: what an unescaped hostile string would leave.
func checkMarkup(t *testing.T, page string) {
	t.Helper()
	for _, loc := range tagStartRe.FindAllStringIndex(page, -1) {
		rest := page[loc[0]:]
		if strings.HasPrefix(rest, "<!DOCTYPE html>") {
			continue
		}
		m := tagRe.FindStringSubmatch(rest)
		if m == nil {
			t.Errorf("malformed tag at %q", rest[:min(len(rest), 80)])
			continue
		}
		if !allowedTags[strings.ToLower(m[2])] {
			t.Errorf("page holds a <%s%s> element", m[1], m[2])
		}
		for _, a := range attrRe.FindAllStringSubmatch(regexp.MustCompile(`="[^"]*"`).ReplaceAllString(m[3], ""), -1) {
			if strings.HasPrefix(strings.ToLower(a[1]), "on") {
				t.Errorf("page holds an event handler %q in %q", a[1], m[0])
			}
		}
	}
	if !utf8.ValidString(page) {
		t.Error("page is not valid UTF-8")
	}
}

func TestEscapesHostileStrings(t *testing.T) {
	attacks := []string{
		`<script>alert(1)</script>`,
		`"><img src=x onerror=alert(1)>`,
		`'><svg onload=alert(1)>`,
		`</style><script>alert(1)</script>`,
		`</text></svg><iframe src="javascript:alert(1)">`,
		"bad utf-8 \xff\xfe <b>",
	}
	for i, a := range attacks {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			ser := []projections.Series{{Name: a, Points: []projections.Point{{X: a, Y: 3}, {X: "ok", Y: 1}}}}
			box := []projections.Series{{Name: a, Points: []projections.Point{{X: "min", Y: 1}, {X: "p50", Y: 2}, {X: "p90", Y: 3}, {X: "p95", Y: 4}, {X: "p99", Y: 9}}}}
			r := &projections.Report{
				Projection: a, Digest: a, Title: a,
				Columns: []projections.Column{{Key: a, Title: a, Kind: projections.KindText, Note: a}, {Key: "n", Title: "n", Kind: projections.KindCount}},
				Rows:    [][]any{{a, int64(1)}, {json.Number(a), a}},
				Charts: []projections.Chart{
					{Kind: "bar", ID: a, Title: a, XLabel: a, YLabel: a, Series: ser},
					{Kind: "line", ID: a, Title: a, XLabel: a, YLabel: a, Series: ser},
					{Kind: "histogram", ID: a, Title: a, XLabel: a, YLabel: a, Series: ser},
					{Kind: "boxplot", ID: a, Title: a, YLabel: a, Series: box},
					{Kind: "network", ID: a, Title: a, Nodes: []string{a, "b"}, Edges: []projections.Edge{{From: a, To: "b", Weight: 2, Label: a}, {From: "b", To: a, Weight: 1}}},
					{Kind: a, ID: a, Title: a},
				},
				Notes: []string{a},
			}
			page := render(t, Document{Title: a, Subtitle: a, GeneratedAt: a, Lang: a, Reports: []*projections.Report{r, r}})
			checkMarkup(t, page)
			if a == attacks[0] && !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Error("the hostile string is not shown, escaped, as text")
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	a := render(t, sampleDocument())
	b := render(t, sampleDocument())
	if a != b {
		t.Fatal("the same document gave different pages")
	}
	// The sample exercises every chart kind, so this is not vacuous.
	for _, kind := range []string{"bar", "line", "histogram", "boxplot", "network"} {
		if !strings.Contains(a, `data-kind="`+kind+`"`) {
			t.Errorf("sample has no %s chart", kind)
		}
	}
}

func TestSelfContained(t *testing.T) {
	page := render(t, sampleDocument())
	checkMarkup(t, page)
	for _, bad := range []string{"http:", "https:", "//", "src=", "url(", "@import", "<link", "<script", "<img"} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("page refers to something outside itself: contains %q", bad)
		}
	}
	for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(m[1], "#") {
			t.Errorf("link out of the page: %q", m[1])
		}
	}
}

func TestEmptyInputs(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	pts := func(ys ...float64) []projections.Point {
		var p []projections.Point
		for i, y := range ys {
			p = append(p, projections.Point{X: fmt.Sprint("x", i), Y: y})
		}
		return p
	}
	tests := []struct {
		name   string
		chart  projections.Chart
		noData bool // the chart must say it has nothing to draw
	}{
		{"bar without series", projections.Chart{Kind: "bar"}, true},
		{"bar with an empty series", projections.Chart{Kind: "bar", Series: []projections.Series{{Name: "a"}}}, true},
		{"bar with only NaN and Inf", projections.Chart{Kind: "bar", Series: []projections.Series{{Points: pts(nan, inf)}}}, true},
		{"bar of zeros", projections.Chart{Kind: "bar", Series: []projections.Series{{Points: pts(0, 0, 0)}}}, false},
		{"bar of negatives", projections.Chart{Kind: "bar", Series: []projections.Series{{Points: pts(-3, -1, 2)}}}, false},
		{"line without series", projections.Chart{Kind: "line"}, true},
		{"line of one point", projections.Chart{Kind: "line", Series: []projections.Series{{Name: "a", Points: pts(5)}}}, false},
		{"line of zeros", projections.Chart{Kind: "line", Series: []projections.Series{{Points: pts(0, 0)}}}, false},
		{"histogram without buckets", projections.Chart{Kind: "histogram", Series: []projections.Series{{}}}, true},
		{"histogram of one bucket", projections.Chart{Kind: "histogram", Series: []projections.Series{{Points: pts(7)}}}, false},
		{"boxplot without series", projections.Chart{Kind: "boxplot"}, true},
		{"boxplot without quantiles", projections.Chart{Kind: "boxplot", Series: []projections.Series{{Name: "u", Points: pts(1, 2)}}}, true},
		{"boxplot of only p50", projections.Chart{Kind: "boxplot", Series: []projections.Series{{Name: "u", Points: []projections.Point{{X: "p50", Y: 2}}}}}, false},
		{"boxplot of zeros", projections.Chart{Kind: "boxplot", Series: []projections.Series{{Name: "u", Points: []projections.Point{{X: "min", Y: 0}, {X: "p50", Y: 0}, {X: "p99", Y: 0}}}}}, false},
		{"network without edges", projections.Chart{Kind: "network", Nodes: []string{"a", "b"}}, true},
		{"network of zero weights", projections.Chart{Kind: "network", Edges: []projections.Edge{{From: "a", To: "b"}}}, true},
		{"network of one self-loop", projections.Chart{Kind: "network", Edges: []projections.Edge{{From: "a", To: "a", Weight: 3}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.chart.ID, tt.chart.Title = "c", "chart"
			r := &projections.Report{Title: "r", Charts: []projections.Chart{tt.chart}}
			page := render(t, Document{Reports: []*projections.Report{r}})
			checkMarkup(t, page)
			for _, bad := range []string{"NaN", "Inf", "-0 ", `="-0"`} {
				if strings.Contains(page, bad) {
					t.Errorf("page contains %q", bad)
				}
			}
			if got := strings.Contains(page, "No data to draw."); got != tt.noData {
				t.Errorf("says no data: %v, want %v", got, tt.noData)
			}
			if !tt.noData && !strings.Contains(page, `class="mark`) {
				t.Error("chart drew no marks")
			}
		})
	}
	t.Run("no reports", func(t *testing.T) {
		page := render(t, Document{})
		if !strings.Contains(page, "No reports.") || !strings.Contains(page, "<title>govledger report</title>") {
			t.Errorf("empty document:\n%s", page)
		}
	})
	t.Run("report without rows", func(t *testing.T) {
		page := render(t, Document{Reports: []*projections.Report{{Projection: "x/v1"}}})
		if !strings.Contains(page, "No rows") || !strings.Contains(page, "<h2>x/v1</h2>") {
			t.Errorf("empty report:\n%s", page)
		}
	})
	t.Run("ragged rows", func(t *testing.T) {
		r := &projections.Report{Columns: []projections.Column{{Key: "a", Kind: projections.KindText}, {Key: "b", Kind: projections.KindRate}},
			Rows: [][]any{{"only"}, {"x", 0.5, "extra"}}}
		page := render(t, Document{Reports: []*projections.Report{r}})
		if !strings.Contains(page, `<tr><td>only</td><td class="null">—</td><td class="null">—</td></tr>`) {
			t.Errorf("short row not padded with nulls:\n%s", page)
		}
	})
}

func TestNilReport(t *testing.T) {
	err := Write(&bytes.Buffer{}, Document{Reports: []*projections.Report{{}, nil}})
	if !errors.Is(err, ErrNilReport) || !strings.Contains(err.Error(), "Reports[1]") {
		t.Fatalf("got %v, want ErrNilReport naming Reports[1]", err)
	}
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

func TestWriteError(t *testing.T) {
	boom := errors.New("disk full")
	if err := Write(failWriter{boom}, sampleDocument()); !errors.Is(err, boom) {
		t.Fatalf("got %v, want the writer's error", err)
	}
}

func TestCells(t *testing.T) {
	tests := []struct {
		name, kind string
		dec        int
		v          any
		want       cell
	}{
		{"null", projections.KindRate, 0, nil, cell{"—", "null"}},
		{"rate", projections.KindRate, 0, 0.8523, cell{"85.2%", "n"}},
		{"rate one", projections.KindRate, 0, 1.0, cell{"100.0%", "n"}},
		{"rate zero", projections.KindRate, 0, 0.0, cell{"0.0%", "n"}},
		{"hours", projections.KindHours, 0, 12.3456, cell{"12.3", "n"}},
		{"hours half up", projections.KindHours, 0, 30.25, cell{"30.3", "n"}},
		{"hours grouped", projections.KindHours, 0, 1234.56, cell{"1,234.6", "n"}},
		{"count", projections.KindCount, 0, int64(1234567), cell{"1,234,567", "n"}},
		{"negative count", projections.KindCount, 0, int64(-1234), cell{"-1,234", "n"}},
		{"count from JSON", projections.KindCount, 0, 12.0, cell{"12", "n"}},
		{"json.Number", projections.KindCount, 0, json.Number("4000"), cell{"4,000", "n"}},
		{"number", projections.KindNumber, 2, 1.4211, cell{"1.42", "n"}},
		{"negative zero", projections.KindNumber, 2, -0.001, cell{"0.00", "n"}},
		{"NaN", projections.KindHours, 0, math.NaN(), cell{"—", "null"}},
		{"text", projections.KindText, 0, "a < b", cell{"a < b", ""}},
		{"bool", projections.KindText, 0, true, cell{"yes", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatCell(tt.kind, tt.dec, tt.v); got != tt.want {
				t.Errorf("formatCell(%q, %d, %v) = %+v, want %+v", tt.kind, tt.dec, tt.v, got, tt.want)
			}
		})
	}
}

func TestDecimals(t *testing.T) {
	tests := []struct {
		name string
		col  []any
		want int
	}{
		{"whole numbers", []any{int64(3), 2.0, nil}, 0},
		{"fractions", []any{1.5, int64(2), nil}, 2},
		{"small fractions", []any{1.5, 0.0012}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rows [][]any
			for _, v := range tt.col {
				rows = append(rows, []any{"x", v})
			}
			if got := decimals(rows, 1); got != tt.want {
				t.Errorf("decimals = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestCaps(t *testing.T) {
	var bars projections.Series
	for i := range 45 {
		bars.Points = append(bars.Points, projections.Point{X: fmt.Sprintf("unit-%02d", i), Y: float64(i)})
	}
	var edges []projections.Edge
	for i := range 50 {
		edges = append(edges, projections.Edge{From: fmt.Sprint("n", i%7), To: fmt.Sprint("m", i), Weight: float64(i + 1)})
	}
	var boxes []projections.Series
	for i := range 40 {
		boxes = append(boxes, projections.Series{Name: fmt.Sprint("u", i), Points: []projections.Point{{X: "p50", Y: 1}, {X: "p99", Y: float64(i)}}})
	}
	tests := []struct {
		name    string
		chart   projections.Chart
		caption string
		marks   string // a mark that must appear exactly count times
		count   int
	}{
		{"bar", projections.Chart{Kind: "bar", Series: []projections.Series{bars}},
			"Showing the 30 largest of 45 categories", `<rect class="mark"`, 30},
		{"network", projections.Chart{Kind: "network", Edges: edges},
			"Showing the 30 heaviest of 50 links", `<path class="mark link"`, 30},
		{"boxplot", projections.Chart{Kind: "boxplot", Series: boxes},
			"Showing the 30 of 40 rows with the longest tails", `<line class="mark median"`, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := drawChart(tt.chart)
			if !strings.Contains(strings.Join(d.caption, " "), tt.caption) {
				t.Errorf("caption %q, want it to say %q", d.caption, tt.caption)
			}
			if n := strings.Count(d.svg, tt.marks); n != tt.count {
				t.Errorf("%d marks %s, want %d", n, tt.marks, tt.count)
			}
		})
	}
	t.Run("largest kept", func(t *testing.T) {
		d := drawChart(projections.Chart{Kind: "bar", Series: []projections.Series{bars}})
		if !strings.Contains(d.svg, ">unit-44<") || strings.Contains(d.svg, ">unit-14<") {
			t.Error("the cap did not keep the 30 largest bars")
		}
	})
}

func TestNiceScale(t *testing.T) {
	tests := []struct {
		lo, hi float64
		ticks  string
	}{
		{0, 1, "0.0 0.2 0.4 0.6 0.8 1.0"},
		{0, 0.87, "0.0 0.2 0.4 0.6 0.8 1.0"},
		{0, 4210, "0 1,000 2,000 3,000 4,000 5,000"},
		{-3, 2, "-3 -2 -1 0 1 2"},
		{0, 0, "0.0 0.2 0.4 0.6 0.8 1.0"},
		{5, 5, "0 1 2 3 4 5"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.lo, "..", tt.hi), func(t *testing.T) {
			sc := niceScale(tt.lo, tt.hi, 5, 0, 100)
			var got []string
			for _, v := range sc.ticks {
				got = append(got, sc.tickText(v))
			}
			if s := strings.Join(got, " "); s != tt.ticks {
				t.Errorf("ticks %q, want %q", s, tt.ticks)
			}
			if sc.at(sc.lo) != 0 || sc.at(sc.hi) != 100 {
				t.Errorf("scale maps [%v, %v] to [%v, %v]", sc.lo, sc.hi, sc.at(sc.lo), sc.at(sc.hi))
			}
		})
	}
}

func TestMergedCategoryOrder(t *testing.T) {
	tab := tabulate([]projections.Series{
		{Points: []projections.Point{{X: "a"}, {X: "c"}}},
		{Points: []projections.Point{{X: "a"}, {X: "b"}, {X: "c"}, {X: "d"}}},
	}, false)
	if got := strings.Join(tab.cats, ","); got != "a,b,c,d" {
		t.Errorf("categories %s, want a,b,c,d", got)
	}
	periods := tabulate([]projections.Series{
		{Points: []projections.Point{{X: "2026-W45"}, {X: "2026-W47"}}},
		{Points: []projections.Point{{X: "2026-W44"}, {X: "2026-W46"}}},
	}, true)
	if got := strings.Join(periods.cats, ","); got != "2026-W44,2026-W45,2026-W46,2026-W47" {
		t.Errorf("periods %s, want them in order", got)
	}
}

// TestGolden pins the whole page of a small document; run with -update
// after an intended change and review the diff.
func TestGolden(t *testing.T) {
	r := &projections.Report{
		Projection: "timeliness/v1", Position: 1234, Digest: "ab12",
		Title: "On-time by unit",
		Query: projections.Query{By: projections.ByUnit, Period: projections.PeriodMonth},
		Columns: []projections.Column{
			{Key: "unit", Title: "Unit", Kind: projections.KindText},
			{Key: "cases", Title: "Cases", Kind: projections.KindCount, Note: "Cases reported."},
			{Key: "on_time_rate", Title: "On-time", Kind: projections.KindRate, Note: "On time / resolved."},
			{Key: "p50_citizen_h", Title: "p50 (h)", Kind: projections.KindHours},
		},
		Rows: [][]any{{"st-01", int64(12), 0.75, 30.25}, {"st-02", int64(0), nil, nil}},
		Charts: []projections.Chart{{Kind: "bar", ID: "on-time", Title: "On-time rate", YLabel: "rate",
			Series: []projections.Series{{Name: "on-time", Points: []projections.Point{{X: "st-01", Y: 0.75}}}}}},
		Notes: []string{"Attributed to the handling unit."},
	}
	page := render(t, Document{Title: "Golden", Subtitle: "position 1234", GeneratedAt: "2026-12-01 08:00 +08:00",
		Reports: []*projections.Report{r}})
	path := filepath.Join("testdata", "small.html")
	if *update {
		if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if page != string(want) {
		t.Errorf("page differs from %s (run with -update and review the diff); got:\n%s", path, page)
	}
}

func TestRatesAreDrawnAsPercentages(t *testing.T) {
	c := projections.Chart{Kind: "bar", ID: "r", Title: "rates", YKind: projections.KindRate,
		Series: []projections.Series{{Name: "on time", Points: []projections.Point{{X: "roads", Y: 0.925}, {X: "water", Y: 0.5}}}}}
	var b strings.Builder
	if err := Write(&b, Document{Reports: []*projections.Report{{Projection: "x/v1", Title: "t", Charts: []projections.Chart{c}}}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{">92.5%<", ">50%<"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("a rate chart lacks the label %s", want)
		}
	}
	if strings.Contains(b.String(), ">0.93<") {
		t.Error("a rate is labelled as a fraction")
	}
}
