package account

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/quiver-app/quiver/app/atomicfile"
	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/filelock"
)

// Errors a caller may want to tell apart.
var (
	ErrNoAccount  = errors.New("no such account")
	ErrAmbiguous  = errors.New("more than one account matches")
	ErrNeedsLogin = errors.New("account needs a new login")
	ErrBadAlias   = errors.New("alias must be 1–64 characters, no spaces or control characters")
	ErrAliasTaken = errors.New("alias is already used by another account")
)

// lockTimeout bounds how long a change waits for another process's change.
const lockTimeout = 30 * time.Second

// backupSuffix names the one backup of auth.json a switch keeps.
const backupSuffix = ".quiver-backup"

// Options configure a Store.
type Options struct {
	// Dir is Quiver's config directory (accounts.json, locks). Created 0700.
	Dir string
	// CodexHome is the Codex CLI's directory holding auth.json.
	CodexHome string
	// Secrets keeps the tokens.
	Secrets Secrets
	Logger  *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Snapshot is a consistent copy of the accounts at one moment.
type Snapshot struct {
	Accounts []Account // in pool order
	ActiveID string    // the account auth.json holds; "" when none of ours
	At       time.Time
}

// Account returns the account with id.
func (s Snapshot) Account(id string) (Account, bool) {
	for _, a := range s.Accounts {
		if a.ID == id {
			return a, true
		}
	}
	return Account{}, false
}

// Store owns the accounts. Use Open to make one.
type Store struct {
	opts     Options
	log      *slog.Logger
	path     string
	lockPath string
	// secretWriteTimeout bounds one attempt at storing refreshed tokens.
	secretWriteTimeout time.Duration

	mu       sync.Mutex // guards the fields below
	accounts []Account
	activeID string
	subs     map[int]chan Snapshot
	nextSub  int
}

// Open loads the accounts of opts.Dir. A corrupt accounts.json is moved
// aside and what can be recovered from it is kept; the returned Store
// works either way and the problem is logged.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Dir == "" || opts.CodexHome == "" || opts.Secrets == nil {
		return nil, errors.New("account.Open: Dir, CodexHome and Secrets are required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating config directory: %w", err)
	}
	s := &Store{
		opts:     opts,
		log:      opts.Logger,
		path:     filepath.Join(opts.Dir, fileName),
		lockPath: filepath.Join(opts.Dir, "accounts.lock"),
		subs:     map[int]chan Snapshot{},

		secretWriteTimeout: secretWriteTimeout,
	}
	if err := s.Reload(ctx); err != nil {
		return nil, err
	}
	s.adoptPending(ctx)
	return s, nil
}

// Path is accounts.json's location.
func (s *Store) Path() string { return s.path }

// AuthPath is the Codex CLI's auth.json.
func (s *Store) AuthPath() string { return filepath.Join(s.opts.CodexHome, codex.AuthFileName) }

// CorruptFiles lists damaged accounts.json copies kept aside, newest last.
func (s *Store) CorruptFiles() []string {
	m, _ := filepath.Glob(s.path + ".corrupt-*")
	sort.Strings(m)
	return m
}

// Snapshot returns the current accounts.
func (s *Store) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked()
}

func (s *Store) snapshotLocked() Snapshot {
	accs := make([]Account, len(s.accounts))
	for i, a := range s.accounts {
		a.Tags = slices.Clone(a.Tags)
		if a.Usage != nil {
			u := *a.Usage
			u.Windows = slices.Clone(u.Windows)
			a.Usage = &u
		}
		accs[i] = a
	}
	sort.SliceStable(accs, func(i, j int) bool { return accs[i].Order < accs[j].Order })
	return Snapshot{Accounts: accs, ActiveID: s.activeID, At: s.opts.Now()}
}

// Subscribe returns a channel that receives a Snapshot after every change
// (the newest replaces one not yet received), starting with the current
// one, and a function that ends the subscription.
func (s *Store) Subscribe() (<-chan Snapshot, func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := make(chan Snapshot, 1)
	id := s.nextSub
	s.nextSub++
	s.subs[id] = ch
	ch <- s.snapshotLocked()
	return ch, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.subs, id)
	}
}

// publishLocked hands the current snapshot to every subscriber.
func (s *Store) publishLocked() {
	if len(s.subs) == 0 {
		return
	}
	snap := s.snapshotLocked()
	for _, ch := range s.subs {
		select {
		case <-ch: // drop the stale one
		default:
		}
		ch <- snap
	}
}

// Resolve finds an account by id, alias or email (case-insensitive), or by
// a unique prefix of its id.
func (s *Store) Resolve(ref string) (Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return resolve(s.accounts, ref)
}

