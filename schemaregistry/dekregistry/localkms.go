package dekregistry

import "github.com/goconnect/goconnect/internal/csfle"

// LocalKMSType is the kmsType of Confluent's LocalKmsDriver. Confluent's
// server reads local-kms's secret from its `secret` setting or the
// LOCAL_SECRET environment variable.
const LocalKMSType = csfle.LocalKMSType

// newRawDEK is a new DEK's key material as Confluent's Cryptor makes it
// (Tink's serialized key); algorithm went through checkAlgorithm.
func newRawDEK(algorithm string) []byte {
	k, err := csfle.NewDEK(algorithm)
	if err != nil {
		panic("dekregistry: unchecked DEK algorithm: " + err.Error())
	}
	return k
}
