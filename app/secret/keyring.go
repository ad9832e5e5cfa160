package secret

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/zalando/go-keyring"
)

// keyringAPI is the part of go-keyring the store uses; tests replace it.
type keyringAPI interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// osKeyring calls go-keyring's package functions.
type osKeyring struct{}

func (osKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (osKeyring) Set(service, user, pass string) error     { return keyring.Set(service, user, pass) }
func (osKeyring) Delete(service, user string) error        { return keyring.Delete(service, user) }

// keyringStore keeps each secret as one keyring item: service = the store's
// service, user = the key, password = the value.
//
// go-keyring's calls cannot be cancelled and can block forever (a locked
// keyring waiting on a password prompt), so each runs in its own goroutine
// and the caller stops waiting at the timeout. Calls go one at a time
// through slot, so a call that never returns strands one goroutine, not one
// per attempt; the calls after it time out until it finishes.
type keyringStore struct {
	service string
	timeout time.Duration
	api     keyringAPI
	busOK   func() error // reports a missing session bus before go-keyring tries to start one
	slot    chan struct{}
}

// NewKeyring returns a Store in the OS keyring under service (default
// "quiver"), each call bounded by timeout (default 5s). It does not check
// that the keyring answers: Open does.
func NewKeyring(service string, timeout time.Duration) Store {
	return newOSKeyring(service, timeout)
}

func newOSKeyring(service string, timeout time.Duration) *keyringStore {
	return newKeyringStore(service, timeout, osKeyring{}, sessionBusReachable)
}

func newKeyringStore(service string, timeout time.Duration, api keyringAPI, busOK func() error) *keyringStore {
	if service == "" {
		service = DefaultService
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &keyringStore{service: service, timeout: timeout, api: api, busOK: busOK, slot: make(chan struct{}, 1)}
}

// Describe names the platform's keyring.
func (s *keyringStore) Describe() string {
	switch runtime.GOOS {
	case "darwin":
		return "OS keyring (macOS Keychain)"
	case "windows":
		return "OS keyring (Windows Credential Manager)"
	default:
		return "OS keyring (Secret Service)"
	}
}

// Get returns key's secret.
func (s *keyringStore) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	var value string
	err := s.call(ctx, func() (err error) {
		value, err = s.api.Get(s.service, key)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading secret %q from the OS keyring: %w", key, err)
	}
	return []byte(value), nil
}

// Set stores value under key.
func (s *keyringStore) Set(ctx context.Context, key string, value []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	v := string(value)
	err := s.call(ctx, func() error { return s.api.Set(s.service, key, v) })
	if err != nil {
		return fmt.Errorf("storing secret %q in the OS keyring: %w", key, err)
	}
	return nil
}

// Delete removes key's secret; a missing key is not an error.
func (s *keyringStore) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	err := s.call(ctx, func() error { return s.api.Delete(s.service, key) })
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("deleting secret %q from the OS keyring: %w", key, err)
	}
	return nil
}

// call runs op in a goroutine, one at a time, and waits for it at most
// until the store's timeout or ctx ends. The error is classified.
func (s *keyringStore) call(parent context.Context, op func() error) error {
	if err := s.busOK(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(parent, s.timeout)
	defer cancel()
	select {
	case s.slot <- struct{}{}:
	case <-ctx.Done():
		return waitError(parent, "waiting for an earlier keyring call to finish")
	}
	done := make(chan error, 1) // buffered: a late op never blocks
	go func() {
		defer func() { <-s.slot }()
		done <- op()
	}()
	select {
	case err := <-done:
		return classify(err)
	case <-ctx.Done():
		return waitError(parent, "waiting for the keyring")
	}
}

// waitError explains why call stopped waiting: the caller's context ended,
// or else the store's own timeout passed.
func waitError(parent context.Context, doing string) error {
	if parent.Err() != nil {
		return fmt.Errorf("%s: %w", doing, context.Cause(parent))
	}
	return fmt.Errorf("%s: %w", doing, ErrTimeout)
}

func checkKey(key string) error {
	if key == "" {
		return errors.New("secret key is empty")
	}
	return nil
}
