package main

import (
	"flag"

	"github.com/govledger/govledger/bundle"
	"github.com/govledger/govledger/replay"
)

// source is what replay, audit, diff and prove read: the embedded ledger
// at --dir, or an export bundle at --bundle.
type source struct {
	replay.Source
	closer func() error
	origin string // the ledger's name (its checkpoint key's), "" if unknown
	key    string // the verifier key that came with it ("" if none)
	bundle *bundle.Bundle
	dir    string // the ledger directory (when not a bundle)
}

func (s *source) Close() error { return s.closer() }

// bundleFlag adds --bundle, the alternative to --dir.
func bundleFlag(fs *flag.FlagSet) *string {
	return fs.String("bundle", "", "read an export bundle (govledger export --bundle) instead of the ledger at --dir")
}

// openSource opens the bundle at bundleDir if given, else the ledger at dir.
func openSource(dir, bundleDir string) (*source, error) {
	if bundleDir != "" {
		b, err := bundle.Open(bundleDir)
		if err != nil {
			return nil, err
		}
		return &source{Source: b, closer: func() error { return nil }, origin: b.Origin(), key: b.VerifierKey(), bundle: b}, nil
	}
	s, err := openStore(dir)
	if err != nil {
		return nil, err
	}
	src := &source{Source: s, closer: s.Close, origin: ledgerOrigin(dir), dir: dir}
	if _, v, err := ledgerKey(dir); err == nil {
		src.key = v
	}
	return src, nil
}

// what names the source in messages.
func (s *source) what() string {
	if s.bundle != nil {
		return "the bundle at " + s.bundle.Dir()
	}
	return "the ledger at " + s.dir
}
