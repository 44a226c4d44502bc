package nbattr;

import com.amazonaws.client.builder.AwsClientBuilder.EndpointConfiguration;
import com.amazonaws.regions.DefaultAwsRegionProviderChain;
import com.amazonaws.services.securitytoken.AWSSecurityTokenService;
import com.amazonaws.services.securitytoken.AWSSecurityTokenServiceClientBuilder;
import com.amazonaws.services.securitytoken.model.GetCallerIdentityRequest;

/**
 * Prints the ARN the AWS SDK for Java v1 calls as, with its default credential chain. v1 does
 * not read AWS_ENDPOINT_URL, so the endpoint (only the endpoint) is set here from it;
 * credentials are the SDK's own choice: they are what the tests measure.
 */
public final class Caller {
    public static void main(String[] args) {
        String region = new DefaultAwsRegionProviderChain().getRegion();
        AWSSecurityTokenService sts = AWSSecurityTokenServiceClientBuilder.standard()
            .withEndpointConfiguration(
                new EndpointConfiguration(System.getenv("AWS_ENDPOINT_URL"), region))
            .build();
        System.out.println(sts.getCallerIdentity(new GetCallerIdentityRequest()).getArn());
    }
}
