package exex_test

import (
	"encoding/binary"
	"hash/crc32"
	"testing"
)

// reChecksum returns data (padded to a header) with version 1 and a correct CRC-32C.
func reChecksum(t testing.TB, data []byte) []byte {
	out := make([]byte, max(len(data), 5))
	copy(out, data)
	out[0] = 1
	binary.BigEndian.PutUint32(out[1:5], crc32.Checksum(out[5:], crc32.MakeTable(crc32.Castagnoli)))
	return out
}
