// Package bundle writes and reads export bundles: a copy of a ledger in
// plain files that an inspector can verify and replay without the
// original, its store or its operator's machines.
//
// # Layout
//
// A bundle is a directory:
//
//	bundle.json                  what the bundle is (below)
//	events.jsonl                 the events, one per line, in global order
//	checkpoint.pub               the ledger's checkpoint verifier key, one line
//	checkpoints/<size>.checkpoint the signed checkpoints the ledger holds
//
// Files are regular files; a symlink anywhere in a bundle is refused.
// Other files in the directory are ignored.
//
// # events.jsonl
//
// One JSON object per line, ended by "\n", in ascending position order:
//
//	{"position":1,"id":"01JXC3B6Z7Q0N4V4V5TQ2V3R8S","stream":"registry/units","version":0,
//	 "type":"unit.registered","schema":1,"occurred_at":"2026-06-01T09:00:00.5+08:00",
//	 "recorded_at":"2026-06-01T01:00:00.500000001Z",
//	 "actor":{"kind":"system","id":"setup","unit":""},
//	 "data":{"unit":"dept-roads","name":"Roads"},
//	 "prev_hash":"0000…0000","hash":"9f2c…41ab"}
//
// (shown folded here; in the file each event is a single line). Members:
//
//   - position: the event's global position, a decimal integer from 1.
//   - id: the event ID, 26-character ULID text.
//   - stream, type: strings.
//   - version: the event's 0-based version in its stream.
//   - schema: the payload's schema version, 0..65535.
//   - occurred_at: the business time, RFC 3339 with the nanoseconds that
//     are not zero and the source's zone offset ("Z" for UTC, "+08:00",
//     "-03:30"). An offset with seconds, which RFC 3339 cannot express, is
//     written "+hh:mm:ss". Years are 0000..9999; "T" and "Z" are upper case.
//   - recorded_at: the ledger time in the same format, written in UTC.
//   - actor: an object with the strings kind, id and unit, all three
//     present (unit may be "").
//   - data: the payload bytes exactly as stored, written as they are when
//     they are one JSON value in compact form (valid UTF-8, no whitespace
//     outside strings, nested at most 512 deep), so that the line shows
//     the payload and its sealed personal fields as the ledger holds them;
//   - data_b64: instead of data, for any other payload bytes (empty, not
//     JSON, not compact): their standard base64 with padding. A line has
//     exactly one of data and data_b64.
//   - prev_hash, hash: the stream chain's previous hash and the event's
//     hash, 64 lowercase hex digits.
//
// Every member is required, no other member is allowed, and none may
// appear twice. Strings are JSON strings; text that is not valid UTF-8
// cannot be exported. A line is at most MaxLineBytes bytes, and its
// fields keep the ledger's limits (a payload of at most 64 KiB, a stream
// name of at most 200 bytes, identifiers of at most 128).
//
// Reading a line gives back every envelope field bit for bit: hashing
// events.AppendBody of the event read reproduces the hash the ledger
// sealed, so verification needs nothing but the bundle. Reading never
// re-encodes data: the bytes between "data": and the next member are the
// payload.
//
// # Lines that do not read, and the head
//
// A line that is not an event as above (bad JSON, a missing or unknown
// member, a hash that is not hex, a position that does not increase on
// the line before, a position beyond the head) is reported as a
// *LineError naming the file, the line number, the position and the
// member, which wraps events.ErrCorrupt, like a store record that does
// not decode. Such a line stands for the position after the previous
// line's, and a ReadAll from the position after it goes on with the next
// line, so that a verifier reports the bad line and checks the rest. A
// line that reads well but whose hash does not match its bytes is not a
// reading error: it is delivered, and verification reports it.
//
// The head (Bundle.Head) is what the events file holds, found by Open
// from the end of the file: the position of the last line that reads as
// an event, plus one for each line after it that does not (when none of
// the last 4 MiB reads, the whole file is read). Lines are read in order,
// and one holding a position beyond the head is itself a bad line, so a
// file cannot hide events beyond the head it declares.
//
// # checkpoint.pub and checkpoints/
//
// checkpoint.pub holds the ledger's verifier key in the signed-note
// format ("<origin>+<hash>+<key>") followed by a newline. Its name is the
// bundle's origin. It comes with the bundle, so it proves nothing by
// itself: an inspector compares it with the key the ledger's operator
// published, or verifies with that key instead.
//
// checkpoints/ holds each signed checkpoint the ledger kept that covers
// no more events than the bundle, in a file named by its size in decimal
// (checkpoints/1000.checkpoint), with the bytes as signed: a signed note
// whose body is "<origin>\n<size>\n<base64 root>\n" (see package
// integrity). A file is at most integrity.MaxCheckpointBytes. Open checks
// names and sizes only; Bundle.ParseCheckpoints checks the signatures
// under a key the caller trusts.
//
// # bundle.json
//
//	{
//	  "format": "govledger-bundle/1",
//	  "origin": "<the ledger's origin>",
//	  "events": <lines in events.jsonl>,
//	  "head": <the last position>,
//	  "events_sha256": "<hex SHA-256 of events.jsonl>",
//	  "checkpoints": [<sizes>],
//	  "created_by": "<program and version>"
//	}
//
// Every member is required and no other is allowed; a "format" other than
// Format is refused. The checkpoints listed must be the files in
// checkpoints/. The SHA-256 catches damage in transfer, nothing more: a
// forger edits it with the events. Integrity rests on the signed
// checkpoints, whose roots a verifier recomputes from the events, and the
// counts here are descriptive: readers compute what the events file holds.
//
// # Writing
//
// Write streams a source (a store or another bundle) into a temporary
// directory beside the target and renames it into place when complete:
// the target never holds half a bundle. Memory is bounded whatever the
// ledger's size.
package bundle
