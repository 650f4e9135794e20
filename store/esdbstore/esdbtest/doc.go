// Package esdbtest is an in-process KurrentDB (EventStoreDB) server for tests:
// it serves the parts of the gRPC Streams service that EventStore-Client-Go
// v4 (esdb.Client, pinned at v4.2.0) uses, over real gRPC on a loopback port,
// so that tests run the real client library against it. It is used only by
// tests of other packages; nothing in production imports it.
//
//	srv := esdbtest.New(t)
//	cfg, _ := esdb.ParseConnectionString(srv.URL()) // esdb://127.0.0.1:PORT?tls=false
//	client, _ := esdb.NewClient(cfg)
//
// # Implemented, following KurrentDB's documented behaviour
//
// Log and positions. One in-memory log. Each stream has revisions 0..n; $all
// is the order of writes. An event's commit and prepare positions are equal
// and are its byte offset in the log, so they grow strictly, by the event's
// size, and the first event is not at 0. A fresh server already has system
// events in $all (metadata of $$$scavenges and of its $stats stream, and a
// $statsCollected event); WriteStats, or Config.StatsInterval, adds more.
// Readers of $all must filter out streams starting with "$".
//
// Append (client-streaming: the options, then the proposed events). The
// events of one append are written atomically. Expected revisions any,
// no_stream, stream_exists and an exact revision are checked; a mismatch is
// answered with WrongExpectedVersion carrying the expected and current
// revision (or no stream), which the client reports as
// esdb.ErrorCodeWrongExpectedVersion. Idempotency by event ID follows the
// server's commit check: an append whose expected revision is behind the
// stream, and whose event IDs are exactly the events that follow that
// revision, is acknowledged (same revision and position) without writing
// again; a partial match is a wrong expected version. With any or
// stream_exists, the check starts where the first proposed ID already is in
// the stream. The "type" and "content-type" metadata are required; the server
// adds "created" (100 ns ticks since the Unix epoch) on read. An append larger
// than Config.MaxAppendSize (default 1 MiB, counting data and custom
// metadata) fails with InvalidArgument and the trailer
// exception=maximum-append-size-exceeded, which the client reports as
// esdb.ErrorCodeUnknown carrying the server's message; nothing is written.
// The success response carries the last event's revision and position.
//
// Read (server-streaming) of a stream or of $all, forwards or backwards, from
// start, end, a revision or a position, with a count. Reading $all forwards
// from a position includes the event at it; backwards starts with the event
// before it. A stream read is inclusive of the revision in both directions. A
// missing stream is answered with StreamNotFound (esdb.ErrorCodeResourceNotFound).
// Event IDs are sent structured or as strings, as the request asks.
//
// Catch-up subscriptions to a stream or to $all (Read with subscription
// options): a confirmation, then the events after the starting point
// (exclusive of a given revision or position), then CaughtUp once, then live
// events as they are written, until the client cancels or the server stops.
// $all subscriptions accept the client's filters on stream name or event
// type, by prefixes or regex (Go regexp syntax, unanchored like .NET's
// IsMatch), and send a checkpoint every window × checkpoint-interval
// examined events (window: the max search window, default 32) at the
// position of the last examined event.
//
// ServerFeatures.GetSupportedMethods lists only Read and Append and reports
// version ServerVersion, so the client never tries BatchAppend.
//
// Faults. Stop (alias Down) closes the listener and cuts every connection:
// calls in flight fail with Unavailable and subscriptions drop, and new
// connections are refused. Restart serves the same data on the same address.
// FailNextAppendAfterWrite makes the next append be applied and then cuts its
// TCP connection before the response, so the client sees Unavailable and
// cannot know the outcome; re-sending the same event IDs with the same
// expected revision is then acknowledged idempotently.
//
// # Not implemented
//
//   - Delete, Tombstone and BatchAppend (Unimplemented); the Gossip,
//     Operations, Users, Projections and PersistentSubscriptions services, so
//     cluster discovery (gossip seeds, dns discovery) and persistent
//     subscriptions are not available: connect in single-node mode.
//   - Stream metadata semantics: $$stream appends are stored as plain events,
//     but $maxAge, $maxCount, $tb, ACLs and soft deletion are not applied.
//   - Authentication, authorization and TLS; "requires-leader" and
//     not-leader redirects (there is one node, always leader).
//   - Link events and resolve-links ($> events are stored like any other);
//     system projections ($ce-, $et- ... streams) are not produced.
//   - Transactions spanning streams; commit and prepare positions never differ.
//   - Reads never send first/last stream position messages (the v4.2.0
//     client does not ask for them and panics on them); subscriptions never
//     send FellBehind, because they read the log rather than a bounded live
//     buffer, and send no checkpoint on caught-up.
//   - The append size count and the event sizes behind positions are close to
//     the real server's, not byte-exact; idempotency is not bounded by a cache
//     as on the real server, where very old event IDs are forgotten.
//   - Persistence: Restart keeps the data in memory; Close drops it.
package esdbtest
