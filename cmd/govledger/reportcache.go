package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"sync"

	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/store"
	"github.com/govledger/govledger/store/pebblestore"
)

// reportCache keeps the reports a query produced, next to the checkpoints,
// keyed by projection and query. An entry is used only while the ledger's
// head, the projection's version and its configuration are those it was
// computed at, so it answers exactly what a replay would; anything else
// replays from the checkpoint and refreshes the entry. A large ledger's
// report is then answered without loading the projection's state.
type reportCache struct{ side *pebblestore.Side }

// maxCachedReport bounds an entry (a per-case listing is not cached).
const maxCachedReport = 8 << 20

type cacheEntry struct {
	Program  string                `json:"program"`
	Name     string                `json:"name"`
	Config   string                `json:"config"`
	Position uint64                `json:"position"`
	Reports  []*projections.Report `json:"reports"`
}

func newReportCache(s store.Store) reportCache {
	ps := sidesOf(s)
	if ps == nil {
		return reportCache{}
	}
	side, err := ps.Side(pebblestore.SideCheckpoints)
	if err != nil {
		return reportCache{}
	}
	return reportCache{side: side}
}

// program identifies the running build (the SHA-256 of its executable), so
// that a report cached by another build of the program (which may word or
// chart a report differently within one projection version) is not used.
var program = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err != nil {
		return "unknown"
	}
	f, err := os.Open(exe)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "unknown"
	}
	return hex.EncodeToString(h.Sum(nil))
})

func configOf(p projections.Projection) string {
	if c, ok := p.(projections.Configured); ok {
		return c.ConfigFingerprint()
	}
	return ""
}

func cacheKey(p projections.Projection, q projections.Query) []byte {
	base, _, _ := projections.SplitName(p.Name())
	qj, _ := json.Marshal(q)
	sum := sha256.Sum256(qj)
	return []byte("report/" + base + "/" + hex.EncodeToString(sum[:16]))
}

// get returns the cached reports of p for q if they stand at head.
func (c reportCache) get(ctx context.Context, p projections.Projection, q projections.Query, head uint64) ([]*projections.Report, bool) {
	if c.side == nil {
		return nil, false
	}
	raw, ok, err := c.side.Get(ctx, cacheKey(p, q))
	if err != nil || !ok {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var e cacheEntry
	if err := dec.Decode(&e); err != nil || e.Program != program() || e.Name != p.Name() || e.Config != configOf(p) || e.Position != head {
		return nil, false
	}
	for _, r := range e.Reports {
		for _, row := range r.Rows {
			for i, v := range row {
				n, ok := v.(json.Number)
				if !ok {
					continue
				}
				// The Go type a fresh report has: counts are integers,
				// rates, hours and numbers are floats (1.0 is a rate of
				// 100%, not a count of one).
				if i < len(r.Columns) && r.Columns[i].Kind == projections.KindCount {
					if x, err := n.Int64(); err == nil {
						row[i] = x
						continue
					}
				}
				if f, err := n.Float64(); err == nil {
					row[i] = f
				}
			}
		}
	}
	return e.Reports, true
}

// put stores the reports of p for q at position; failures only cost speed.
func (c reportCache) put(ctx context.Context, p projections.Projection, q projections.Query, position uint64, reports []*projections.Report) {
	if c.side == nil {
		return
	}
	b, err := json.Marshal(cacheEntry{Program: program(), Name: p.Name(), Config: configOf(p), Position: position, Reports: reports})
	if err != nil || len(b) > maxCachedReport {
		return
	}
	_ = c.side.Put(ctx, cacheKey(p, q), b)
}

// warm caches the default report (the zero Query) of every Reporter the
// runner brought to head, so that the first `govledger report <name>`
// after a catch-up is answered from the cache. Per-case listings are left
// out.
func warm(ctx context.Context, s store.Store, r *projections.Runner, ps []projections.Projection) {
	head, err := s.Head(ctx)
	if err != nil {
		return
	}
	cache := newReportCache(s)
	at := map[string]projections.Status{}
	for _, st := range r.Status() {
		at[st.Name] = st
	}
	for _, p := range ps {
		st := at[p.Name()]
		if _, ok := p.(projections.Reporter); !ok || isListing(p) || st.Position != head || st.Err != nil {
			continue
		}
		rs, err := reportsOf(p, projections.Query{})
		if err != nil {
			continue
		}
		for _, rep := range rs {
			rep.Projection, rep.Position, rep.Digest = p.Name(), st.Position, st.Digest
		}
		cache.put(ctx, p, projections.Query{}, head, rs)
	}
}
