// Command dropped-read calls IAM GetRole many times at once through the AWS SDK for Go v2 at
// the versions the pinned AWS provider (5.45.0) is built with, and counts the calls whose
// response read failed with "use of closed network connection" (see
// nbattr.emulator.transport). Retries are off, so every such failure is counted.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

func main() {
	endpoint := flag.String("endpoint", "", "the emulator's endpoint URL")
	role := flag.String("role", "", "the role to read")
	calls := flag.Int("calls", 2000, "GetRole calls in all")
	workers := flag.Int("workers", 8, "calls under way at once")
	busy := flag.Int("busy", 0, "goroutines that allocate and compute meanwhile, as the provider's own work does")
	flag.Parse()
	if *endpoint == "" || *role == "" {
		fmt.Fprintln(os.Stderr, "dropped-read: -endpoint and -role are required")
		os.Exit(2)
	}
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("testing", "testing", "")),
		config.WithRetryMaxAttempts(1),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dropped-read:", err)
		os.Exit(2)
	}
	client := iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(*endpoint) })

	done := make(chan struct{})
	defer close(done)
	for b := 0; b < *busy; b++ {
		go churn(done)
	}

	var next, dropped, other atomic.Int64
	var firstOther atomic.Value
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(*calls) {
				_, err := client.GetRole(context.Background(), &iam.GetRoleInput{RoleName: role})
				switch {
				case err == nil:
				case errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "use of closed network connection"):
					dropped.Add(1)
				default:
					other.Add(1)
					firstOther.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	wg.Wait()
	result := map[string]any{"calls": *calls, "dropped_reads": dropped.Load(), "other_errors": other.Load()}
	if first := firstOther.Load(); first != nil {
		result["first_other_error"] = first
	}
	_ = json.NewEncoder(os.Stdout).Encode(result)
}

// churn keeps a goroutine runnable and the garbage collector busy until done is closed.
func churn(done <-chan struct{}) {
	var keep [][]byte
	for {
		select {
		case <-done:
			return
		default:
		}
		keep = append(keep, make([]byte, 64<<10))
		if len(keep) > 256 {
			keep = keep[:0]
		}
	}
}
