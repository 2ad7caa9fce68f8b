package simulator

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
)

// Domains keep the pseudo-random streams derived from one seed independent:
// adding a draw to one (say, the score) must not change another (the ids).
const (
	streamScanIDBase uint64 = iota + 1
	streamScanIDTail
	streamResultIDTag
	streamResultIDPermutation
	streamScore
	streamWeakness
	streamOutcomeMix
	_ // was streamFailureReason; kept so the other streams keep their values
	streamErrorInjection
	streamScheduleID
	streamMSTenantID
	streamPolicies
	streamThreats
)

// splitmix64 is a well-mixed bijective hash of a 64-bit value; chaining it
// gives cheap deterministic values from (seed, stream, index...) without
// storing any random state.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// derive returns a deterministic pseudo-random value for seed, stream and
// the given indexes.
func derive(seed int64, stream uint64, indexes ...uint64) uint64 {
	x := splitmix64(uint64(seed) ^ splitmix64(stream))
	for _, index := range indexes {
		x = splitmix64(x ^ index)
	}
	return x
}

// hashName turns a name (an account, a connection, a scan type) into an
// index for derive.
func hashName(name string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return h.Sum64()
}

// scanID is "scan_" and 24 hex digits, like the reference's scan_abc123.
// The first 8 digits count up from a seed-derived base in creation order, so
// ids sort in creation order; the last 16 are seed-derived noise.
func scanID(seed int64, creationIndex int) string {
	base := derive(seed, streamScanIDBase) & 0x7fffffff
	tail := derive(seed, streamScanIDTail, uint64(creationIndex))
	return fmt.Sprintf("scan_%08x%016x", uint32(base+uint64(creationIndex)), tail)
}

const mask48 = 1<<48 - 1

// resultID is "result_" and 24 hex digits: 48 bits identifying the scan and
// a 48-bit bijective scramble of the result's position, so ids look random
// yet can never collide within a scan.
func resultID(seed int64, scanIndex, position int) string {
	tag := derive(seed, streamResultIDTag, uint64(scanIndex)) & mask48
	key := derive(seed, streamResultIDPermutation, uint64(scanIndex))
	return fmt.Sprintf("result_%012x%012x", tag, permute48(uint64(position), key))
}

// permute48 is a bijection on 48-bit values: xor with a key, then
// multiplications by odd constants and xor-shifts, each invertible mod 2^48.
func permute48(x, key uint64) uint64 {
	x = (x ^ key) & mask48
	x = (x * 0x9e3779b97f4b) & mask48
	x ^= x >> 23
	x = (x * 0xd6e8feb86659fd93) & mask48
	x ^= x >> 25
	return x
}

// scheduleID is "sched_" and 16 hex digits, from the seed, the account and
// the account's count of custom schedules, so ids never repeat in an
// account, even after a delete.
func scheduleID(seed int64, account string, index int) string {
	return fmt.Sprintf("sched_%016x", derive(seed, streamScheduleID, hashName(account), uint64(index)))
}

// msTenantID is the Microsoft 365 tenant GUID of a connection: a version-4
// shaped GUID from the seed, the account and the connection ID.
func msTenantID(seed int64, account, connection string) string {
	hi := derive(seed, streamMSTenantID, hashName(account), hashName(connection))
	lo := derive(seed, streamMSTenantID, hashName(connection), hashName(account))
	hi = hi&^0xf000 | 0x4000     // version 4
	lo = lo&^(0xc<<60) | 0x8<<60 // RFC 4122 variant
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, hi>>16&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
}

// guid is a GUID-shaped value from the seed and a stream, for simulated
// Microsoft Entra object IDs.
func guid(seed int64, stream uint64, indexes ...uint64) string {
	hi := derive(seed, stream, indexes...)
	lo := derive(seed, stream, append(slices.Clone(indexes), 0x9e37)...)
	hi = hi&^0xf000 | 0x4000
	lo = lo&^(0xc<<60) | 0x8<<60
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, hi>>16&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
}

// newRequestID is random rather than seeded: request ids identify log lines,
// and repeating them across runs would only confuse.
func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "req_" + hex.EncodeToString(b[:])
}

// sortedKeys returns a map's keys in order, so iterations that build
// messages or state are deterministic.
func sortedKeys[M ~map[K]V, K cmp.Ordered, V any](m M) []K {
	return slices.Sorted(maps.Keys(m))
}