func resolve(accs []Account, ref string) (Account, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return Account{}, fmt.Errorf("%w: empty name", ErrNoAccount)
	}
	var exact, prefix []Account
	for _, a := range accs {
		switch {
		case a.ID == ref, strings.EqualFold(a.Alias, ref), strings.EqualFold(a.Email, ref):
			exact = append(exact, a)
		case strings.HasPrefix(a.ID, strings.ToLower(ref)):
			prefix = append(prefix, a)
		}
	}
	matches := exact
	if len(matches) == 0 {
		matches = prefix
	}
	switch len(matches) {
	case 0:
		return Account{}, fmt.Errorf("%w: %q (see `quiver list`)", ErrNoAccount, ref)
	case 1:
		return matches[0], nil
	}
	names := make([]string, len(matches))
	for i, a := range matches {
		names[i] = a.Alias + " (" + a.ID + ")"
	}
	return Account{}, fmt.Errorf("%w %q: %s; use the id", ErrAmbiguous, ref, strings.Join(names, ", "))
}

func (s *Store) lock(ctx context.Context) (*filelock.Lock, error) {
	ctx, cancel := context.WithTimeout(ctx, lockTimeout)
	defer cancel()
	l, err := filelock.Acquire(ctx, s.lockPath)
	if err != nil {
		return nil, fmt.Errorf("waiting for another Quiver process to finish changing accounts: %w", err)
	}
	return l, nil
}

// change is one locked read-modify-write of the accounts. fn gets the
// accounts as they are on disk now and changes them in place; the result is
// written, cached and published. fn may do other locked I/O (secrets,
// auth.json): nothing else changes accounts while it runs.
func (s *Store) change(ctx context.Context, fn func(accs *[]Account) error) error {
	lock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	accs, err := s.load(ctx)
	if err != nil {
		return err
	}
	if err := fn(&accs); err != nil {
		return err
	}
	if err := writeAccountsFile(s.path, accs); err != nil {
		return err
	}
	active := s.activeIn(accs)
	s.mu.Lock()
	s.accounts = accs
	s.activeID = active
	s.publishLocked()
	s.mu.Unlock()
	return nil
}

// load reads accounts.json; the caller holds the lock. A corrupt file is
// moved aside, reported, and replaced by what could be recovered from it:
// every complete entry, and every lost entry whose tokens the secret store
// still holds, rebuilt from them. Lost entries whose tokens are not there
// either are named in the log.
func (s *Store) load(ctx context.Context) ([]Account, error) {
	res, err := readAccountsFile(s.path, s.opts.Now())
	if err != nil {
		return nil, err
	}
	if res.corruptPath != "" {
		accs := res.accounts
		var rebuilt, gone []string
		for _, id := range res.lostIDs {
			if a, ok := s.rebuildFromSecret(ctx, id, accs); ok {
				accs = append(accs, a)
				rebuilt = append(rebuilt, a.Label()+" ("+id+")")
			} else {
				gone = append(gone, id)
			}
		}
		s.log.Error("accounts.json was corrupt: kept it aside and recovered what it could",
			"kept_at", res.corruptPath, "recovered_accounts", res.recovered)
		if len(rebuilt) > 0 {
			s.log.Warn("rebuilt accounts whose entries were lost from their tokens in the secret store (alias, tags and notes are reset)",
				"accounts", strings.Join(rebuilt, ", "))
		}
		if len(gone) > 0 {
			s.log.Warn("the damaged accounts.json named accounts that could not be recovered; sign in to them again",
				"ids", strings.Join(gone, ", "))
		}
		if err := writeAccountsFile(s.path, accs); err != nil {
			return nil, fmt.Errorf("rewriting recovered accounts: %w", err)
		}
		return accs, nil
	}
	return res.accounts, nil
}

// rebuildFromSecret makes an account entry for id from the tokens the
// secret store holds for it, when they are a login of that very id.
func (s *Store) rebuildFromSecret(ctx context.Context, id string, accs []Account) (Account, bool) {
	gctx, cancel := context.WithTimeout(ctx, s.secretWriteTimeout)
	defer cancel()
	sec, err := s.readSecret(gctx, id)
	if err != nil {
		return Account{}, false
	}
	l, err := codex.NewLogin(sec.Tokens(""), sec.LastRefresh)
	if err != nil || IDFor(l.Identity()) != id {
		return Account{}, false
	}
	return Account{
		ID:               id,
		Alias:            uniqueAlias(accs, defaultAlias(l.IDClaims.Email, id), id),
		Email:            l.IDClaims.Email,
		Plan:             l.IDClaims.PlanType,
		ChatGPTAccountID: l.Identity().ChatGPTAccountID,
		ChatGPTUserID:    l.Identity().ChatGPTUserID,
		Order:            nextOrder(accs),
		TokenExpiry:      l.Expiry,
		LastRefresh:      l.LastRefresh,
		AddedAt:          s.opts.Now().UTC(),
	}, true
}

