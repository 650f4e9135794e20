package htmlreport

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"html"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var keep = flag.String("keep", "", "directory to keep the browser test's sample.html and sample.png in, for a look")

// findChromium returns the path of a Chromium binary, or "" if there is none.
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	return ""
}

// measure is a script the test adds to the page: on load it measures the
// drawn marks of every chart (their count and the union of their SVG
// bounding boxes) and where the chart lies on the page, and writes one
// line per chart into <pre id="check">.
const measure = `<script>
addEventListener("load", function () {
  var out = ["page " + document.documentElement.scrollWidth + " " + document.documentElement.scrollHeight];
  document.querySelectorAll("figure.chart").forEach(function (f) {
    var svg = f.querySelector("svg.plot"), n = 0, x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
    svg.querySelectorAll(".mark").forEach(function (m) {
      var b = m.getBBox();
      if (b.width > 0 || b.height > 0) {
        n++; x0 = Math.min(x0, b.x); y0 = Math.min(y0, b.y);
        x1 = Math.max(x1, b.x + b.width); y1 = Math.max(y1, b.y + b.height);
      }
    });
    var r = svg.getBoundingClientRect();
    out.push(["chart", f.dataset.chart, f.dataset.kind, n, Math.round(Math.max(0, x1 - x0)), Math.round(Math.max(0, y1 - y0)),
      Math.round(r.left + scrollX), Math.round(r.top + scrollY), Math.round(r.width), Math.round(r.height)].join(" "));
  });
  var pre = document.createElement("pre");
  pre.id = "check";
  pre.textContent = out.join("\n");
  document.body.appendChild(pre);
});
</script>`

// drawnChart is one line of the check: what the browser drew for a chart.
type drawnChart struct {
	id, kind            string
	marks, markW, markH int
	x, y, w, h          int // the svg on the page, in CSS pixels
}

