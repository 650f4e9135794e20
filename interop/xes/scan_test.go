package xes

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// scanStructure lists the elements the scanner reports, one string per
// start ("<name a=v ...") or end ("</name").
func scanStructure(r io.Reader, maxTok int) ([]string, error) {
	s := newScanner(r, maxTok)
	var out []string
	for {
		err := s.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if s.kind == tokEnd {
			out = append(out, "</"+string(s.name))
			continue
		}
		var b strings.Builder
		b.WriteString("<" + string(s.name))
		for _, a := range s.attrs {
			b.WriteString(" " + string(a.name) + "=" + string(a.value))
		}
		out = append(out, b.String())
	}
}

// stdStructure lists the elements encoding/xml reports, in the same form.
// It first reads data with Token, which (unlike RawToken) checks that
// end elements match.
func stdStructure(data []byte) ([]string, error) {
	check := xml.NewDecoder(bytes.NewReader(data))
	for {
		_, err := check.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	var out []string
	name := func(n xml.Name) string {
		if n.Space != "" {
			return n.Space + ":" + n.Local
		}
		return n.Local
	}
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var b strings.Builder
			b.WriteString("<" + name(t.Name))
			for _, a := range t.Attr {
				b.WriteString(" " + name(a.Name) + "=" + a.Value)
			}
			out = append(out, b.String())
		case xml.EndElement:
			out = append(out, "</"+name(t.Name))
		}
	}
}

// differ checks the scanner against encoding/xml on data: a document the
// scanner accepts must be accepted by encoding/xml with the same elements
// and attributes. (The scanner may refuse more: see the package doc.)
func differ(t testing.TB, data []byte) {
	t.Helper()
	got, err := scanStructure(bytes.NewReader(data), 0)
	if err != nil {
		return
	}
	want, serr := stdStructure(data)
	if serr != nil {
		t.Fatalf("scanner accepts what encoding/xml refuses (%v):\n%q", serr, data)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("structures differ for %q\nscanner:      %q\nencoding/xml: %q", data, got, want)
	}
	// The same through a reader that returns one byte at a time, so that
	// every token crosses a buffer refill, and with the smallest buffer.
	one, err := scanStructure(iotest.OneByteReader(bytes.NewReader(data)), 0)
	if err != nil || strings.Join(one, "\n") != strings.Join(got, "\n") {
		t.Fatalf("one byte at a time: %v, %q", err, one)
	}
}

func TestScannerMatchesEncodingXML(t *testing.T) {
	files, err := filepath.Glob("testdata/*.xes")
	if err != nil || len(files) == 0 {
		t.Fatal("no fixtures", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := scanStructure(bytes.NewReader(data), 0); err != nil {
				t.Fatalf("scanner refuses a fixture: %v", err)
			}
			differ(t, data)
		})
	}
	docs := map[string]string{
		"quotes":     `<a x='1"' y="2'"/>`,
		"entities":   `<a x="&lt;&gt;&amp;&apos;&quot;&#65;&#x42;"/>`,
		"line ends":  "<a x=\"1\r\n2\r3\"/>",
		"whitespace": "<a \n x = \"1\"\t/>",
		"cdata":      `<a><![CDATA[<not a tag>]]></a>`,
		"pi":         `<?xml version="1.0"?><?pi data?><a><?x y?></a>`,
		"comment":    `<!-- c --><a><!----></a>`,
		"namespaces": `<a xmlns="u" xmlns:p="v" p:x="1"><p:b/></a>`,
		"unicode":    `<日本 名="値"><é/></日本>`,
		"doctype":    `<!DOCTYPE a PUBLIC "x" "y"><a/>`,
		"bom":        "\xef\xbb\xbf<a/>",
		"text":       `<a>t &amp; u<b/>v</a>`,
	}
	for name, d := range docs {
		t.Run(name, func(t *testing.T) {
			if _, err := scanStructure(strings.NewReader(d), 0); err != nil {
				t.Fatalf("scanner refuses %q: %v", d, err)
			}
			differ(t, []byte(d))
		})
	}
}

// TestScannerRefusesWhatEncodingXMLRefuses checks documents that
// encoding/xml refuses are refused by the scanner too.
func TestScannerRefusesWhatEncodingXMLRefuses(t *testing.T) {
	docs := []string{
		`<a>`, `<a></b>`, `<a x="1></a>`, `<a x=1/>`, `<a x/>`, `<a>&bogus;</a>`, `<a x="<"/>`,
		`<1a/>`, `<a><!-- -- --></a>`, `<a>]]></a>`, "<a>\x00</a>", "<a x=\"\xc3\x28\"/>",
		`<?xml version="1.1"?><a/>`, `<a></a >x</a>`, `<a/ >`,
	}
	for _, d := range docs {
		t.Run(d, func(t *testing.T) {
			if _, err := stdStructure([]byte(d)); err == nil && d != `<a></a >x</a>` {
				t.Fatalf("encoding/xml accepts %q: pick another example", d)
			}
			if _, err := scanStructure(strings.NewReader(d), 0); err == nil {
				t.Fatalf("scanner accepts %q", d)
			}
		})
	}
}

// TestScannerSmallBuffer checks tokens that need the buffer to grow.
func TestScannerSmallBuffer(t *testing.T) {
	long := `<a x="` + strings.Repeat("é", 40000) + `"><b/></a>`
	got, err := scanStructure(iotest.HalfReader(strings.NewReader(long)), 0)
	if err != nil || len(got) != 4 {
		t.Fatalf("%v, %d tokens", err, len(got))
	}
	_, err = scanStructure(strings.NewReader(long), 1000)
	var se *syntaxError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "token longer than 1000 bytes") {
		t.Fatalf("err %v", err)
	}
}
