package esdbtest_test

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/govledger/govledger/store/esdbstore/esdbtest"
)

// The v4.2.0 client always sends structured IDs and both required metadata
// keys; other clients may not, so these are checked on the wire.
func TestWireStringIDsAndRequiredMetadata(t *testing.T) {
	srv := esdbtest.New(t)
	conn, err := grpc.NewClient(srv.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sc := api.NewStreamsClient(conn)
	ctx := testCtx(t)

	appendOne := func(meta map[string]string, id string) (*api.AppendResp, error) {
		st, err := sc.Append(ctx)
		if err != nil {
			return nil, err
		}
		if err := st.Send(&api.AppendReq{Content: &api.AppendReq_Options_{Options: &api.AppendReq_Options{
			StreamIdentifier:       &shared.StreamIdentifier{StreamName: []byte("wire")},
			ExpectedStreamRevision: &api.AppendReq_Options_Any{Any: &shared.Empty{}},
		}}}); err != nil {
			return nil, err
		}
		if err := st.Send(&api.AppendReq{Content: &api.AppendReq_ProposedMessage_{ProposedMessage: &api.AppendReq_ProposedMessage{
			Id:       &shared.UUID{Value: &shared.UUID_String_{String_: id}},
			Metadata: meta,
			Data:     []byte("{}"),
		}}}); err != nil {
			return nil, err
		}
		return st.CloseAndRecv()
	}

	id := uuid.NewString()
	if _, err := appendOne(map[string]string{"type": "T"}, id); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("append without content-type: %v, want InvalidArgument", err)
	}
	if _, err := appendOne(map[string]string{"type": "T", "content-type": "application/json"}, "not-a-uuid"); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("append with a malformed id: %v, want InvalidArgument", err)
	}
	if _, err := appendOne(map[string]string{"type": "T", "content-type": "application/json"}, id); err != nil {
		t.Fatal(err)
	}

	rs, err := sc.Read(ctx, &api.ReadReq{Options: &api.ReadReq_Options{
		StreamOption: &api.ReadReq_Options_Stream{Stream: &api.ReadReq_Options_StreamOptions{
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte("wire")},
			RevisionOption:   &api.ReadReq_Options_StreamOptions_Start{Start: &shared.Empty{}},
		}},
		CountOption:  &api.ReadReq_Options_Count{Count: 10},
		FilterOption: &api.ReadReq_Options_NoFilter{NoFilter: &shared.Empty{}},
		UuidOption:   &api.ReadReq_Options_UUIDOption{Content: &api.ReadReq_Options_UUIDOption_String_{String_: &shared.Empty{}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		msg, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, msg.GetEvent().GetEvent().GetId().GetString_())
	}
	if len(got) != 1 || got[0] != id {
		t.Fatalf("read ids %q, want [%s]", got, id)
	}
}

func TestStatsInterval(t *testing.T) {
	srv := start(t, esdbtest.Config{StatsInterval: time.Millisecond})
	c := newClient(t, srv.URL())
	for deadline := time.Now().Add(10 * time.Second); ; {
		stats := 0
		for _, e := range readAll(t, c, esdb.ReadAllOptions{From: esdb.Start{}}, 1000) {
			if e.Event.EventType == "$statsCollected" {
				stats++
			}
		}
		if stats >= 3 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d stats events after 10s", stats)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
