package rawpebble

import (
	"context"
	"testing"
)

func values(n, size int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		v := make([]byte, size)
		for j := range v {
			v[j] = byte(i + j)
		}
		out[i] = v
	}
	return out
}

func TestMeasures(t *testing.T) {
	ctx := context.Background()
	vals := values(500, 300)
	for _, tc := range []struct {
		name string
		run  func(dir string) (Result, error)
	}{
		{"batches", func(dir string) (Result, error) { return SyncedBatches(ctx, dir, nil, vals, 100) }},
		{"writers", func(dir string) (Result, error) { return SyncedWriters(ctx, dir, nil, vals, 4) }},
		{"scan", func(dir string) (Result, error) { return Scan(ctx, dir, nil, vals) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tc.run(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if r.Events != len(vals) || r.Bytes != int64(len(vals)*300) {
				t.Fatalf("got %d events, %d bytes; want %d, %d", r.Events, r.Bytes, len(vals), len(vals)*300)
			}
			t.Logf("%s: %.0f events/s", tc.name, r.EventsPerSecond())
		})
	}
}

func TestEmpty(t *testing.T) {
	if _, err := SyncedBatches(context.Background(), t.TempDir(), nil, nil, 1); err != ErrEmpty {
		t.Fatalf("got %v, want ErrEmpty", err)
	}
}

func TestDBContinuesPositions(t *testing.T) {
	ctx := context.Background()
	d, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	vals := values(100, 50)
	if _, err := d.SyncedBatches(ctx, vals, 30); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SyncedWriters(ctx, vals, 3); err != nil {
		t.Fatal(err)
	}
	if err := d.Load(vals); err != nil {
		t.Fatal(err)
	}
	r, err := d.Scan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Events != 300 {
		t.Fatalf("scan saw %d values, want 300 (positions must continue)", r.Events)
	}
	v, closer, err := d.Pebble().Get(Key(300))
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	if string(v) != string(vals[99]) {
		t.Fatal("position 300 does not hold the last loaded value")
	}
}
