package main

import "github.com/govledger/govledger/projections"

// builtins returns the registry of every built-in projection: the list
// that produced a report, readable in one place. A new projection is one
// more Register line.
func builtins(opt builtinOptions) (*projections.Registry, error) {
	rules, err := opt.load()
	if err != nil {
		return nil, err
	}
	_ = rules
	reg := projections.NewRegistry()
	for _, p := range []projections.Projection{} {
		if err := reg.Register(p); err != nil {
			return nil, err
		}
	}
	return reg, nil
}
