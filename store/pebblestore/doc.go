// Package pebblestore is govledger's embedded default store.Store, built on
// Pebble (github.com/cockroachdb/pebble/v2) with the write-ahead log on.
//
// # Guarantees
//
// Append returns nil only after its events are in a synced WAL write
// (pebble.Sync): acknowledged means durable. Readers never see events that
// are not yet acknowledged: every read is bounded by the durable head, so a
// projection following the log cannot get ahead of what survives a crash.
//
// # Group commit
//
// One writer goroutine owns every append. Callers encode and check their
// events in their own goroutines (store.CheckAppend, stream names, the
// record size limits of package events, and that every Hash is the SHA-256
// of the event's canonical body), then hand the request to the writer. The
// writer drains every pending request (up to Config.MaxGroupEvents events),
// validates each one against the stored state and the requests before it in
// the same group (expected version, first PrevHash against the stream's last
// hash, event IDs), writes the valid ones into one Pebble batch and commits
// it with a single WAL sync. A request that fails validation fails alone;
// the others in the group commit. What validation needs from disk (which
// IDs exist, the heads of uncached streams) is read once per group by
// merging the group's sorted keys with one iterator per keyspace.
//
// While a group's WAL sync is in flight, the writer accumulates the next
// group (the WAL could not sync it sooner); when the sync ends it waits
// briefly for the callers it just answered, so that closed-loop writers
// keep sharing one sync instead of alternating between two. A separate
// goroutine waits for each sync and answers the group's callers.
//
// If a commit fails (the disk refused a write or a sync), the store stops
// accepting appends (ErrFailed) and must be reopened: its in-memory view of
// the streams can no longer be trusted.
//
// # Key layout (format 1)
//
// Every key starts with a one-byte keyspace prefix; integers are 8-byte
// big-endian so that byte order is numeric order. Iterators are always
// bounded to one keyspace (or one stream within 'S').
//
//	'L' pos(8)                       -> record (events.AppendRecord: body || hash)
//	'S' stream 0x00 version(8)       -> pos(8)
//	'I' ulid(16)                     -> pos(8)
//	'M' "format"                     -> "govledger.pebblestore" format(1)
//
// Positions start at 1 and have no gaps; the head is the last 'L' key. A
// stream name never contains 0x00, so 'S' stream 0x00 is a prefix of that
// stream's keys only. The 'M' format marker is written when the store is
// created and checked at every Open: a Pebble database with data but no
// marker, or with a marker of a newer format, is refused.
//
// # Reserved keyspaces
//
// Upper-case prefixes are the event keyspaces above and future versions of
// them. The lower-case prefixes 'a' to 'z' are side keyspaces for data kept
// next to the events in the same database and reached through Side: 'c' is
// reserved for projection checkpoints, 'k' for subject keys (package
// privacy), 'm' for the Merkle log and its signed checkpoints, and 'x' for
// a cluster node's position index (package esdbstore). Side data
// never touches the event keyspaces and is not bounded by the durable head.
// Every other prefix byte is reserved.
package pebblestore
