package testkit

import (
	"os"
	"path/filepath"
	"testing"
)

// ServicesCache is where scripts/services.sh keeps what the real services
// need: $GOCONNECT_CACHE, else ~/.cache/goconnect (scripts/services/common.sh).
func ServicesCache(t testing.TB) string {
	t.Helper()
	if cache := os.Getenv("GOCONNECT_CACHE"); cache != "" {
		return cache
	}
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(home, ".cache", "goconnect")
}

// ServiceTLSDir is the directory where scripts/services.sh wrote a
// service's throwaway CA and certificates (sub: "mariadb-tls",
// "mongo-tls"); the test fails, naming the service to start, when its CA
// is missing.
func ServiceTLSDir(t testing.TB, sub, service string) string {
	t.Helper()
	dir := filepath.Join(ServicesCache(t), sub)
	if _, err := os.Stat(filepath.Join(dir, "ca.pem")); err != nil {
		t.Fatalf("the CA of service %s is missing (run scripts/services.sh up %s): %v", service, service, err)
	}
	return dir
}
