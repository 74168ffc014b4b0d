package models

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// newSecret returns a random, URL-safe string of n random bytes.
func newSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux; failing open would be worse
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashSecret is what is stored for a secret: the database never holds anything that signs in.
func hashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// codeAlphabet leaves out look-alikes (0/O, 1/I/L) so codes can be read aloud and typed from paper.
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// newCode returns n characters from codeAlphabet.
func newCode(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	out := make([]byte, n)
	for i, x := range b {
		out[i] = codeAlphabet[int(x)%len(codeAlphabet)]
	}
	return string(out)
}

// NormalizeCode makes a typed code comparable: upper case, without the spaces and dashes people
// add when copying it from paper.
func NormalizeCode(s string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s)))
}
