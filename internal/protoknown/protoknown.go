// Package protoknown holds the .proto files Confluent's Protobuf
// serializers and registry treat as known types, never registered as
// references: Confluent's confluent/meta.proto (the field_meta option
// ProtobufData writes) and confluent/type/decimal.proto, Google's
// google/type/date.proto and timeofday.proto; with Google's well-known
// types (google/protobuf/*, built into protocompile) they resolve every
// import a Confluent-generated schema has.
package protoknown

import (
	"context"
	"fmt"
	"strings"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// Import paths of the types ProtobufData maps Connect's logical types to.
const (
	MetaLocation      = "confluent/meta.proto"
	DecimalLocation   = "confluent/type/decimal.proto"
	DateLocation      = "google/type/date.proto"
	TimeLocation      = "google/type/timeofday.proto"
	TimestampLocation = "google/protobuf/timestamp.proto"
	WrappersLocation  = "google/protobuf/wrappers.proto"
)

// knownFiles are the files Confluent's serializers and registry treat as
// known types (never registered as references) that protocompile does not
// carry: Confluent's metadata option, Decimal and Variant, Google's
// google/type files (Date and TimeOfDay among them).
// The fields are those of the published files; comments and language
// options are left out since no byte depends on them.
var knownFiles = map[string]string{
	MetaLocation: `syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
message Meta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
  repeated Rule rules = 4;
}
message Rule {
  string name = 1;
  string doc = 2;
  string expr = 3;
  string sql = 4;
}
extend google.protobuf.FileOptions { Meta file_meta = 1088; }
extend google.protobuf.MessageOptions { Meta message_meta = 1088; }
extend google.protobuf.FieldOptions { Meta field_meta = 1088; }
extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }
extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }
`,
	DecimalLocation: `syntax = "proto3";
package confluent.type;
message Decimal {
  bytes value = 1;
  uint32 precision = 2;
  int32 scale = 3;
}
`,
	DateLocation: `syntax = "proto3";
package google.type;
message Date {
  int32 year = 1;
  int32 month = 2;
  int32 day = 3;
}
`,
	TimeLocation: `syntax = "proto3";
package google.type;
message TimeOfDay {
  int32 hours = 1;
  int32 minutes = 2;
  int32 seconds = 3;
  int32 nanos = 4;
}
`,
	// The other files Confluent's registry resolves without a reference
	// (ProtobufSchema's KNOWN_DEPENDENCIES).
	"confluent/type/variant.proto": `syntax = "proto3";
package confluent.type;
message Variant {
  bytes metadata = 1;
  bytes value = 2;
}
`,
	"google/type/calendar_period.proto": `syntax = "proto3";
package google.type;
enum CalendarPeriod {
  CALENDAR_PERIOD_UNSPECIFIED = 0;
  DAY = 1;
  WEEK = 2;
  FORTNIGHT = 3;
  MONTH = 4;
  QUARTER = 5;
  HALF = 6;
  YEAR = 7;
}
`,
	"google/type/color.proto": `syntax = "proto3";
package google.type;
import "google/protobuf/wrappers.proto";
message Color {
  float red = 1;
  float green = 2;
  float blue = 3;
  google.protobuf.FloatValue alpha = 4;
}
`,
	"google/type/datetime.proto": `syntax = "proto3";
package google.type;
import "google/protobuf/duration.proto";
message DateTime {
  int32 year = 1;
  int32 month = 2;
  int32 day = 3;
  int32 hours = 4;
  int32 minutes = 5;
  int32 seconds = 6;
  int32 nanos = 7;
  oneof time_offset {
    google.protobuf.Duration utc_offset = 8;
    TimeZone time_zone = 9;
  }
}
message TimeZone {
  string id = 1;
  string version = 2;
}
`,
	"google/type/dayofweek.proto": `syntax = "proto3";
package google.type;
enum DayOfWeek {
  DAY_OF_WEEK_UNSPECIFIED = 0;
  MONDAY = 1;
  TUESDAY = 2;
  WEDNESDAY = 3;
  THURSDAY = 4;
  FRIDAY = 5;
  SATURDAY = 6;
  SUNDAY = 7;
}
`,
	"google/type/decimal.proto": `syntax = "proto3";
package google.type;
message Decimal {
  string value = 1;
}
`,
	"google/type/expr.proto": `syntax = "proto3";
package google.type;
message Expr {
  string expression = 1;
  string title = 2;
  string description = 3;
  string location = 4;
}
`,
	"google/type/fraction.proto": `syntax = "proto3";
package google.type;
message Fraction {
  int64 numerator = 1;
  int64 denominator = 2;
}
`,
	"google/type/interval.proto": `syntax = "proto3";
package google.type;
import "google/protobuf/timestamp.proto";
message Interval {
  google.protobuf.Timestamp start_time = 1;
  google.protobuf.Timestamp end_time = 2;
}
`,
	"google/type/latlng.proto": `syntax = "proto3";
package google.type;
message LatLng {
  double latitude = 1;
  double longitude = 2;
}
`,
	"google/type/money.proto": `syntax = "proto3";
package google.type;
message Money {
  string currency_code = 1;
  int64 units = 2;
  int32 nanos = 3;
}
`,
	"google/type/month.proto": `syntax = "proto3";
package google.type;
enum Month {
  MONTH_UNSPECIFIED = 0;
  JANUARY = 1;
  FEBRUARY = 2;
  MARCH = 3;
  APRIL = 4;
  MAY = 5;
  JUNE = 6;
  JULY = 7;
  AUGUST = 8;
  SEPTEMBER = 9;
  OCTOBER = 10;
  NOVEMBER = 11;
  DECEMBER = 12;
}
`,
	"google/type/phone_number.proto": `syntax = "proto3";
package google.type;
message PhoneNumber {
  message ShortCode {
    string region_code = 1;
    string number = 2;
  }
  oneof kind {
    string e164_number = 1;
    ShortCode short_code = 2;
  }
  string extension = 3;
}
`,
	"google/type/postal_address.proto": `syntax = "proto3";
package google.type;
message PostalAddress {
  int32 revision = 1;
  string region_code = 2;
  string language_code = 3;
  string postal_code = 4;
  string sorting_code = 5;
  string administrative_area = 6;
  string locality = 7;
  string sublocality = 8;
  repeated string address_lines = 9;
  repeated string recipients = 10;
  string organization = 11;
}
`,
	"google/type/quaternion.proto": `syntax = "proto3";
package google.type;
message Quaternion {
  double x = 1;
  double y = 2;
  double z = 3;
  double w = 4;
}
`,
}

// Resolver finds the known files, Google's well-known types and extra
// (reference name → text) for protocompile.
func Resolver(extra map[string]string) protocompile.Resolver {
	files := make(map[string]string, len(knownFiles)+len(extra))
	for k, v := range knownFiles {
		files[k] = v
	}
	for k, v := range extra {
		files[k] = v
	}
	return protocompile.WithStandardImports(&protocompile.SourceResolver{Accessor: protocompile.SourceAccessorFromMap(files)})
}

// Registry compiles the files a generated schema may import, for
// building its descriptor with protodesc.
func Registry() (*protoregistry.Files, error) {
	comp := protocompile.Compiler{Resolver: Resolver(nil)}
	fds, err := comp.Compile(context.Background(), MetaLocation, DecimalLocation, DateLocation, TimeLocation, TimestampLocation, WrappersLocation)
	if err != nil {
		return nil, fmt.Errorf("compiling the known Protobuf types: %w", err)
	}
	reg := &protoregistry.Files{}
	for _, fd := range fds {
		if err := RegisterWithDeps(reg, fd); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

// RegisterWithDeps adds fd and its imports to reg, imports first.
func RegisterWithDeps(reg *protoregistry.Files, fd protoreflect.FileDescriptor) error {
	if _, err := reg.FindFileByPath(fd.Path()); err == nil {
		return nil
	}
	imps := fd.Imports()
	for i := 0; i < imps.Len(); i++ {
		if err := RegisterWithDeps(reg, imps.Get(i).FileDescriptor); err != nil {
			return err
		}
	}
	return reg.RegisterFile(fd)
}

// WithMetaImport adds the import of confluent/meta.proto to a schema
// that uses a (confluent.*_meta) option without importing it, as
// Confluent's ProtobufData writes them (its own parser knows the file).
func WithMetaImport(text string) string {
	if strings.Contains(text, "(confluent.") && !strings.Contains(text, `"`+MetaLocation+`"`) {
		return text + "\nimport \"" + MetaLocation + "\";\n"
	}
	return text
}
