package account

import (
	"slices"
	"time"
)

// Strategy names how the proxy picks an account for a request.
type Strategy string

// The strategies.
const (
	Sticky     Strategy = "sticky"      // the active account until it is limited, then pool order
	RoundRobin Strategy = "round-robin" // the next usable account each time
	LeastUsed  Strategy = "least-used"  // the usable account with the most quota left
	FillFirst  Strategy = "fill-first"  // the first usable account in pool order
)

// Choose picks among usable accounts (already filtered, in pool order) by
// strategy. turn counts round-robin picks; active is auth.json's account.
// It returns false when usable is empty.
func Choose(strategy Strategy, usable []Account, active string, turn uint64, now time.Time) (Account, bool) {
	if len(usable) == 0 {
		return Account{}, false
	}
	switch strategy {
	case RoundRobin:
		return usable[turn%uint64(len(usable))], true
	case LeastUsed:
		return slices.MinFunc(usable, func(a, b Account) int {
			ua, ub := a.Usage.MaxUsedPercent(now), b.Usage.MaxUsedPercent(now)
			switch {
			case ua < ub:
				return -1
			case ua > ub:
				return 1
			}
			return 0 // MinFunc keeps the first: pool order breaks ties
		}), true
	case Sticky:
		if i := slices.IndexFunc(usable, func(a Account) bool { return a.ID == active }); i >= 0 {
			return usable[i], true
		}
	}
	return usable[0], true
}

// Recommended is the usable account with the most quota left, for the
// tray's star and the window's badge.
func Recommended(accs []Account, now time.Time) (Account, bool) {
	var usable []Account
	for _, a := range accs {
		if a.Usable(now) {
			usable = append(usable, a)
		}
	}
	return Choose(LeastUsed, usable, "", 0, now)
}
