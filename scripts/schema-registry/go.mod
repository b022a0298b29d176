module github.com/goconnect/goconnect/scripts/schema-registry

go 1.26.0
