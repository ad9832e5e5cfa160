package proxy

import (
	"container/list"
	"sync"
	"time"
)

// Bounds of the turn-state memory.
const (
	turnStateCapacity = 8192
	turnStateTTL      = time.Hour
)

// turnStore remembers which account issued each x-codex-turn-state, so the
// next request of that turn goes back to it. Bounded: the oldest entries go
// first, and entries expire.
type turnStore struct {
	mu    sync.Mutex // guards all below
	max   int
	ttl   time.Duration
	items map[string]*list.Element
	order *list.List // of *turnEntry, oldest first
}

type turnEntry struct {
	state   string
	account string
	expires time.Time
}

func newTurnStore(max int, ttl time.Duration) *turnStore {
	return &turnStore{max: max, ttl: ttl, items: make(map[string]*list.Element), order: list.New()}
}

func (t *turnStore) remember(state, account string, now time.Time) {
	if state == "" || account == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if el, ok := t.items[state]; ok {
		e := el.Value.(*turnEntry)
		e.account, e.expires = account, now.Add(t.ttl)
		t.order.MoveToBack(el)
		return
	}
	t.items[state] = t.order.PushBack(&turnEntry{state: state, account: account, expires: now.Add(t.ttl)})
	for t.order.Len() > t.max {
		t.drop(t.order.Front())
	}
	// Entries expire in insertion order, so the front is always the oldest.
	for el := t.order.Front(); el != nil && now.After(el.Value.(*turnEntry).expires); el = t.order.Front() {
		t.drop(el)
	}
}

// lookup returns the account that issued state, or "".
func (t *turnStore) lookup(state string, now time.Time) string {
	if state == "" {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	el, ok := t.items[state]
	if !ok {
		return ""
	}
	e := el.Value.(*turnEntry)
	if now.After(e.expires) {
		t.drop(el)
		return ""
	}
	return e.account
}

func (t *turnStore) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.order.Len()
}

func (t *turnStore) drop(el *list.Element) {
	delete(t.items, el.Value.(*turnEntry).state)
	t.order.Remove(el)
}
