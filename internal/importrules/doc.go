// Package importrules holds only a test: it enforces which of goconnect's
// packages may import which, so the plugin API stays standalone (as
// Connect's api module) and plugins never reach into the runtime.
package importrules
