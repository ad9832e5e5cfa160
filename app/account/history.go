package account

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/quiver-app/quiver/app/atomicfile"
)

// Usage history lives beside accounts.json, one append-only file per
// account (history/<id>.jsonl), so that loading the accounts stays cheap
// with hundreds of them and only the window, which draws sparklines,
// reads it.

// maxHistoryLines is when a history file is compacted: twice what 7 days
// at 5-minute resolution keep.
const maxHistoryLines = 2 * int(historyKeep/historyStep)

// historyLineMin is the shortest a history line can be, in bytes.
const historyLineMin = 40

func (s *Store) historyPath(id string) string {
	return filepath.Join(s.opts.Dir, "history", id+".jsonl")
}

// History returns account id's usage samples, oldest first: at most one per
// 5 minutes, none older than 7 days before the newest.
func (s *Store) History(id string) ([]Sample, error) {
	return s.readHistory(id)
}

// maxHistoryFile bounds what is read of one history file.
const maxHistoryFile = 32 << 20

func (s *Store) readHistory(id string) (samples []Sample, err error) {
	data, err := atomicfile.ReadFile(s.historyPath(id), maxHistoryFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading usage history: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var smp Sample
		if json.Unmarshal(sc.Bytes(), &smp) != nil {
			continue // a line cut short by a crash
		}
		samples = appendSample(samples, smp)
	}
	return samples, sc.Err()
}

// appendHistory adds a sample; the caller holds the accounts lock.
func (s *Store) appendHistory(id string, smp Sample) error {
	dir := filepath.Dir(s.historyPath(id))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	line, err := json.Marshal(smp)
	if err != nil {
		return err
	}
	// Only ever append to a regular file: opening a FIFO for writing
	// would block while the accounts lock is held.
	if fi, err := os.Stat(s.historyPath(id)); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("usage history %s: %w", s.historyPath(id), atomicfile.ErrNotRegular)
	}
	f, err := os.OpenFile(s.historyPath(id), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	_, werr := f.Write(append(line, '\n'))
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return werr
	}
	// Compact once the file is larger than maxHistoryLines short lines:
	// what remains (one sample per 5 minutes for 7 days) is half that or
	// less, so this happens every thousand or more appends.
	if size < int64(maxHistoryLines*historyLineMin) {
		return nil
	}
	samples, err := s.readHistory(id)
	if err != nil {
		return err
	}
	var buf []byte
	for _, smp := range samples {
		b, _ := json.Marshal(smp)
		buf = append(append(buf, b...), '\n')
	}
	return atomicfile.WriteFile(s.historyPath(id), buf, 0o600)
}
