// Prints the ARN the AWS SDK for JavaScript v3 calls AWS as, with Node's default credential
// chain (fromNodeProviderChain, what STSClient uses when given no credentials). The endpoint
// comes from AWS_ENDPOINT_URL, which v3 reads itself; credentials are the SDK's own choice:
// they are what the tests measure. Test bench only.
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";

const sts = new STSClient({ credentials: fromNodeProviderChain() });
const identity = await sts.send(new GetCallerIdentityCommand({}));
console.log(identity.Arn);
