package account

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/quiver-app/quiver/app/atomicfile"
)

// fileVersion is the version of accounts.json this code writes.
const fileVersion = 1

// fileName is the metadata file in the config directory.
const fileName = "accounts.json"

type accountsFile struct {
	Version  int       `json:"version"`
	Accounts []Account `json:"accounts"`
}

// ErrNewerFile is returned for an accounts.json written by a newer Quiver.
var ErrNewerFile = errors.New("accounts.json was written by a newer Quiver; upgrade Quiver")

// loadResult is what reading accounts.json found.
type loadResult struct {
	accounts []Account
	// corruptPath is where an unreadable file was moved, when it was.
	corruptPath string
	// recovered is how many accounts were salvaged from a corrupt file.
	recovered int
	// lostIDs are ids of account entries the corrupt file named but that
	// could not be read back: their tokens may still be in the secret store.
	lostIDs []string
}

// maxAccountsFile bounds what is read of accounts.json.
const maxAccountsFile = 16 << 20

// readAccountsFile loads path. A missing file is an empty list. A file that
// does not parse is moved aside to path.corrupt-<time>, and every complete
// account entry that can be read from it is returned. It reads only a
// regular file of bounded size (never blocks on a FIFO).
func readAccountsFile(path string, now time.Time) (loadResult, error) {
	data, err := atomicfile.ReadFile(path, maxAccountsFile)
	if errors.Is(err, os.ErrNotExist) {
		return loadResult{}, nil
	}
	if err != nil {
		return loadResult{}, fmt.Errorf("reading %s: %w", fileName, err)
	}
	var f accountsFile
	if err := json.Unmarshal(data, &f); err == nil {
		if f.Version > fileVersion {
			return loadResult{}, ErrNewerFile
		}
		return loadResult{accounts: f.Accounts}, nil
	}
	aside := fmt.Sprintf("%s.corrupt-%s", path, now.UTC().Format("20060102T150405.000000000Z"))
	if err := os.Rename(path, aside); err != nil {
		return loadResult{}, fmt.Errorf("%s is corrupt and could not be moved aside: %w", fileName, err)
	}
	recovered, lost := salvageAccounts(data)
	return loadResult{accounts: recovered, corruptPath: aside, recovered: len(recovered), lostIDs: lost}, nil
}

// salvageAccounts reads every complete, valid entry of a damaged file,
// skipping the ones that do not parse: a bad entry in the middle (even one
// with a broken string) does not lose the ones after it. Entries are found
// where they start (Quiver writes "id" first in each), each decoded on its
// own. lost are the ids named in the file whose entries could not be read.
func salvageAccounts(data []byte) (out []Account, lost []string) {
	for _, loc := range entryStart.FindAllIndex(data, -1) {
		var a Account
		if err := json.NewDecoder(bytes.NewReader(data[loc[0]:])).Decode(&a); err != nil || a.ID == "" || a.ChatGPTAccountID == "" {
			continue
		}
		if !slices.ContainsFunc(out, func(x Account) bool { return x.ID == a.ID }) {
			out = append(out, a)
		}
	}
	return out, lostIDsIn(data, out)
}

// entryStart finds where an account entry begins.
var entryStart = regexp.MustCompile(`\{\s*"id"\s*:`)

// accountIDPattern finds the local ids (12 hex digits) of account entries.
var accountIDPattern = regexp.MustCompile(`"id"\s*:\s*"([0-9a-f]{12})"`)

// lostIDsIn returns the account ids data names that are not in kept.
func lostIDsIn(data []byte, kept []Account) []string {
	var lost []string
	for _, m := range accountIDPattern.FindAllSubmatch(data, -1) {
		id := string(m[1])
		if !slices.ContainsFunc(kept, func(a Account) bool { return a.ID == id }) && !slices.Contains(lost, id) {
			lost = append(lost, id)
		}
	}
	return lost
}

func writeAccountsFile(path string, accounts []Account) error {
	if accounts == nil {
		accounts = []Account{}
	}
	data, err := json.MarshalIndent(accountsFile{Version: fileVersion, Accounts: accounts}, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", fileName, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating config directory: %w", err)
	}
	return atomicfile.WriteFile(path, append(data, '\n'), 0o600)
}
