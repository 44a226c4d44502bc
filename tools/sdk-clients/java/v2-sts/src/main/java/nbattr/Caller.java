package nbattr;

import software.amazon.awssdk.services.sts.StsClient;

/**
 * Prints the ARN the AWS SDK for Java v2 calls as, with its default credential chain. The
 * endpoint comes from AWS_ENDPOINT_URL, which the SDK reads itself; credentials are the SDK's
 * own choice: they are what the tests measure.
 */
public final class Caller {
    public static void main(String[] args) {
        try (StsClient sts = StsClient.create()) {
            System.out.println(sts.getCallerIdentity().arn());
        }
    }
}
