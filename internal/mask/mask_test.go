package mask

import "testing"

func TestText(t *testing.T) {
	cases := map[string]string{
		// Go's own form stays as it is; the raw one is masked.
		`unable to POST "http://u:secretpw@127.0.0.1:1/subjects/x": Post "http://u:***@127.0.0.1:1/subjects/x": refused`:                                 `unable to POST "http://u:***@127.0.0.1:1/subjects/x": Post "http://u:***@127.0.0.1:1/subjects/x": refused`,
		"mongodb://dbz:p@ss:w0rd@h1:27017,h2:27017/?authSource=admin":                                                                                    "mongodb://dbz:***@h1:27017,h2:27017/?authSource=admin",
		"urls http://a:b@h1,https://c:d@h2 and http://host:8081/x?email=a@b":                                                                             "urls http://a:***@h1,https://c:***@h2 and http://host:8081/x?email=a@b",
		"https://token@host/ and jdbc:mysql://root@db:3306/":                                                                                             "https://token@host/ and jdbc:mysql://root@db:3306/",
		`org.apache.kafka.common.security.plain.PlainLoginModule required username="$ConnectionString" password="Endpoint=sb://x/;SharedAccessKey=abc";`: `org.apache.kafka.common.security.plain.PlainLoginModule required username="$ConnectionString" password="***";`,
		"Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=abc=":                                    "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=***",
		"{connection.password=con, connection.url=http://es:9200, basic.auth.user.info=u:p}":                                                             "{connection.password=***, connection.url=http://es:9200, basic.auth.user.info=***}",
		// Causes stay readable: no text search for the secret itself.
		"connection refused (using password: YES)": "connection refused (using password: YES)",
		"topic demo.customers: con error":          "topic demo.customers: con error",
	}
	for in, want := range cases {
		if got := Text(in); got != want {
			t.Errorf("Text(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}

func TestProps(t *testing.T) {
	got := Props(map[string]string{"database.password": "x", "value.converter.schema.registry.url": "http://u:p@sr:8081",
		"sasl.jaas.config": "x required;", "ssl.key.password": "k", "topics": "t"})
	want := map[string]string{"database.password": "[hidden]", "value.converter.schema.registry.url": "http://u:***@sr:8081",
		"sasl.jaas.config": "[hidden]", "ssl.key.password": "[hidden]", "topics": "t"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}
