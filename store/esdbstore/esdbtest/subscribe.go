package esdbtest

import (
	"math"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
)

// subscribe serves a catch-up subscription: a confirmation, the events after
// the starting point, CaughtUp once the end is reached, then live events as
// they are written, until the client cancels or the server stops. Filtered
// $all subscriptions also get a checkpoint every checkpointEvery examined
// events.
//
// Events are read from the log itself rather than pushed through a buffer,
// so a slow subscriber never falls behind and FellBehind is never sent.
func (h *streamsHandler) subscribe(o *api.ReadReq_Options, f *filter, enc encoder, st api.Streams_ReadServer) error {
	if o.GetReadDirection() == api.ReadReq_Options_Backwards {
		return status.Error(codes.InvalidArgument, "subscriptions read forwards only")
	}
	var next func() ([]*record, <-chan struct{})
	var i int // index of the next record to examine
	switch so := o.GetStreamOption().(type) {
	case *api.ReadReq_Options_Stream:
		name := string(so.Stream.GetStreamIdentifier().GetStreamName())
		next = func() ([]*record, <-chan struct{}) { return h.srv.log.streamSnapshot(name) }
		f = nil // filters apply to $all only
		evs, _ := next()
		switch r := so.Stream.GetRevisionOption().(type) {
		case *api.ReadReq_Options_StreamOptions_Start:
			i = 0
		case *api.ReadReq_Options_StreamOptions_End:
			i = len(evs)
		case *api.ReadReq_Options_StreamOptions_Revision:
			// After the revision, even one the stream has not reached yet.
			i = int(min(r.Revision, math.MaxInt-1) + 1)
		default:
			return status.Error(codes.InvalidArgument, "stream revision option is missing")
		}
	case *api.ReadReq_Options_All:
		next = h.srv.log.snapshot
		all, _ := next()
		switch p := so.All.GetAllOption().(type) {
		case *api.ReadReq_Options_AllOptions_Start:
			i = 0
		case *api.ReadReq_Options_AllOptions_End:
			i = len(all)
		case *api.ReadReq_Options_AllOptions_Position:
			if err := checkPosition(p.Position.GetCommitPosition(), p.Position.GetPreparePosition()); err != nil {
				return err
			}
			// A subscription from a position starts after it.
			i = indexAfter(all, p.Position.GetCommitPosition())
		default:
			return status.Error(codes.InvalidArgument, "$all position option is missing")
		}
	default:
		return status.Error(codes.InvalidArgument, "subscription to neither a stream nor $all")
	}

	if err := st.Send(&api.ReadResp{Content: &api.ReadResp_Confirmation{
		Confirmation: &api.ReadResp_SubscriptionConfirmation{SubscriptionId: uuid.NewString()},
	}}); err != nil {
		return err
	}
	ctx := st.Context()
	caughtUp := false
	examined := 0
	for {
		recs, changed := next()
		for ; i < len(recs); i++ {
			r := recs[i]
			if f.match(r) {
				if err := st.Send(enc.event(r)); err != nil {
					return err
				}
			}
			if f != nil {
				examined++
				if examined >= f.checkpointEvery {
					examined = 0
					if err := st.Send(&api.ReadResp{Content: &api.ReadResp_Checkpoint_{
						Checkpoint: &api.ReadResp_Checkpoint{CommitPosition: r.pos, PreparePosition: r.pos},
					}}); err != nil {
						return err
					}
				}
			}
		}
		if !caughtUp {
			caughtUp = true
			if err := st.Send(&api.ReadResp{Content: &api.ReadResp_CaughtUp_{CaughtUp: &api.ReadResp_CaughtUp{}}}); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		case <-changed:
		}
	}
}
