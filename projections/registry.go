package projections

import (
	"fmt"
	"sort"
)

// Registry is the explicit list of projections a program runs. It is
// filled in cmd/, one Register line per projection, so the list that
// produced a report is readable in one file. Names carry a version; two
// projections with the same base name are refused, whatever their versions.
// A Registry is not safe for concurrent Register calls.
type Registry struct {
	list   []Projection
	byBase map[string]int
	filter []map[string]bool // nil entry: every type
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{byBase: map[string]int{}} }

// Register adds p. It refuses a name that is not <base>/v<n> and a base
// name already registered.
func (r *Registry) Register(p Projection) error {
	if p == nil {
		return fmt.Errorf("%w: nil projection", ErrName)
	}
	name := p.Name()
	base, _, err := SplitName(name)
	if err != nil {
		return err
	}
	if r.byBase == nil {
		r.byBase = map[string]int{}
	}
	if i, ok := r.byBase[base]; ok {
		return fmt.Errorf("%w: %s (already registered as %s)", ErrDuplicate, name, r.list[i].Name())
	}
	var want map[string]bool
	if f, ok := p.(Filter); ok {
		want = map[string]bool{}
		for _, t := range f.Types() {
			want[t] = true
		}
	}
	r.byBase[base] = len(r.list)
	r.list = append(r.list, p)
	r.filter = append(r.filter, want)
	return nil
}

// All returns the registered projections in registration order.
func (r *Registry) All() []Projection { return append([]Projection(nil), r.list...) }

// Len is the number of registered projections.
func (r *Registry) Len() int { return len(r.list) }

// Get returns the projection registered under name, given with or without
// its version ("timeliness" or "timeliness/v1"). A name with another
// version than the registered one is not found.
func (r *Registry) Get(name string) (Projection, error) {
	base := name
	if b, _, err := SplitName(name); err == nil {
		base = b
	}
	i, ok := r.byBase[base]
	if !ok || (base != name && r.list[i].Name() != name) {
		return nil, fmt.Errorf("%w: %q (registered: %v)", ErrUnknown, name, r.Names())
	}
	return r.list[i], nil
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	out := make([]string, len(r.list))
	for i, p := range r.list {
		out[i] = p.Name()
	}
	sort.Strings(out)
	return out
}
