package main

import (
	"github.com/govledger/govledger/projections"
	"github.com/govledger/govledger/projections/ballots"
	"github.com/govledger/govledger/projections/casetrace"
	"github.com/govledger/govledger/projections/disclosure"
	"github.com/govledger/govledger/projections/overdue"
	"github.com/govledger/govledger/projections/process"
	"github.com/govledger/govledger/projections/ratings"
	"github.com/govledger/govledger/projections/routing"
	"github.com/govledger/govledger/projections/timeliness"
)

// builtins returns the registry of every built-in projection: the list
// that produced a report, readable in one place. A new projection is one
// more line in the list.
func builtins(opt builtinOptions) (*projections.Registry, error) {
	rules, err := opt.load()
	if err != nil {
		return nil, err
	}
	zone := rules.Location()
	disclosed, err := disclosure.New(disclosure.Config{K: opt.k, Zone: zone})
	if err != nil {
		return nil, err
	}
	mining, err := process.New(process.Config{Zone: zone})
	if err != nil {
		return nil, err
	}
	w, basically := rules.Weights(), rules.BasicallyFactor()
	rated, err := ratings.New(ratings.Config{Zone: zone, Basically: &basically,
		Weights: ratings.Weights{Response: w.Response, Resolution: w.Resolution, Satisfaction: w.Satisfaction}})
	if err != nil {
		return nil, err
	}
	reg := projections.NewRegistry()
	for _, p := range []projections.Projection{
		timeliness.New(timeliness.Config{Rules: rules}),
		routing.New(routing.Config{Zone: zone}),
		rated,
		casetrace.New(casetrace.Config{Rules: rules}),
		ballots.New(ballots.Config{Zone: zone}),
		disclosed,
		mining,
		overdue.New(overdue.Config{Rules: rules}),
	} {
		if err := reg.Register(p); err != nil {
			return nil, err
		}
	}
	return reg, nil
}
