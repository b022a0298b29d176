package datagen

// javaRandom is java.util.Random's 48-bit linear congruential generator.
// Datagen stores the generator seed in its source offsets as a Java long;
// using the same generator keeps those offsets meaningful to both.
type javaRandom struct{ seed int64 }

const (
	lcgMultiplier = 0x5DEECE66D
	lcgAddend     = 0xB
	lcgMask       = (1 << 48) - 1
)

func newJavaRandom(seed int64) *javaRandom {
	r := &javaRandom{}
	r.setSeed(seed)
	return r
}

func (r *javaRandom) setSeed(seed int64) { r.seed = (seed ^ lcgMultiplier) & lcgMask }

func (r *javaRandom) next(bits uint) int32 {
	r.seed = (r.seed*lcgMultiplier + lcgAddend) & lcgMask
	return int32(r.seed >> (48 - bits))
}

// nextLong is Random.nextLong.
func (r *javaRandom) nextLong() int64 {
	hi := int64(r.next(32))
	lo := int64(r.next(32))
	return (hi << 32) + lo
}

// nextDouble is Random.nextDouble: uniform in [0, 1).
func (r *javaRandom) nextDouble() float64 {
	hi := int64(r.next(26))
	lo := int64(r.next(27))
	return float64((hi<<27)+lo) * (1.0 / (1 << 53))
}

// rangeInt returns min + floor(u × (max − min)), max exclusive, as the
// avro-random-generator's range property does.
func (r *javaRandom) rangeInt(min, max int32) int32 {
	return min + int32(r.nextDouble()*float64(max-min))
}

// pick returns a uniform index into n options.
func (r *javaRandom) pick(n int) int { return int(r.nextDouble() * float64(n)) }
