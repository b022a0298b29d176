package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/goconnect/goconnect/internal/kafkaclient"
	"github.com/goconnect/goconnect/internal/properties"
)

// runSecure measures the worker over a secured listener against a bare
// franz-go producer over the same listener with the same settings, and
// against the worker over the plaintext listener, in one run.
func runSecure(plainBrokers, secureBrokers, clientConfig string, n, rounds int, bin string) error {
	if clientConfig == "" {
		return fmt.Errorf("-secure-brokers needs -client-config")
	}
	f, err := os.Open(clientConfig)
	if err != nil {
		return err
	}
	props, err := properties.Parse(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", clientConfig, err)
	}
	opts, err := kafkaclient.Options(props, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", clientConfig, err)
	}
	// The worker takes the same settings for its own clients and, as
	// Connect requires, again under producer./admin. for the task's.
	var workerProps []string
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, prefix := range []string{"", "producer.", "admin.", "consumer."} {
		for _, k := range keys {
			workerProps = append(workerProps, prefix+k+"="+escapeProperty(props[k]))
		}
	}
	dir, bin, err := prepare(bin)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Printf("generating %d ratings records with the datagen task and converters...\n", n)
	payload, err := generate(n)
	if err != nil {
		return err
	}
	var bare, secure, plain []float64
	stamp := time.Now().UnixNano()
	for r := 0; r < rounds; r++ {
		rate, err := baseline(secureBrokers, fmt.Sprintf("bench-secure-bare-%d-%d", stamp, r), payload, opts...)
		if err != nil {
			return fmt.Errorf("bare producer over %s: %w", secureBrokers, err)
		}
		bare = append(bare, rate)
		if rate, err = workerRun(bin, secureBrokers, dir, fmt.Sprintf("bench-secure-worker-%d-%d", stamp, r), n, workerProps...); err != nil {
			return err
		}
		secure = append(secure, rate)
		if rate, err = workerRun(bin, plainBrokers, dir, fmt.Sprintf("bench-plain-worker-%d-%d", stamp, r), n); err != nil {
			return err
		}
		plain = append(plain, rate)
		fmt.Printf("round %d: bare franz-go over %s %.0f rec/s, worker over %s %.0f rec/s, worker over %s (plaintext) %.0f rec/s\n",
			r+1, props["security.protocol"], bare[r], props["security.protocol"], secure[r], plainBrokers, plain[r])
	}
	mb, ms, mp := median(bare), median(secure), median(plain)
	fmt.Printf("\nmedian of %d rounds, %d records (%s %s): bare producer %.0f rec/s, worker %.0f rec/s, worker over plaintext %.0f rec/s\n",
		rounds, n, props["security.protocol"], props["sasl.mechanism"], mb, ms, mp)
	fmt.Printf("ratio worker/bare over the secured listener %.2f, secured/plaintext worker %.2f\n", ms/mb, ms/mp)
	return nil
}

// escapeProperty writes a value so a .properties reader gives it back.
func escapeProperty(v string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(v)
}
