// Prints the ARN the AWS SDK for JavaScript v2 calls AWS as, with its default credential
// chain. v2 does not read AWS_ENDPOINT_URL, so the endpoint is set here from it, and reads the
// region from ~/.aws/config only with AWS_SDK_LOAD_CONFIG, so it is set too, as a v2 user
// does. Credentials are the SDK's own choice: they are what the tests measure. Test bench only.
const AWS = require("aws-sdk");

const sts = new AWS.STS({
  endpoint: process.env.AWS_ENDPOINT_URL,
  region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION,
});
sts.getCallerIdentity({}, (error, identity) => {
  if (error) {
    console.error(error);
    process.exit(1);
  }
  console.log(identity.Arn);
});
