package io.meshgate.config.event;

/** Header names of the event contract (CloudEvents Kafka binding, binary content mode). */
public final class Headers {
  public static final String SPEC_VERSION = "ce_specversion";
  public static final String ID = "ce_id";
  public static final String SOURCE = "ce_source";
  public static final String TYPE = "ce_type";
  public static final String SUBJECT = "ce_subject";
  public static final String TIME = "ce_time";

  /** Optional: apply only if the stored resource's resourceVersion equals this revision. */
  public static final String IF_REVISION = "ce_ifrevision";

  public static final String CONTENT_TYPE = "content-type";
  public static final String JSON = "application/json";
  public static final String CLOUDEVENTS_VERSION = "1.0";

  private Headers() {}
}
