package esdbtest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// streamsHandler serves the Streams service: Read and Append. Delete,
// Tombstone and BatchAppend answer Unimplemented.
type streamsHandler struct {
	api.UnimplementedStreamsServer
	srv *Server
}

var _ api.StreamsServer = (*streamsHandler)(nil)

// Append reads the options message and the proposed events, applies them
// atomically and answers Success or WrongExpectedVersion.
func (h *streamsHandler) Append(st api.Streams_AppendServer) error {
	first, err := st.Recv()
	if err != nil {
		return err
	}
	opts := first.GetOptions()
	if opts == nil {
		return status.Error(codes.InvalidArgument, "the first append message must carry the options")
	}
	name := string(opts.GetStreamIdentifier().GetStreamName())
	if name == "" {
		return status.Error(codes.InvalidArgument, "stream name is empty")
	}
	exp, err := expectationFromProto(opts)
	if err != nil {
		return err
	}

	var evs []proposed
	size := 0
	for {
		req, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		pm := req.GetProposedMessage()
		if pm == nil {
			return status.Error(codes.InvalidArgument, "append messages after the first must be proposed events")
		}
		id, err := idFromProto(pm.GetId())
		if err != nil {
			return err
		}
		eventType, okType := pm.GetMetadata()["type"]
		contentType, okContent := pm.GetMetadata()["content-type"]
		if !okType || !okContent {
			st.SetTrailer(metadata.Pairs(
				"exception", "missing-required-metadata-property",
				"required-metadata-properties", "type,content-type"))
			return status.Error(codes.InvalidArgument, "Missing required metadata property: type, content-type.")
		}
		size += len(pm.GetData()) + len(pm.GetCustomMetadata())
		if size > h.srv.cfg.MaxAppendSize {
			st.SetTrailer(metadata.Pairs(
				"exception", "maximum-append-size-exceeded",
				"maximum-append-size", strconv.Itoa(h.srv.cfg.MaxAppendSize)))
			return status.Errorf(codes.InvalidArgument, "Maximum Append Size of %d Exceeded.", h.srv.cfg.MaxAppendSize)
		}
		evs = append(evs, proposed{
			id:          id,
			eventType:   eventType,
			contentType: contentType,
			data:        pm.GetData(),
			meta:        pm.GetCustomMetadata(),
		})
	}

	out := h.srv.log.append(name, exp, evs, ticks(h.srv.cfg.Now()))

	if h.srv.failNextAppend.CompareAndSwap(true, false) {
		if p, ok := peer.FromContext(st.Context()); ok {
			h.srv.cutConn(p.Addr.String())
		}
		return status.Error(codes.Unavailable, "esdbtest: connection cut after the write")
	}
	return st.SendAndClose(appendResponse(exp, out))
}

func appendResponse(exp expectation, out appendOutcome) *api.AppendResp {
	if out.wrongVersion {
		w := &api.AppendResp_WrongExpectedVersion{}
		if out.noStream {
			w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentNoStream{CurrentNoStream: &shared.Empty{}}
			w.CurrentRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_NoStream_20_6_0{NoStream_20_6_0: &shared.Empty{}}
		} else {
			w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentRevision{CurrentRevision: out.current}
			w.CurrentRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_CurrentRevision_20_6_0{CurrentRevision_20_6_0: out.current}
		}
		switch exp.kind {
		case expectAny:
			w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedAny{ExpectedAny: &shared.Empty{}}
			w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_Any_20_6_0{Any_20_6_0: &shared.Empty{}}
		case expectNoStream:
			w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedNoStream{ExpectedNoStream: &shared.Empty{}}
		case expectStreamExists:
			w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedStreamExists{ExpectedStreamExists: &shared.Empty{}}
			w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_StreamExists_20_6_0{StreamExists_20_6_0: &shared.Empty{}}
		case expectRevision:
			w.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedRevision{ExpectedRevision: exp.revision}
			w.ExpectedRevisionOption_20_6_0 = &api.AppendResp_WrongExpectedVersion_ExpectedRevision_20_6_0{ExpectedRevision_20_6_0: exp.revision}
		}
		return &api.AppendResp{Result: &api.AppendResp_WrongExpectedVersion_{WrongExpectedVersion: w}}
	}
	ok := &api.AppendResp_Success{}
	if out.noStream {
		ok.CurrentRevisionOption = &api.AppendResp_Success_NoStream{NoStream: &shared.Empty{}}
		ok.PositionOption = &api.AppendResp_Success_NoPosition{NoPosition: &shared.Empty{}}
	} else {
		ok.CurrentRevisionOption = &api.AppendResp_Success_CurrentRevision{CurrentRevision: out.current}
		ok.PositionOption = &api.AppendResp_Success_Position{Position: &api.AppendResp_Position{
			CommitPosition: out.pos, PreparePosition: out.pos,
		}}
	}
	return &api.AppendResp{Result: &api.AppendResp_Success_{Success: ok}}
}

func expectationFromProto(o *api.AppendReq_Options) (expectation, error) {
	switch e := o.GetExpectedStreamRevision().(type) {
	case *api.AppendReq_Options_Any:
		return expectation{kind: expectAny}, nil
	case *api.AppendReq_Options_NoStream:
		return expectation{kind: expectNoStream}, nil
	case *api.AppendReq_Options_StreamExists:
		return expectation{kind: expectStreamExists}, nil
	case *api.AppendReq_Options_Revision:
		return expectation{kind: expectRevision, revision: e.Revision}, nil
	}
	return expectation{}, status.Error(codes.InvalidArgument, "expected stream revision is missing")
}

// idFromProto accepts both UUID encodings a client may send.
func idFromProto(u *shared.UUID) ([16]byte, error) {
	var id [16]byte
	switch v := u.GetValue().(type) {
	case *shared.UUID_Structured_:
		binary.BigEndian.PutUint64(id[:8], uint64(v.Structured.GetMostSignificantBits()))
		binary.BigEndian.PutUint64(id[8:], uint64(v.Structured.GetLeastSignificantBits()))
		return id, nil
	case *shared.UUID_String_:
		if parsed, err := uuid.Parse(v.String_); err == nil {
			return parsed, nil
		}
		return id, status.Error(codes.InvalidArgument, fmt.Sprintf("invalid event id %q", v.String_))
	}
	return id, status.Error(codes.InvalidArgument, "event id is missing")
}
