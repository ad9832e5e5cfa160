package account

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNotLimited is returned by ClearLimit for an account that is not
// cooling down and whose figures show no full window: there is nothing to
// clear.
var ErrNotLimited = errors.New("is not cooling down")

// Limited reports whether the account is out of rotation because of a
// limit at now: a cooldown still running, or figures that show a full
// window or say the limit was reached.
func (a Account) Limited(now time.Time) bool {
	if now.Before(a.CooldownUntil) {
		return true
	}
	return a.Usage != nil && (a.Usage.LimitReached || a.Usage.MaxUsedPercent(now) >= 100)
}

// ClearLimit puts ref back into rotation now, on every surface: the
// cooldown ends, and figures that show it limited are dropped (they are
// what made it limited; the next poll or proxied request brings new ones,
// which may limit it again). An account that is not limited is left as it
// is and ErrNotLimited returned.
func (s *Store) ClearLimit(ctx context.Context, ref string) (Account, error) {
	acc, err := s.Resolve(ref)
	if err != nil {
		return Account{}, err
	}
	now := s.opts.Now()
	err = s.Update(ctx, acc.ID, func(a *Account) error {
		if !a.Limited(now) {
			return fmt.Errorf("%s %w", a.Label(), ErrNotLimited)
		}
		a.CooldownUntil = time.Time{}
		if a.Usage != nil && (a.Usage.LimitReached || a.Usage.MaxUsedPercent(now) >= 100) {
			a.Usage = nil
		}
		acc = *a
		return nil
	})
	if err != nil {
		return acc, err
	}
	s.log.Info("cleared the limit of account by hand", "account", acc.Label(), "id", acc.ID)
	return acc, nil
}
