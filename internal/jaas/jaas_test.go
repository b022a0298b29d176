package jaas

import (
	"maps"
	"reflect"
	"strings"
	"testing"
)

func TestParseConfigShapesUsersPaste(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []LoginModule
	}{
		{
			name: "Confluent Cloud API key",
			in:   `org.apache.kafka.common.security.plain.PlainLoginModule required username="ABCDEFGHIJKLMNOP" password="cfltAbC/dEf+GhIjK1LmN0pQ==";`,
			want: []LoginModule{{Class: "org.apache.kafka.common.security.plain.PlainLoginModule", Flag: "required",
				Options: map[string]string{"username": "ABCDEFGHIJKLMNOP", "password": "cfltAbC/dEf+GhIjK1LmN0pQ=="}}},
		},
		{
			name: "Azure Event Hubs connection string",
			in: `org.apache.kafka.common.security.plain.PlainLoginModule required username="$ConnectionString" ` +
				`password="Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=abc=";`,
			want: []LoginModule{{Class: "org.apache.kafka.common.security.plain.PlainLoginModule", Flag: "required",
				Options: map[string]string{"username": "$ConnectionString",
					"password": "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=abc="}}},
		},
		{
			name: "SCRAM user with special characters",
			in:   "org.apache.kafka.common.security.scram.ScramLoginModule REQUIRED\n\tusername='al ice' password=\"p\\\"a;s=s \\\\w'o\\rd\";",
			want: []LoginModule{{Class: "org.apache.kafka.common.security.scram.ScramLoginModule", Flag: "required",
				Options: map[string]string{"username": "al ice", "password": "p\"a;s=s \\w'o\rd"}}},
		},
		{
			name: "unquoted values keep $ : . and backslashes",
			in:   `org.apache.kafka.common.security.plain.PlainLoginModule required username=$user password=a\b:c.d;`,
			want: []LoginModule{{Class: "org.apache.kafka.common.security.plain.PlainLoginModule", Flag: "required",
				Options: map[string]string{"username": "$user", "password": `a\b:c.d`}}},
		},
		{
			name: "MSK IAM, no options",
			in:   `software.amazon.msk.auth.iam.IAMLoginModule required;`,
			want: []LoginModule{{Class: "software.amazon.msk.auth.iam.IAMLoginModule", Flag: "required", Options: map[string]string{}}},
		},
		{
			name: "OAUTHBEARER client credentials, multi-line with comments",
			in: "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required // the client\n" +
				"  clientId=\"connect-worker\" /* secret below */ clientSecret=\"s3cr3t!\"\n  scope=\"kafka:write kafka:read\";",
			want: []LoginModule{{Class: "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule", Flag: "required",
				Options: map[string]string{"clientId": "connect-worker", "clientSecret": "s3cr3t!", "scope": "kafka:write kafka:read"}}},
		},
		{
			name: "several modules, empty value, octal escape",
			in:   `a.B optional x=""; c.D Sufficient y="\101\7z";`,
			want: []LoginModule{
				{Class: "a.B", Flag: "optional", Options: map[string]string{"x": ""}},
				{Class: "c.D", Flag: "sufficient", Options: map[string]string{"y": "A\az"}},
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseConfig(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %#v\nwant %#v", got, c.want)
			}
		})
	}
}

func TestParseConfigErrorsAsJava(t *testing.T) {
	for in, want := range map[string]string{
		"":                               "Login module not specified in JAAS config",
		"  // only a comment":            "Login module not specified in JAAS config",
		"a.B":                            "Login module control flag not specified in JAAS config",
		"a.B maybe;":                     "Invalid login module control flag 'maybe' in JAAS config",
		`a.B required username="x"`:      "JAAS config entry not terminated by semi-colon",
		"a.B required username;":         "Value not specified for key 'username' in JAAS config",
		"a.B required username=;":        "Value not specified for key 'username' in JAAS config",
		"a.B required file=/etc/x;":      "Value not specified for key 'file' in JAAS config", // '/' starts a comment, as in Java
		"a.B required =x;":               "Option name not specified",
		"a.B ;":                          "Login module control flag is not available in the JAAS config",
		"; a.B required;":                "Login module class not specified",
		`a.B required password="x;` + "": "JAAS config entry not terminated by semi-colon", // quote ends at end of input
	} {
		_, err := ParseConfig(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", in, err, want)
		}
	}
}

