package account

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
}

// readAccountsFile loads path. A missing file is an empty list. A file that
// does not parse is moved aside to path.corrupt-<time>, and every complete
// account entry that can be read from it is returned.
func readAccountsFile(path string, now time.Time) (loadResult, error) {
	data, err := os.ReadFile(path)
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
	recovered := salvageAccounts(data)
	return loadResult{accounts: recovered, corruptPath: aside, recovered: len(recovered)}, nil
}

// salvageAccounts reads the complete entries of the "accounts" array of a
// damaged file, stopping at the first one that does not parse.
func salvageAccounts(data []byte) []Account {
	i := bytes.Index(data, []byte(`"accounts"`))
	if i < 0 {
		return nil
	}
	j := bytes.IndexByte(data[i:], '[')
	if j < 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data[i+j:]))
	if _, err := dec.Token(); err != nil { // the '['
		return nil
	}
	var out []Account
	for dec.More() {
		var a Account
		if err := dec.Decode(&a); err != nil {
			break
		}
		if a.ID != "" && a.ChatGPTAccountID != "" {
			out = append(out, a)
		}
	}
	return out
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
