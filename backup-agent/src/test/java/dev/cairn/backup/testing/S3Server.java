package dev.cairn.backup.testing;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A real S3 server in the test JVM: S3Proxy on 127.0.0.1 with an in-memory blob store, checking AWS
 * signatures against one access key. The agent finds the key where the SDK's default chain looks,
 * the aws.accessKeyId and aws.secretAccessKey system properties.
 */
public final class S3Server implements AutoCloseable {
  public static final String ACCESS_KEY = "cairn-test-access";
  public static final String SECRET_KEY = "cairn-test-secret";

  private final S3Proxy proxy;
  private final S3Client client;

  private S3Server(S3Proxy proxy) {
    this.proxy = proxy;
    this.client =
        S3Client.builder()
            .endpointOverride(endpoint())
            .region(Region.US_EAST_1)
            .forcePathStyle(true)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
            .build();
  }

  public static S3Server start() throws Exception {
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(new TransientNio2BlobStore())
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
            .build();
    proxy.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> "STARTED".equals(proxy.getState()));
    System.setProperty("aws.accessKeyId", ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", SECRET_KEY);
    return new S3Server(proxy);
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + proxy.getPort());
  }

  public void createBucket(String bucket) {
    client.createBucket(r -> r.bucket(bucket));
  }

  /** Every key in the bucket, in key order. */
  public List<String> keys(String bucket) {
    return client.listObjectsV2Paginator(r -> r.bucket(bucket)).contents().stream()
        .map(S3Object::key)
        .toList();
  }

  public byte[] get(String bucket, String key) {
    return client
        .getObject(r -> r.bucket(bucket).key(key), ResponseTransformer.toBytes())
        .asByteArray();
  }

  /** The object's ETag; S3 gives an object uploaded in N parts an ETag ending in -N. */
  public String etag(String bucket, String key) {
    return client.headObject(r -> r.bucket(bucket).key(key)).eTag();
  }

  /** Keys of the multipart uploads started and neither completed nor aborted. */
  public List<String> uploadsInProgress(String bucket) {
    return client.listMultipartUploads(r -> r.bucket(bucket)).uploads().stream()
        .map(u -> u.key())
        .toList();
  }

  /** Aborts every upload in progress, as another client or a lifecycle rule could. */
  public void abortUploads(String bucket) {
    client
        .listMultipartUploads(r -> r.bucket(bucket))
        .uploads()
        .forEach(
            u ->
                client.abortMultipartUpload(
                    r -> r.bucket(bucket).key(u.key()).uploadId(u.uploadId())));
  }

  /** Replaces an object behind the agent's back, as damage in storage would. */
  public void put(String bucket, String key, byte[] content) {
    client.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(content));
  }

  public void delete(String bucket, String key) {
    client.deleteObject(r -> r.bucket(bucket).key(key));
  }

  @Override
  public void close() {
    client.close();
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("S3Proxy did not stop", e);
    }
  }
}
