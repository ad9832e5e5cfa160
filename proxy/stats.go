package proxy

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// stats counts what the proxy did, for /quiver/status.
type stats struct {
	requests  atomic.Int64
	inFlight  atomic.Int64
	failovers atomic.Int64

	mu       sync.Mutex // guards accounts
	accounts map[string]*AccountStatus
}

func newStats() *stats { return &stats{accounts: make(map[string]*AccountStatus)} }

func (s *stats) account(l Lease) *AccountStatus {
	a, ok := s.accounts[l.AccountID]
	if !ok {
		a = &AccountStatus{AccountID: l.AccountID}
		s.accounts[l.AccountID] = a
	}
	a.Label = l.Label
	return a
}

func (s *stats) begin(l Lease, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.account(l)
	a.Leases++
	a.InFlight++
	a.LastUsed = now
}

func (s *stats) end(l Lease, o Outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.account(l)
	a.InFlight--
	if o.Status != 0 {
		a.LastStatus = o.Status
	}
	a.LastOutcome = o.Kind.String()
	if o.Kind == Limited {
		a.CooldownUntil = o.ResetAt
	}
}

// snapshot merges the proxy's counters with the picker's view when it has
// one (the picker's cooldowns win: it knows about other processes' answers).
func (s *stats) snapshot(p Picker) []AccountStatus {
	s.mu.Lock()
	out := make(map[string]AccountStatus, len(s.accounts))
	for id, a := range s.accounts {
		out[id] = *a
	}
	s.mu.Unlock()
	if src, ok := p.(StatusSource); ok {
		for _, ps := range src.AccountStatus() {
			a := out[ps.AccountID]
			a.AccountID = ps.AccountID
			if ps.Label != "" {
				a.Label = ps.Label
			}
			a.CooldownUntil = ps.CooldownUntil
			if ps.Leases > a.Leases {
				a.Leases = ps.Leases
			}
			out[ps.AccountID] = a
		}
	}
	list := make([]AccountStatus, 0, len(out))
	for _, a := range out {
		list = append(list, a)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].AccountID < list[j].AccountID })
	return list
}
