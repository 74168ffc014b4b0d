package main

import (
	"sync"
)

// pageCacheSize bounds the answers kept: a few dozen agendas and API lists are what is read over
// and over; an odd filter or a later page may take a place and push another out.
const pageCacheSize = 256

// pageCache keeps rendered answers (an agenda page, an API list) with the version of the data
// they were made from (models.AgendaVersion, models.MeetupsVersion). An answer is served again
// only while the version taken for the next request is the same: the data is asked for its
// version every time, so nothing stale is ever served, but the rows are neither read nor
// rendered again. The key says everything else the answer depends on (who asks, their
// language, the URL).
type pageCache struct {
	mu      sync.Mutex
	entries map[string]cachedPage
}

type cachedPage struct {
	version string
	body    []byte
}

func newPageCache() *pageCache {
	return &pageCache{entries: make(map[string]cachedPage, pageCacheSize)}
}

// get returns the answer kept under key when it was made from this version of the data.
func (p *pageCache) get(key, version string) ([]byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.entries[key]
	if !ok || e.version != version {
		return nil, false
	}
	return e.body, true
}

// put keeps a copy of body under key, pushing out another answer when full.
func (p *pageCache) put(key, version string, body []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.entries[key]; !ok && len(p.entries) >= pageCacheSize {
		for k := range p.entries { // any one: map order is random
			delete(p.entries, k)
			break
		}
	}
	p.entries[key] = cachedPage{version: version, body: append([]byte(nil), body...)}
}
