package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestReadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	os.WriteFile(small, []byte("hello"), 0o600)
	if got, err := ReadFile(small, 5); err != nil || string(got) != "hello" {
		t.Errorf("ReadFile(small) = %q, %v", got, err)
	}
	if _, err := ReadFile(small, 4); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ReadFile over the bound: %v, want ErrTooLarge", err)
	}
	if _, err := ReadFile(dir, 10); !errors.Is(err, ErrNotRegular) {
		t.Errorf("ReadFile(directory): %v, want ErrNotRegular", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing"), 10); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadFile(missing): %v, want ErrNotExist", err)
	}
}

func TestResolveLink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "real.json")
	os.WriteFile(target, []byte("{}"), 0o600)
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("real.json", link); err != nil {
		t.Skip(err)
	}
	if got, err := ResolveLink(link); err != nil || got != target {
		t.Errorf("ResolveLink(link) = %q, %v; want %q", got, err, target)
	}
	if got, _ := ResolveLink(target); got != target {
		t.Errorf("ResolveLink(plain) = %q", got)
	}
	missing := filepath.Join(dir, "none.json")
	if got, _ := ResolveLink(missing); got != missing {
		t.Errorf("ResolveLink(missing) = %q", got)
	}
}
