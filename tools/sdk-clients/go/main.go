// Command nbattr-go-caller prints the ARN that the AWS SDK for Go v2 calls AWS as, with its
// default credential chain, as a notebook user's program would. Test bench only.
//
// Only the endpoint comes from the environment (AWS_ENDPOINT_URL, which config.LoadDefaultConfig
// reads); credentials are the SDK's own choice: they are what the tests measure.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load config:", err)
		os.Exit(1)
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "GetCallerIdentity:", err)
		os.Exit(1)
	}
	fmt.Println(*out.Arn)
}
