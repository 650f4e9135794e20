package events

// ReadsCanonical reports whether DecodeStored reads data without
// encoding/json: the tests use it to show that the fast path is taken.
func ReadsCanonical(typ string, data []byte) bool { return decodeCanonical(typ, data) != nil }

// FastSchema is the schema version the canonical readers know.
const FastSchema = fastSchema
