package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/quiver-app/quiver/app/atomicfile"
)

// A 200 from the token endpoint is the only copy of the new refresh token
// in the world: the old one is spent. When the secret store will not take
// it (a keyring that times out, is locked, or fails), the tokens go to a
// private file in the config directory instead (pending-tokens/<id>.json,
// 0600 in a 0700 directory), which is read in preference to the store and
// moved into it by the next successful write (the next start, refresh or
// import). The file holds tokens, so it is never logged or shown.

// pendingDirName is the directory of tokens the secret store did not take.
const pendingDirName = "pending-tokens"

// Bounds on storing refreshed tokens: each attempt gets its own time, so
// a slow token endpoint cannot use up the time of the write that follows.
const (
	secretWriteAttempts = 3
	secretWriteTimeout  = 10 * time.Second
)

func (s *Store) pendingPath(id string) string {
	return filepath.Join(s.opts.Dir, pendingDirName, id+".json")
}

// savePending writes sec to id's pending file, durably.
func (s *Store) savePending(id string, sec Secret) error {
	dir := filepath.Join(s.opts.Dir, pendingDirName)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	raw, err := json.Marshal(sec)
	if err != nil {
		return fmt.Errorf("encoding tokens of %s: %w", id, err)
	}
	if err := atomicfile.WriteFile(s.pendingPath(id), raw, 0o600); err != nil {
		return fmt.Errorf("keeping tokens of %s in a private file: %w", id, err)
	}
	return nil
}

// readPending returns id's pending tokens, if there are any.
func (s *Store) readPending(id string) (Secret, bool) {
	raw, err := atomicfile.ReadFile(s.pendingPath(id), maxSecretFile)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("reading tokens kept aside for the secret store", "id", id, "err", err)
		}
		return Secret{}, false
	}
	var sec Secret
	if err := json.Unmarshal(raw, &sec); err != nil || sec.Refresh == "" {
		s.log.Warn("tokens kept aside for the secret store are unreadable; left in place", "id", id)
		return Secret{}, false
	}
	return sec, true
}

// dropPending removes id's pending file once the secret store holds them.
func (s *Store) dropPending(id string) {
	if err := os.Remove(s.pendingPath(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.log.Warn("removing tokens kept aside after the secret store took them", "id", id, "err", err)
	}
}

// maxSecretFile bounds a pending-tokens file.
const maxSecretFile = 64 << 10

// storeRefreshed stores freshly issued tokens of id so that they survive
// whatever happens next: the secret store, tried a few times each with its
// own timeout (never the caller's, which may be spent), and failing that
// the pending file. pending reports that they went to the file.
func (s *Store) storeRefreshed(ctx context.Context, id string, sec Secret) (pending bool, err error) {
	base := context.WithoutCancel(ctx)
	var last error
	for attempt := 1; attempt <= secretWriteAttempts; attempt++ {
		actx, cancel := context.WithTimeout(base, s.secretWriteTimeout)
		last = s.writeSecret(actx, id, sec)
		cancel()
		if last == nil {
			return false, nil
		}
		s.log.Warn("the secret store did not take refreshed tokens", "id", id, "attempt", attempt, "err", last)
	}
	if err := s.savePending(id, sec); err != nil {
		return false, fmt.Errorf("%w; and %w", last, err)
	}
	s.log.Error("the secret store keeps failing: the refreshed tokens are kept in a private file until it works again",
		"id", id, "file", s.pendingPath(id), "err", last)
	return true, nil
}

// adoptPending moves tokens kept aside into the secret store (at start).
// Failures leave the files in place; they are still read first.
func (s *Store) adoptPending(ctx context.Context) {
	entries, err := os.ReadDir(filepath.Join(s.opts.Dir, pendingDirName))
	if err != nil {
		return
	}
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !e.Type().IsRegular() {
			continue
		}
		sec, ok := s.readPending(id)
		if !ok {
			continue
		}
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.secretWriteTimeout)
		err := s.writeSecret(wctx, id, sec)
		cancel()
		if err != nil {
			s.log.Warn("tokens kept aside are still waiting for the secret store", "id", id, "err", err)
			continue
		}
		s.log.Info("moved tokens kept aside into the secret store", "id", id)
	}
}