func TestParseFile(t *testing.T) {
	text := `/* Connect's REST basic auth */
KafkaConnect {
  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required
    file="/etc/kafka/connect.password";
};
// a client entry
KafkaClient {
  org.apache.kafka.common.security.scram.ScramLoginModule required
    username="connect" password="p\"w\\d";
  com.example.Other optional debug=true;
};
`
	got, err := ParseFile(text)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]LoginModule{
		"KafkaConnect": {{Class: "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule", Flag: "required",
			Options: map[string]string{"file": "/etc/kafka/connect.password"}}},
		"KafkaClient": {
			{Class: "org.apache.kafka.common.security.scram.ScramLoginModule", Flag: "required", Options: map[string]string{"username": "connect", "password": `p"w\d`}},
			{Class: "com.example.Other", Flag: "optional", Options: map[string]string{"debug": "true"}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
}

func TestParseFileErrors(t *testing.T) {
	for in, want := range map[string]string{
		"A { x.Y required; };\nA { x.Y required; };": "Can not specify multiple entries for A",
		"A { x.Y required file='/x'; };":             "Line 1: expected [option value]",
		"A {\n x.Y required file=\"/x\" }; ":         "Line 2: expected [option key], found ['}']",
		"A { x.Y never; };":                          "Invalid control flag, never",
		"A { x.Y required;":                          "expected [module class name], read [end of file]",
		"A x.Y required; };":                         "expected [{]",
		"A { x.Y required; }":                        "expected [;], read [end of file]",
		"A { x.Y required n=12; };":                  "expected [option value], found [a number]",
	} {
		_, err := ParseFile(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", in, err, want)
		}
	}
	if got, err := ParseFile("// nothing\n"); err != nil || len(got) != 0 {
		t.Fatalf("empty file: %v %v", got, err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password='b\"c';`,
		"a.B required x=\"\\", "A { x.Y required k=\"v\"; };", "/* unterminated", "a -1.5 \"x\n", "\\777 '\\3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		mods, err := ParseConfig(s)
		if err == nil && len(mods) == 0 {
			t.Fatal("no module and no error")
		}
		for _, m := range mods {
			if m.Flag == "" || m.Options == nil {
				t.Fatalf("incomplete module %#v", m)
			}
		}
		_, _ = ParseFile(s)
		// What parses formats back to the same modules.
		for _, m := range mods {
			again, err := ParseConfig(Format(m))
			if err != nil || len(again) != 1 || again[0].Class != m.Class || again[0].Flag != m.Flag || !maps.Equal(again[0].Options, m.Options) {
				t.Fatalf("Format(%#v) = %q reads back as %#v, %v", m, Format(m), again, err)
			}
		}
	})
}

func TestFormat(t *testing.T) {
	m := LoginModule{Class: "org.apache.kafka.common.security.scram.ScramLoginModule", Flag: "required",
		Options: map[string]string{"username": "u", "password": "p\"a;s=s \\w'o/rd\nx"}}
	s := Format(m)
	if s != `org.apache.kafka.common.security.scram.ScramLoginModule required password="p\"a;s=s \\w'o/rd\nx" username="u";` {
		t.Fatalf("Format = %s", s)
	}
	back, err := ParseConfig(s)
	if err != nil || !reflect.DeepEqual(back, []LoginModule{m}) {
		t.Fatalf("read back %#v, %v", back, err)
	}
}

func TestFormatQuotesOddNames(t *testing.T) {
	m := LoginModule{Class: "a b", Flag: "optional", Options: map[string]string{"k;=": "v", "": "e"}}
	back, err := ParseConfig(Format(m))
	if err != nil || !reflect.DeepEqual(back, []LoginModule{m}) {
		t.Fatalf("%s read back %#v, %v", Format(m), back, err)
	}
}
