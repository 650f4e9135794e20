// Package events is govledger's vocabulary: the event envelope, the catalogue
// of payload types with their validation, the canonical bytes that are stored
// and hashed, and the per-stream hash chain.
//
// An Event is immutable once hashed. Its canonical encoding (Encode) is the
// exact byte string a store keeps; its Hash is SHA-256 over that encoding,
// which ends with the previous event's hash in the same stream, so every
// stream is a hash chain:
//
//	Hash = SHA-256(canonical envelope without position || PrevHash)
//
// The global position is assigned by the store and is not hashed; the Merkle
// log fixes the global order.
//
// Type names ("case.reported", "ballot.cast", ...) are stable strings and
// never derived from Go type names. Each payload type has a schema version;
// a payload whose shape changes gets a new schema version, never a silently
// different meaning.
//
// Personal free text (a report's description and address, a rating's
// comment) has the type Personal. When the payload names the citizen it is
// about (reporter, respondent) it is stored sealed under that subject's key
// (package privacy), never in clear: EncodePayload refuses such text
// unsealed (ErrUnsealed). A schema-1 payload written before sealing, with
// the text as a plain string, still decodes: the sealed object is an added
// form of the same field, not a new meaning.
package events
