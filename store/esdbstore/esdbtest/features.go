package esdbtest

import (
	"context"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
)

// featuresHandler answers the client's connection-time feature discovery
// with the methods this server implements. BatchAppend is not listed, so the
// client uses Append.
type featuresHandler struct {
	serverfeatures.UnimplementedServerFeaturesServer
}

func (featuresHandler) GetSupportedMethods(context.Context, *shared.Empty) (*serverfeatures.SupportedMethods, error) {
	const streams = "event_store.client.streams.streams"
	return &serverfeatures.SupportedMethods{
		EventStoreServerVersion: ServerVersion,
		Methods: []*serverfeatures.SupportedMethod{
			{ServiceName: streams, MethodName: "read"},
			{ServiceName: streams, MethodName: "append"},
			{ServiceName: "event_store.client.server_features.serverfeatures", MethodName: "getsupportedmethods"},
		},
	}, nil
}
