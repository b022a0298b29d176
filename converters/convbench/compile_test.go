package convbench

import (
	"context"
	"testing"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/goconnect/goconnect/internal/protoknown"
)

func compileRatings(b *testing.B, _ *protoregistry.Files) protoreflect.MessageDescriptor {
	comp := protocompile.Compiler{Resolver: protoknown.Resolver(map[string]string{"ratings.proto": ratingsProto})}
	fds, err := comp.Compile(context.Background(), "ratings.proto")
	if err != nil {
		b.Fatal(err)
	}
	return fds[0].Messages().Get(0)
}
