// Package xes reads and writes event logs in XES (IEEE 1849-2016), the
// format of process-mining tools (ProM, Disco, PM4Py, Celonis).
//
// A Reader streams a log, plain or gzip-compressed, trace by trace, with
// bounded memory: it never holds more than one trace, and a trace longer
// than interop.MaxTraceEvents, or larger than ReaderConfig.MaxTraceBytes,
// is skipped without being held. Standard
// attributes (concept:name, lifecycle:transition, org:resource, org:role,
// org:group, concept:instance, time:timestamp) become the fields of an
// interop.Event; every other attribute is kept typed, in source order, with
// its lexical value and nested children. Logs written by OpenXES/ProM
// (XES 1.0, deckfour extension URIs), Disco and PM4Py read alike, since
// attributes are looked up by key only.
//
// Write streams a ledger out as XES 1849-2016, one trace per case stream
// and per imported trace stream; an imported log exports to an equivalent
// log.
//
// # XML
//
// The reader has its own streaming XML scanner, several times faster than
// encoding/xml. It checks well-formedness and agrees with encoding/xml on
// what it accepts, except where it is deliberately stricter:
//
//   - a DOCTYPE with an internal subset ([...], where entities are
//     declared) is refused, so entity expansion ("billion laughs") cannot
//     happen; a DOCTYPE without one is skipped, and only before the root
//     element;
//   - only the five predefined entities and character references are
//     accepted (as in encoding/xml), and a reference must name an XML
//     character (encoding/xml lets surrogates such as &#xD800; through);
//   - exactly one root element, no text or CDATA outside it;
//   - no duplicate attributes in an element, whitespace between
//     attributes;
//   - the XML declaration must declare version 1.0 and UTF-8 (or no
//     encoding); other encodings are refused;
//   - elements nest at most 256 deep, an element has at most 256
//     attributes, and one token (a tag, a text run, a comment) is at most
//     ReaderConfig.MaxTokenBytes.
//
// Like encoding/xml, it normalises line ends (CR LF and CR to LF) but not
// other whitespace in attribute values, and it does not resolve
// namespaces: "concept:name" is a key, whatever the extension's URI.
package xes
