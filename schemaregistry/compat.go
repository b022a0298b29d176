package schemaregistry

import "strings"

// Compatibility levels, as Confluent names them.
const (
	None               = "NONE"
	Backward           = "BACKWARD"
	BackwardTransitive = "BACKWARD_TRANSITIVE"
	Forward            = "FORWARD"
	ForwardTransitive  = "FORWARD_TRANSITIVE"
	Full               = "FULL"
	FullTransitive     = "FULL_TRANSITIVE"
)

func validLevel(l string) bool {
	switch l {
	case None, Backward, BackwardTransitive, Forward, ForwardTransitive, Full, FullTransitive:
		return true
	}
	return false
}

// compatible checks a new schema against the existing versions (oldest
// first) under a level: BACKWARD means the new schema can read data
// written with the old one, FORWARD the other way round, FULL both; the
// plain levels look at the latest version only, the transitive ones at
// all of them.
func compatible(level string, n ParsedSchema, existing []ParsedSchema) []string {
	if level == None || len(existing) == 0 {
		return nil
	}
	against := existing[len(existing)-1:]
	if strings.HasSuffix(level, "_TRANSITIVE") {
		against = existing
	}
	var problems []string
	for _, o := range against {
		if strings.HasPrefix(level, Backward) || strings.HasPrefix(level, Full) {
			for _, msg := range n.BackwardCompatible(o) {
				problems = append(problems, "new schema cannot read data written with an old one: "+msg)
			}
		}
		if strings.HasPrefix(level, Forward) || strings.HasPrefix(level, Full) {
			for _, msg := range o.BackwardCompatible(n) {
				problems = append(problems, "an old schema cannot read data written with the new one: "+msg)
			}
		}
	}
	return problems
}
