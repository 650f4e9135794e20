package main

import (
	"flag"
	"time"

	"github.com/govledger/govledger/projections/policy"
)

// builtinOptions configures the built-in projections: the policy (zone,
// deadline policies, working-day calendar, three-rate weights) and the
// disclosure threshold k.
type builtinOptions struct {
	policyFile string
	k          int
	rules      *policy.Rules
}

// optionFlags adds --policy and --k to a command that runs projections.
func optionFlags(fs *flag.FlagSet) *builtinOptions {
	o := &builtinOptions{}
	fs.StringVar(&o.policyFile, "policy", "", "policy file (JSON: zone, deadline policies, holiday calendar, three-rate weights); default: the built-in policy")
	fs.IntVar(&o.k, "k", 5, "disclosure: groups smaller than k are suppressed")
	return o
}

// load reads the policy file once.
func (o *builtinOptions) load() (*policy.Rules, error) {
	if o.rules != nil {
		return o.rules, nil
	}
	if o.policyFile == "" {
		o.rules = policy.Default()
		return o.rules, nil
	}
	r, err := policy.Load(o.policyFile)
	if err != nil {
		return nil, err
	}
	o.rules = r
	return r, nil
}

// zone is the policy's zone (the default zone if the policy cannot be read;
// builtins reports that error).
func (o *builtinOptions) zone() *time.Location {
	r, err := o.load()
	if err != nil {
		return policy.Default().Location()
	}
	return r.Location()
}