// TestChromiumRendersCharts renders a document with every chart kind in
// headless Chromium and checks that the charts were drawn: the browser
// measures the marks of every chart, and the screenshot must show each
// chart's colours inside that chart's box. Without Chromium the test
// skips, unless GOVLEDGER_REQUIRE_CHROMIUM=1.
func TestChromiumRendersCharts(t *testing.T) {
	bin := findChromium()
	if bin == "" {
		if os.Getenv("GOVLEDGER_REQUIRE_CHROMIUM") == "1" {
			t.Fatal("chromium not found (looked for chromium and chromium-browser on PATH and /usr/bin/chromium); " +
				"install it with: apt-get update && apt-get install -y chromium")
		}
		t.Skip("chromium not installed; set GOVLEDGER_REQUIRE_CHROMIUM=1 to make this a failure")
	}
	dir := t.TempDir()
	if *keep != "" {
		dir = *keep
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := Write(&buf, sampleDocument()); err != nil {
		t.Fatal(err)
	}
	page := strings.Replace(buf.String(), "</body>", measure+"\n</body>", 1)
	file := filepath.Join(dir, "sample.html")
	if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	const width = 1280
	dom := chromium(ctx, t, bin, fmt.Sprintf("--window-size=%d,1000", width), "--dump-dom", "file://"+file)
	charts, pageH := parseCheck(t, dom)
	want := map[string]struct {
		kind     string
		minMarks int
		colours  []string
	}{
		"on-time":       {"bar", 17, []string{palette[0], palette[1]}},
		"weekly":        {"line", 3 + 25, []string{palette[0], palette[1], palette[2]}},
		"citizen-clock": {"boxplot", 9 * 6, []string{palette[0], palette[5]}},
		"hops":          {"histogram", 10, []string{palette[0]}},
		"channels":      {"bar", 5, []string{palette[0]}},
		"returns":       {"bar", 10, []string{palette[0], palette[1]}},
		"handovers":     {"network", maxEdges*2 + 2, []string{oneWay, twoWays}},
		"turnout":       {"bar", 0, nil},
	}
	if len(charts) != len(want) {
		t.Fatalf("browser found %d charts, want %d:\n%s", len(charts), len(want), dom)
	}
	for _, c := range charts {
		w, ok := want[c.id]
		if !ok {
			t.Errorf("unexpected chart %q", c.id)
			continue
		}
		if c.kind != w.kind {
			t.Errorf("chart %s: kind %q, want %q", c.id, c.kind, w.kind)
		}
		if w.minMarks == 0 {
			if c.marks != 0 {
				t.Errorf("chart %s has no data but drew %d marks", c.id, c.marks)
			}
			continue
		}
		// The marks must be there and spread over a good part of the chart.
		if c.marks < w.minMarks || c.markW < c.w/3 || c.markH < 40 {
			t.Errorf("chart %s: %d visible marks over %dx%d px in a %dx%d chart, want >= %d marks over a third of its width",
				c.id, c.marks, c.markW, c.markH, c.w, c.h, w.minMarks)
		}
	}

	shot := filepath.Join(dir, "sample.png")
	chromium(ctx, t, bin, fmt.Sprintf("--window-size=%d,%d", width, pageH), "--screenshot="+shot, "file://"+file)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != width || b.Dy() != pageH {
		t.Fatalf("screenshot is %dx%d, want %dx%d (the device scale must be 1)", b.Dx(), b.Dy(), width, pageH)
	}
	for _, c := range charts {
		w := want[c.id]
		box := image.Rect(c.x, c.y, c.x+c.w, c.y+c.h)
		for _, col := range palette {
			n := countColour(img, box, col)
			expected := false
			for _, wc := range w.colours {
				expected = expected || wc == col
			}
			switch {
			case expected && n < 150:
				t.Errorf("chart %s: %d pixels of %s in its box %v of the screenshot, want >= 150", c.id, n, col, box)
			case w.minMarks == 0 && n > 0:
				t.Errorf("chart %s has no data but shows %d pixels of %s", c.id, n, col)
			}
		}
	}
	switch {
	case *keep != "":
		t.Logf("page and screenshot in %s", dir)
	case t.Failed():
		t.Log("rerun with -keep DIR to look at the page and the screenshot")
	}
}

// chromium runs headless Chromium with a throwaway profile and no network
// use of its own, and returns its standard output.
func chromium(ctx context.Context, t *testing.T, bin string, args ...string) string {
	t.Helper()
	profile := t.TempDir()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--hide-scrollbars", "--force-device-scale-factor=1", "--user-data-dir=" + profile}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+profile)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

var checkRe = regexp.MustCompile(`(?s)<pre id="check">(.*?)</pre>`)

// parseCheck reads the lines the measure script wrote.
func parseCheck(t *testing.T, dom string) (charts []drawnChart, pageH int) {
	t.Helper()
	m := checkRe.FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("the page's check did not run; the DOM was:\n%.2000s", dom)
	}
	for _, line := range strings.Split(html.UnescapeString(m[1]), "\n") {
		f := strings.Fields(line)
		ints := func(from int) []int {
			var out []int
			for _, s := range f[from:] {
				n, err := strconv.Atoi(s)
				if err != nil {
					t.Fatalf("check line %q: %v", line, err)
				}
				out = append(out, n)
			}
			return out
		}
		switch {
		case len(f) == 3 && f[0] == "page":
			pageH = ints(1)[1]
		case len(f) == 10 && f[0] == "chart":
			n := ints(3)
			charts = append(charts, drawnChart{id: f[1], kind: f[2], marks: n[0], markW: n[1], markH: n[2],
				x: n[3], y: n[4], w: n[5], h: n[6]})
		default:
			t.Fatalf("check line %q", line)
		}
	}
	if pageH <= 0 || pageH > 20000 {
		t.Fatalf("page height %d", pageH)
	}
	return charts, pageH
}

// countColour counts the pixels in box within a small distance of the
// colour hex ("#rrggbb"). Anti-aliased edges and translucent links blend
// with white, so the match is on hue-preserving closeness, not equality.
func countColour(img image.Image, box image.Rectangle, hex string) int {
	v, _ := strconv.ParseUint(hex[1:], 16, 32)
	cr, cg, cb := int(v>>16), int(v>>8&0xff), int(v&0xff)
	n := 0
	box = box.Intersect(img.Bounds())
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			dr, dg, db := int(r>>8)-cr, int(g>>8)-cg, int(b>>8)-cb
			if dr*dr+dg*dg+db*db < 24*24 {
				n++
			}
		}
	}
	return n
}
