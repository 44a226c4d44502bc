package nbattr;

import software.amazon.awssdk.services.s3.S3Client;

/**
 * Lists the buckets with the AWS SDK for Java v2 and its default credential chain, without the
 * sts module. The endpoint comes from AWS_ENDPOINT_URL, which the SDK reads itself; the
 * identity it called as is read from CloudTrail by the test.
 */
public final class Caller {
    public static void main(String[] args) {
        try (S3Client s3 = S3Client.create()) {
            System.out.println(s3.listBuckets().buckets().size());
        }
    }
}
