package sealed

import (
	"bytes"
	"errors"
	"testing"
)

var fast = Params{LogN: 10, R: 8, P: 1}

func TestRoundTripAndFailures(t *testing.T) {
	t.Parallel()
	k, err := NewKey("correct horse", fast)
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte(`{"secret":"value"}`)
	good, err := k.Seal("QVTESTER", plain)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(good, plain) {
		t.Fatal("plaintext visible in the sealed file")
	}
	again, _ := k.Seal("QVTESTER", plain)
	if bytes.Equal(good[HeaderLen-nonceLen:HeaderLen], again[HeaderLen-nonceLen:HeaderLen]) {
		t.Fatal("two seals share a nonce")
	}
	flip := func(i int) []byte { b := bytes.Clone(good); b[i] ^= 1; return b }
	tests := []struct {
		name string
		data []byte
		pass string
		want error
	}{
		{"good", good, "correct horse", nil},
		{"wrong passphrase", good, "wrong horse", ErrBadPassphrase},
		{"other kind", good, "correct horse", ErrWrongKind},
		{"newer format", func() []byte { b := bytes.Clone(good); b[MagicLen] = 9; return b }(), "correct horse", ErrTooNew},
		{"truncated", good[:HeaderLen+3], "correct horse", ErrCorrupt},
		{"flipped ciphertext", flip(len(good) - 1), "correct horse", ErrCorrupt},
		{"flipped nonce", flip(HeaderLen - 1), "correct horse", ErrCorrupt},
		{"implausible cost", func() []byte { b := bytes.Clone(good); b[9] = 40; return b }(), "correct horse", ErrCorrupt},
	}
	for _, tt := range tests {
		magic := "QVTESTER"
		if tt.name == "other kind" {
			magic = "QVOTHERS"
		}
		got, err := open(magic, tt.data, tt.pass)
		if !errors.Is(err, tt.want) || (tt.want == nil && !bytes.Equal(got, plain)) {
			t.Errorf("%s: %q, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func open(magic string, data []byte, pass string) ([]byte, error) {
	f, err := Parse(magic, data)
	if err != nil {
		return nil, err
	}
	k, err := f.Key(pass)
	if err != nil {
		return nil, err
	}
	return f.Open(k)
}

func TestKeptKeyOpensWithoutDeriving(t *testing.T) {
	t.Parallel()
	k, _ := NewKey("pass phrase", fast)
	data, _ := k.Seal("QVTESTER", []byte("x"))
	f, err := Parse("QVTESTER", data)
	if err != nil || !f.Fits(k) {
		t.Fatalf("Fits = false for the key that sealed the file (%v)", err)
	}
	if got, err := f.Open(k); err != nil || string(got) != "x" {
		t.Fatalf("Open with a kept key: %q %v", got, err)
	}
	other, _ := NewKey("pass phrase", fast) // same passphrase, other salt
	if f.Fits(other) {
		t.Fatal("a key for another salt fits")
	}
	if _, err := f.Open(other); !errors.Is(err, ErrBadPassphrase) {
		t.Fatalf("Open with a key for another salt: %v", err)
	}
	if _, err := k.Seal("SHORT", nil); err == nil {
		t.Fatal("a short magic was accepted")
	}
	if _, err := NewKey("p", Params{LogN: 30, R: 8, P: 1}); err == nil {
		t.Fatal("absurd cost accepted")
	}
}
