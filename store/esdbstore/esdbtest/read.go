package esdbtest

import (
	"encoding/binary"
	"regexp"
	"strconv"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Read serves reads of a stream or of $all and, when the count option is a
// subscription, catch-up subscriptions.
func (h *streamsHandler) Read(req *api.ReadReq, st api.Streams_ReadServer) error {
	o := req.GetOptions()
	if o == nil {
		return status.Error(codes.InvalidArgument, "read options are missing")
	}
	f, err := newFilter(o.GetFilter())
	if err != nil {
		return err
	}
	enc := encoder{structured: o.GetUuidOption().GetStructured() != nil}
	if o.GetSubscription() != nil {
		return h.subscribe(o, f, enc, st)
	}
	backwards := o.GetReadDirection() == api.ReadReq_Options_Backwards
	count := o.GetCount()
	switch so := o.GetStreamOption().(type) {
	case *api.ReadReq_Options_Stream:
		return readStream(h.srv.log, so.Stream, backwards, count, enc, st)
	case *api.ReadReq_Options_All:
		return readAll(h.srv.log, so.All, backwards, count, f, enc, st)
	}
	return status.Error(codes.InvalidArgument, "read of neither a stream nor $all")
}

func readStream(l *memLog, o *api.ReadReq_Options_StreamOptions, backwards bool, count uint64, enc encoder, st api.Streams_ReadServer) error {
	name := string(o.GetStreamIdentifier().GetStreamName())
	evs, ok := l.streamEvents(name)
	if !ok {
		return st.Send(&api.ReadResp{Content: &api.ReadResp_StreamNotFound_{
			StreamNotFound: &api.ReadResp_StreamNotFound{StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(name)}},
		}})
	}
	last := uint64(len(evs) - 1)
	var from uint64
	switch r := o.GetRevisionOption().(type) {
	case *api.ReadReq_Options_StreamOptions_Start:
		from = 0
	case *api.ReadReq_Options_StreamOptions_End:
		if !backwards {
			return nil
		}
		from = last
	case *api.ReadReq_Options_StreamOptions_Revision:
		from = r.Revision
	default:
		return status.Error(codes.InvalidArgument, "stream revision option is missing")
	}
	var sent uint64
	if backwards {
		for i := int64(min(from, last)); i >= 0 && sent < count; i-- {
			if err := st.Send(enc.event(evs[i])); err != nil {
				return err
			}
			sent++
		}
		return nil
	}
	for i := from; i <= last && sent < count; i++ {
		if err := st.Send(enc.event(evs[i])); err != nil {
			return err
		}
		sent++
	}
	return nil
}

func readAll(l *memLog, o *api.ReadReq_Options_AllOptions, backwards bool, count uint64, f *filter, enc encoder, st api.Streams_ReadServer) error {
	all, _ := l.snapshot()
	// i is the first index to send going forwards, or one past it backwards.
	var i int
	switch p := o.GetAllOption().(type) {
	case *api.ReadReq_Options_AllOptions_Start:
		i = 0
	case *api.ReadReq_Options_AllOptions_End:
		i = len(all)
	case *api.ReadReq_Options_AllOptions_Position:
		if err := checkPosition(p.Position.GetCommitPosition(), p.Position.GetPreparePosition()); err != nil {
			return err
		}
		// Forwards includes the event at the position; backwards starts
		// with the event before it.
		i = indexAtOrAfter(all, p.Position.GetCommitPosition())
	default:
		return status.Error(codes.InvalidArgument, "$all position option is missing")
	}
	var sent uint64
	send := func(r *record) error {
		if !f.match(r) {
			return nil
		}
		sent++
		return st.Send(enc.event(r))
	}
	if backwards {
		for j := i - 1; j >= 0 && sent < count; j-- {
			if err := send(all[j]); err != nil {
				return err
			}
		}
		return nil
	}
	for j := i; j < len(all) && sent < count; j++ {
		if err := send(all[j]); err != nil {
			return err
		}
	}
	return nil
}

func checkPosition(commit, prepare uint64) error {
	if prepare > commit {
		return status.Errorf(codes.InvalidArgument, "invalid position: prepare %d is after commit %d", prepare, commit)
	}
	return nil
}

// encoder turns records into read responses in the ID encoding the client
// asked for.
type encoder struct{ structured bool }

func (e encoder) event(r *record) *api.ReadResp {
	id := &shared.UUID{}
	if e.structured {
		id.Value = &shared.UUID_Structured_{Structured: &shared.UUID_Structured{
			MostSignificantBits:  int64(binary.BigEndian.Uint64(r.id[:8])),
			LeastSignificantBits: int64(binary.BigEndian.Uint64(r.id[8:])),
		}}
	} else {
		id.Value = &shared.UUID_String_{String_: uuid.UUID(r.id).String()}
	}
	return &api.ReadResp{Content: &api.ReadResp_Event{Event: &api.ReadResp_ReadEvent{
		Event: &api.ReadResp_ReadEvent_RecordedEvent{
			Id:               id,
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(r.stream)},
			StreamRevision:   r.revision,
			PreparePosition:  r.pos,
			CommitPosition:   r.pos,
			Metadata: map[string]string{
				"type":         r.eventType,
				"content-type": r.contentType,
				"created":      strconv.FormatInt(r.created, 10),
			},
			CustomMetadata: r.meta,
			Data:           r.data,
		},
		Position: &api.ReadResp_ReadEvent_CommitPosition{CommitPosition: r.pos},
	}}}
}

// filter is a server-side $all filter on stream name or event type, by
// prefixes or by a regular expression. A nil filter matches everything.
type filter struct {
	onType   bool
	prefixes []string
	re       *regexp.Regexp
	// checkpointEvery is how many events are examined between checkpoints
	// in a subscription: the window (max, default 32) times the multiplier.
	checkpointEvery int
}

func newFilter(o *api.ReadReq_Options_FilterOptions) (*filter, error) {
	if o == nil {
		return nil, nil
	}
	f := &filter{}
	var expr *api.ReadReq_Options_FilterOptions_Expression
	switch e := o.GetFilter().(type) {
	case *api.ReadReq_Options_FilterOptions_StreamIdentifier:
		expr = e.StreamIdentifier
	case *api.ReadReq_Options_FilterOptions_EventType:
		f.onType, expr = true, e.EventType
	default:
		return nil, status.Error(codes.InvalidArgument, "filter has neither a stream nor an event type expression")
	}
	f.prefixes = expr.GetPrefix()
	if rx := expr.GetRegex(); rx != "" {
		re, err := regexp.Compile(rx)
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "invalid filter regex %q: %v", rx, err)
		}
		f.re = re
	}
	if f.re == nil && len(f.prefixes) == 0 {
		return nil, status.Error(codes.InvalidArgument, "filter needs prefixes or a regex")
	}
	window := 32
	if m, ok := o.GetWindow().(*api.ReadReq_Options_FilterOptions_Max); ok && m.Max > 0 {
		window = int(m.Max)
	}
	f.checkpointEvery = window * int(max(o.GetCheckpointIntervalMultiplier(), 1))
	return f, nil
}

func (f *filter) match(r *record) bool {
	if f == nil {
		return true
	}
	s := r.stream
	if f.onType {
		s = r.eventType
	}
	if f.re != nil && f.re.MatchString(s) {
		return true
	}
	for _, p := range f.prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
