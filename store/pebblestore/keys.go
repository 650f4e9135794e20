package pebblestore

import (
	"encoding/binary"

	"github.com/oklog/ulid/v2"
)

// Keyspace prefixes. See the package documentation for the layout.
const (
	prefixLog    byte = 'L' // 'L' + pos(8)                      -> record
	prefixStream byte = 'S' // 'S' + stream + 0x00 + version(8)  -> pos(8)
	prefixID     byte = 'I' // 'I' + ulid(16)                    -> pos(8)
	prefixMeta   byte = 'M' // 'M' + name                        -> value
)

const (
	logKeyLen = 1 + 8
	idKeyLen  = 1 + 16
)

var (
	logLower    = []byte{prefixLog}
	logUpper    = []byte{prefixLog + 1}
	metaFormat  = []byte{prefixMeta, 'f', 'o', 'r', 'm', 'a', 't'}
	formatMagic = "govledger.pebblestore"
)

// formatVersion is the layout version this build writes and reads. A
// directory marked with a higher version was written by a newer build.
const formatVersion byte = 1

func appendLogKey(dst []byte, pos uint64) []byte {
	dst = append(dst, prefixLog)
	return binary.BigEndian.AppendUint64(dst, pos)
}

func appendIDKey(dst []byte, id ulid.ULID) []byte {
	dst = append(dst, prefixID)
	return append(dst, id[:]...)
}

// appendStreamPrefix appends 'S' + stream + 0x00: every key of the stream
// starts with it, and no other stream's keys do, because stream names never
// contain 0x00 (Append refuses them).
func appendStreamPrefix(dst []byte, stream string) []byte {
	dst = append(dst, prefixStream)
	dst = append(dst, stream...)
	return append(dst, 0)
}

func appendStreamKey(dst []byte, stream string, version uint64) []byte {
	dst = appendStreamPrefix(dst, stream)
	return binary.BigEndian.AppendUint64(dst, version)
}

// streamUpper returns the exclusive upper bound of a stream's keys: the
// stream prefix with its trailing 0x00 raised to 0x01.
func streamUpper(dst []byte, stream string) []byte {
	dst = append(dst, prefixStream)
	dst = append(dst, stream...)
	return append(dst, 1)
}

// decodePos reads an 8-byte big-endian position value.
func decodePos(v []byte) (uint64, bool) {
	if len(v) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(v), true
}

// logKeyPos returns the position of an 'L' key.
func logKeyPos(k []byte) (uint64, bool) {
	if len(k) != logKeyLen || k[0] != prefixLog {
		return 0, false
	}
	return binary.BigEndian.Uint64(k[1:]), true
}

func putUint64(dst []byte, v uint64) { binary.BigEndian.PutUint64(dst, v) }

func getUint64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }
