package dev.cairn.backup.objectstore;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/** {@link ObjectStore} on S3 or any S3-compatible server (MinIO, Ceph RGW, ...), AWS SDK v2. */
public final class S3ObjectStore implements ObjectStore {
  private static final Logger LOG = LoggerFactory.getLogger(S3ObjectStore.class);
  private static final long MAX_PARTS = 10_000;

  /**
   * How to reach the bucket.
   *
   * @param endpoint a custom endpoint (MinIO and the like); null for AWS
   * @param region the signing region; null for the SDK's default region chain
   * @param pathStyle bucket in the path rather than the host name, as most S3-compatible servers
   *     need
   * @param partSize bytes per part of a multipart upload; files no larger go up in one request
   * @param credentials null for the SDK's default chain (environment, profile files, web identity
   *     tokens as IRSA mounts them, container and instance roles)
   */
  public record Settings(
      String bucket,
      URI endpoint,
      String region,
      boolean pathStyle,
      long partSize,
      AwsCredentialsProvider credentials) {
    /** S3 refuses parts below 5 MiB, except the last. */
    public static final long MIN_PART_SIZE = 5L << 20;

    public Settings {
      if (bucket == null || bucket.isBlank()) {
        throw new IllegalArgumentException("a bucket is required");
      }
      if (partSize < MIN_PART_SIZE) {
        throw new IllegalArgumentException(
            "the part size must be at least 5 MiB (S3's minimum), not " + partSize + " bytes");
      }
    }
  }

  private final Settings settings;
  private final S3Client s3;

  public S3ObjectStore(Settings settings) {
    this.settings = settings;
    var b =
        S3Client.builder()
            .forcePathStyle(settings.pathStyle())
            // Checksums are computed here, SHA-256 per part, and sent as headers: S3-compatible
            // servers differ in their support for the SDK's streaming checksum trailers.
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .credentialsProvider(
                settings.credentials() != null
                    ? settings.credentials()
                    : DefaultCredentialsProvider.builder().build());
    if (settings.endpoint() != null) {
      b.endpointOverride(settings.endpoint());
    }
    if (settings.region() != null && !settings.region().isBlank()) {
      b.region(Region.of(settings.region()));
    } else if (settings.endpoint() != null) {
      // S3-compatible servers mostly ignore the region, but requests must be signed with one.
      b.region(Region.US_EAST_1);
    }
    this.s3 = b.build();
  }

  @Override
  public void checkBucket() throws ObjectStoreException {
    try {
      s3.headBucket(r -> r.bucket(settings.bucket()));
    } catch (SdkException e) {
      throw failure("check bucket", null, e);
    }
  }

