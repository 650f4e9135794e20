// Package sim is a seeded, deterministic simulator of one urban district's
// case handling and community deliberation. It produces the events a month
// of real work would leave in the ledger: a unit registry and versioned
// responsibility lists; citizen requests from the hotline, the app, grid
// patrols, superior offices and enterprises; rule, manual, fallback and
// forced dispatches; returns with reasons and ping-pong between units;
// heavy-tailed, unit-dependent signing and handling times; contacts,
// extensions, resolutions, return-visit ratings (some invalid), reopenings,
// merged duplicates and closures, with a realistic backlog at the end; and
// community topics with eligible voters, ballots and exact tallies.
//
// Generate produces the drafts in time order without a ledger; Run writes
// them through a ledger.Importer in atomic batches, driving a Clock so that
// recorded times follow simulated time.
//
// # Determinism
//
// The same Config gives the same drafts, byte for byte, and therefore the
// same ledger (event hashes included) when Run drives the ledger's clock
// and the ledger's key store draws its subject keys from KeySource (the
// reporters' descriptions and addresses are sealed under those keys).
// All randomness comes from one PCG stream seeded by Config.Seed, consumed
// in event order, and event IDs are ULIDs of the event's time with entropy
// from a ChaCha8 stream of the same seed. The simulation is a discrete-event
// loop over a priority queue keyed by (time, insertion order); no wall clock
// and no map iteration order influence what is emitted. Results are the
// same on every run on one platform; floating-point functions (math.Exp,
// math.Log) may differ in the last bit across architectures, which can
// shift a simulated time by a millisecond.
//
// # Memory
//
// Only cases and topics still open are kept (and a small ring of recent
// case ids for duplicate reports), so memory follows the backlog, not the
// number of cases: months of millions of cases run in bounded memory.
//
// # Model
//
// Arrivals follow a daily cycle (night low, morning and afternoon peaks)
// and a weekly cycle (weekends lower) with day-to-day noise; the total is
// exactly Config.Cases. Units work office hours (Monday to Friday,
// 08:30-12:00 and 13:30-17:30) except on urgent categories; public holidays
// are not modelled. Each case has a true owner, usually the unit the list
// in force names; wrong dispatches (manual mistakes, stale lists, street
// borders, overlapping duties) are returned with a reason and a suggested
// unit, and after three returns the centre rules (mode "forced"). About 12%
// of hotline reports are answered by the centre on the call (直接答复): a
// resolution by the centre itself, without a dispatch.
package sim