// Reload re-reads accounts.json and auth.json (another process changed
// them) and tells subscribers. It writes nothing.
func (s *Store) Reload(ctx context.Context) error {
	lock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	accs, err := s.load(ctx)
	if err != nil {
		return err
	}
	active := s.activeIn(accs)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts, s.activeID = accs, active
	s.publishLocked()
	return nil
}

// Update applies fn to the account id under the lock and saves it.
func (s *Store) Update(ctx context.Context, id string, fn func(a *Account) error) error {
	return s.change(ctx, func(accs *[]Account) error {
		i := slices.IndexFunc(*accs, func(a Account) bool { return a.ID == id })
		if i < 0 {
			return fmt.Errorf("%w: %s", ErrNoAccount, id)
		}
		return fn(&(*accs)[i])
	})
}

// activeIn returns the id of the account among accs that auth.json holds,
// or "" when auth.json is missing, unreadable or holds another login.
func (s *Store) activeIn(accs []Account) string {
	af, err := codex.ReadAuthFile(s.AuthPath())
	if err != nil {
		return ""
	}
	l, err := af.Login()
	if err != nil {
		return ""
	}
	id := IDFor(l.Identity())
	if slices.ContainsFunc(accs, func(a Account) bool { return a.ID == id }) {
		return id
	}
	return ""
}

// uniqueAlias returns base, or base-2, base-3… so that no other account
// (other than self) uses it.
func uniqueAlias(accs []Account, base, self string) string {
	taken := func(alias string) bool {
		for _, a := range accs {
			if a.ID != self && strings.EqualFold(a.Alias, alias) {
				return true
			}
		}
		return false
	}
	if !taken(base) {
		return base
	}
	for n := 2; ; n++ {
		if c := base + "-" + strconv.Itoa(n); !taken(c) {
			return c
		}
	}
}

// validAlias reports whether alias may name an account.
func validAlias(alias string) bool {
	if alias == "" || len(alias) > 64 {
		return false
	}
	for _, r := range alias {
		if r <= ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

// writeAuthFileLocked writes tokens to auth.json (through a symlink, when
// it is one); with backup, the file it replaces is kept as
// auth.json.quiver-backup. The caller holds the lock and has taken in any
// newer login the file held (takeInAuthFileLocked).
func (s *Store) writeAuthFileLocked(t codex.Tokens, lastRefresh time.Time, backup bool) error {
	path := s.AuthPath()
	if backup {
		old, err := atomicfile.ReadFile(path, codex.MaxAuthFileSize)
		switch {
		case err == nil:
			if err := atomicfile.WriteFile(path+backupSuffix, old, 0o600); err != nil {
				return fmt.Errorf("backing up auth.json: %w", err)
			}
		case !errors.Is(err, os.ErrNotExist):
			return fmt.Errorf("reading auth.json before replacing it (nothing was changed): %w", err)
		}
	}
	return codex.WriteLogin(path, t, lastRefresh)
}

// takeInAuthFileLocked takes in the login auth.json holds, when it is newer
// than what Quiver has: the Codex CLI refreshes inside auth.json on its own,
// at any moment, and its new refresh token may be the only valid one. A
// known account adopts the tokens; a login of no known account is left to
// the backup (never imported behind the user's back). Every
// writer of auth.json calls this first, under the lock, with the accounts
// being changed. A missing or unusable file takes nothing in.
func (s *Store) takeInAuthFileLocked(ctx context.Context, accs *[]Account) error {
	af, err := codex.ReadAuthFile(s.AuthPath())
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			s.log.Debug("auth.json unreadable before writing it", "err", err)
		}
		return nil
	}
	l, err := af.Login()
	if err != nil {
		return nil
	}
	id := IDFor(l.Identity())
	if !slices.ContainsFunc(*accs, func(a Account) bool { return a.ID == id }) {
		// Not one of ours (a `codex login` Quiver has not seen, or a login
		// the user removed): it is not imported behind the user's back;
		// the write keeps it in auth.json.quiver-backup.
		s.log.Info("auth.json held a login Quiver does not manage; it is kept in auth.json"+backupSuffix, "id", id)
		return nil
	}
	res, err := s.importLocked(ctx, accs, l)
	if err != nil {
		return fmt.Errorf("taking in the login auth.json holds before replacing it: %w", err)
	}
	s.logImport(res, "auth.json before it was replaced")
	return nil
}
