package data

import (
	"bytes"
	"math/big"
	"testing"
)

func TestAppendTwosComplement(t *testing.T) {
	var vals []*big.Int
	for k := 1; k <= 9; k++ {
		// Around each byte boundary, both signs.
		edge := new(big.Int).Lsh(big.NewInt(1), uint(8*k-1))
		for _, d := range []int64{-1, 0, 1} {
			v := new(big.Int).Add(edge, big.NewInt(d))
			vals = append(vals, v, new(big.Int).Neg(v))
		}
	}
	vals = append(vals, big.NewInt(0), big.NewInt(-72525), big.NewInt(1925))
	for _, v := range vals {
		want := TwosComplement(v)
		if got := AppendTwosComplement([]byte("x"), v); !bytes.Equal(got, append([]byte("x"), want...)) {
			t.Errorf("%s: appended %x, want x + %x", v, got, want)
		}
	}
	dst := make([]byte, 0, 16)
	v := big.NewInt(-9223372036854775808)
	if n := testing.AllocsPerRun(100, func() { AppendTwosComplement(dst, v) }); n != 0 {
		t.Errorf("%.1f allocations for a 64-bit value, want 0", n)
	}
}