  @Override
  public void putFile(String key, Path file, String sha256, LongConsumer progress)
      throws ObjectStoreException {
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      throw new ObjectStoreException("cannot read " + file + ": " + e.getMessage());
    }
    if (size <= settings.partSize()) {
      try {
        s3.putObject(
            r ->
                r.bucket(settings.bucket())
                    .key(key)
                    .contentLength(size)
                    .contentType("application/octet-stream")
                    .checksumAlgorithm(ChecksumAlgorithm.SHA256)
                    .checksumSHA256(base64(HexFormat.of().parseHex(sha256))),
            RequestBody.fromFile(file));
      } catch (SdkException e) {
        throw failure("upload", key, e);
      }
      progress.accept(size);
      return;
    }
    putMultipart(key, file, size, progress);
  }

  private void putMultipart(String key, Path file, long size, LongConsumer progress)
      throws ObjectStoreException {
    String uploadId;
    try {
      uploadId =
          s3.createMultipartUpload(
                  r ->
                      r.bucket(settings.bucket())
                          .key(key)
                          .contentType("application/octet-stream")
                          .checksumAlgorithm(ChecksumAlgorithm.SHA256))
              .uploadId();
    } catch (SdkException e) {
      throw failure("start the upload of", key, e);
    }
    try {
      List<CompletedPart> parts = new ArrayList<>();
      // S3 takes at most 10,000 parts; a snapshot too big for them gets larger parts.
      long partSize = Math.max(settings.partSize(), (size + MAX_PARTS - 1) / MAX_PARTS);
      byte[] buf = new byte[Math.toIntExact(partSize)];
      long done = 0;
      try (InputStream in = Files.newInputStream(file)) {
        for (int number = 1; done < size; number++) {
          int n = in.readNBytes(buf, 0, (int) Math.min(buf.length, size - done));
          if (n <= 0) {
            throw new ObjectStoreException(file + " shrank while it was being uploaded");
          }
          MessageDigest digest = sha256();
          digest.update(buf, 0, n);
          String partSha = base64(digest.digest());
          int partNumber = number;
          UploadPartResponse r =
              s3.uploadPart(
                  p ->
                      p.bucket(settings.bucket())
                          .key(key)
                          .uploadId(uploadId)
                          .partNumber(partNumber)
                          .contentLength((long) n)
                          .checksumAlgorithm(ChecksumAlgorithm.SHA256)
                          .checksumSHA256(partSha),
                  RequestBody.fromByteBuffer(java.nio.ByteBuffer.wrap(buf, 0, n)));
          parts.add(
              CompletedPart.builder()
                  .partNumber(partNumber)
                  .eTag(r.eTag())
                  .checksumSHA256(partSha)
                  .build());
          done += n;
          progress.accept(done);
        }
      }
      s3.completeMultipartUpload(
          r ->
              r.bucket(settings.bucket())
                  .key(key)
                  .uploadId(uploadId)
                  .multipartUpload(m -> m.parts(parts)));
    } catch (SdkException | IOException e) {
      abort(key, uploadId);
      if (e instanceof ObjectStoreException o) {
        throw o;
      }
      if (e instanceof SdkException s) {
        throw failure("upload", key, s);
      }
      throw new ObjectStoreException("cannot read " + file + ": " + e.getMessage());
    }
  }

  private void abort(String key, String uploadId) {
    try {
      s3.abortMultipartUpload(r -> r.bucket(settings.bucket()).key(key).uploadId(uploadId));
    } catch (SdkException e) {
      // The bucket's lifecycle rule for incomplete uploads is the backstop; no object exists.
      LOG.warn(
          "could not abort the multipart upload of s3://{}/{} ({}): {}",
          settings.bucket(),
          key,
          uploadId,
          e.getMessage());
    }
  }

  @Override
  public void putBytes(String key, byte[] content, String contentType) throws ObjectStoreException {
    try {
      s3.putObject(
          r ->
              r.bucket(settings.bucket())
                  .key(key)
                  .contentType(contentType)
                  .checksumAlgorithm(ChecksumAlgorithm.SHA256)
                  .checksumSHA256(base64(sha256().digest(content))),
          RequestBody.fromBytes(content));
    } catch (SdkException e) {
      throw failure("upload", key, e);
    }
  }

  @Override
  public void getFile(String key, Path file) throws ObjectStoreException {
    try (ResponseInputStream<GetObjectResponse> in =
        s3.getObject(r -> r.bucket(settings.bucket()).key(key))) {
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
    } catch (SdkException e) {
      throw failure("download", key, e);
    } catch (IOException e) {
      throw new ObjectStoreException(
          "cannot download " + location(key) + " into " + file + ": " + e.getMessage());
    }
  }

  @Override
  public byte[] getBytes(String key) throws ObjectStoreException {
    try {
      return s3.getObject(r -> r.bucket(settings.bucket()).key(key), ResponseTransformer.toBytes())
          .asByteArray();
    } catch (SdkException e) {
      throw failure("download", key, e);
    }
  }

  @Override
  public List<ObjectInfo> list(String prefix) throws ObjectStoreException {
    List<ObjectInfo> out = new ArrayList<>();
    try {
      for (S3Object o :
          s3.listObjectsV2Paginator(r -> r.bucket(settings.bucket()).prefix(prefix)).contents()) {
        out.add(new ObjectInfo(o.key(), o.size()));
      }
    } catch (SdkException e) {
      throw failure("list", prefix, e);
    }
    return out;
  }

  @Override
  public void delete(String key) throws ObjectStoreException {
    try {
      s3.deleteObject(r -> r.bucket(settings.bucket()).key(key));
    } catch (SdkException e) {
      throw failure("delete", key, e);
    }
  }

  @Override
  public void close() {
    s3.close();
  }

  private String location(String key) {
    return "s3://" + settings.bucket() + "/" + (key == null ? "" : key);
  }

  /** One message per kind of failure, without the SDK's stack trace. */
  private ObjectStoreException failure(String action, String key, SdkException e) {
    String where = location(key);
    String endpoint = settings.endpoint() == null ? "AWS S3" : settings.endpoint().toString();
    if (e instanceof NoSuchBucketException
        || (e instanceof S3Exception s && s.statusCode() == 404 && key == null)) {
      return new ObjectStoreException(
          "cannot " + action + " " + where + ": bucket " + settings.bucket() + " does not exist");
    }
    if (e instanceof NoSuchKeyException) {
      return new ObjectStoreException("cannot " + action + " " + where + ": no such object");
    }
    if (e instanceof S3Exception s) {
      String detail =
          s.awsErrorDetails() != null && s.awsErrorDetails().errorMessage() != null
              ? s.awsErrorDetails().errorCode() + ": " + s.awsErrorDetails().errorMessage()
              : "HTTP " + s.statusCode();
      if (s.statusCode() == 403) {
        return new ObjectStoreException(
            "cannot "
                + action
                + " "
                + where
                + ": access denied, check the credentials and the bucket policy ("
                + detail
                + ")");
      }
      return new ObjectStoreException("cannot " + action + " " + where + ": " + detail);
    }
    if (e instanceof SdkClientException && String.valueOf(e.getMessage()).contains("credentials")) {
      return new ObjectStoreException(
          "cannot "
              + action
              + " "
              + where
              + ": no credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, an"
              + " AWS profile, or a web identity token (IRSA)");
    }
    if (e instanceof SdkClientException) {
      return new ObjectStoreException(
          "cannot " + action + " " + where + ": cannot reach " + endpoint + ": " + e.getMessage());
    }
    return new ObjectStoreException("cannot " + action + " " + where + ": " + e.getMessage());
  }

  private static String base64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
